/* Flask-Admin's forms for the keyboard and screen readers, as their scripts build them.
   Search-as-you-type fields (Select2 3.5):
   - The "x" that removes a chosen item (a role, a performer) is an empty link taken out of the tab
     order: it becomes a named button ("Remove staff") that Tab reaches and Enter or Space press.
   - The hidden input that takes the focus of a single choice field says role="button", which an
     input may not be: it is a combobox, collapsed until the list opens. The link drawn over it
     for the mouse, nameless and out of the tab order, is hidden from screen readers (the input
     carries the field's label).
   Inline records added with "Add ..." (a class's set pieces): Flask-Admin's script gives their
   fields new ids but leaves their labels pointing at the old ones, so no field had a label.
   These elements are made whenever a field is set up, an item chosen or a record added, so new
   ones are fixed as they appear. The button's name comes from this script tag's data-remove-label, in the
   page's language, with {choice} for the item's text. */
(function () {
  "use strict";

  var template = (document.currentScript && document.currentScript.getAttribute("data-remove-label")) || "Remove {choice}";

  function nameRemoveButton(link) {
    var choice = link.closest(".select2-search-choice");
    var text = choice ? choice.textContent.trim() : "";
    link.setAttribute("tabindex", "0");
    link.setAttribute("role", "button");
    link.setAttribute("aria-label", template.replace("{choice}", text));
  }

  function fixFocusser(input) {
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
  }

  function hideMouseTarget(link) {
    link.setAttribute("aria-hidden", "true");
  }

  // label for="position" in a new record whose field is now id="set_pieces-0-position".
  function relabelInlineRecord(record) {
    Array.prototype.forEach.call(record.querySelectorAll("label[for]"), function (label) {
      var target = label.getAttribute("for");
      if (document.getElementById(target)) { return; }
      var field = document.getElementById(record.id + "-" + target);
      if (field && record.contains(field)) { label.setAttribute("for", field.id); }
    });
  }

  var FIXES = [
    [".inline-field.fresh[id]", relabelInlineRecord],
    ["a.select2-search-choice-close", nameRemoveButton],
    ["input.select2-focusser[role=button]", fixFocusser],
    ["a.select2-choice", hideMouseTarget],
  ];

  function fix(node) {
    if (node.nodeType !== 1) { return; }
    FIXES.forEach(function (pair) {
      if (node.matches(pair[0])) { pair[1](node); }
      Array.prototype.forEach.call(node.querySelectorAll(pair[0]), pair[1]);
    });
  }

  document.addEventListener("keydown", function (event) {
    var link = event.target;
    if (!link.classList || !link.classList.contains("select2-search-choice-close")) { return; }
    if (event.key !== "Enter" && event.key !== " ") { return; }
    event.preventDefault();
    var field = link.closest(".select2-container");
    link.click();  // Select2's own click handler removes the item
    var input = field && field.querySelector("input.select2-input");
    if (input) { input.focus(); }
  });

  // Select2 announces its list opening and closing on the original field (a jQuery event).
  if (window.jQuery) {
    window.jQuery(document).on("select2-open select2-close", function (event) {
      var container = document.getElementById("s2id_" + event.target.id);
      var input = container && container.querySelector("input.select2-focusser");
      if (input) { input.setAttribute("aria-expanded", event.type === "select2-open" ? "true" : "false"); }
    });
  }

  new MutationObserver(function (changes) {
    changes.forEach(function (change) { Array.prototype.forEach.call(change.addedNodes, fix); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  fix(document.documentElement);
})();
