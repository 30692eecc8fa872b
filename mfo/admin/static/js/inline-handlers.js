/* Flask-Admin's templates use inline onclick="..." handlers, which our Content-Security-Policy
   blocks (a nonce covers <script> elements, never event-handler attributes). This file attaches
   the few handlers Flask-Admin writes, without eval: only the functions listed below may be
   called, only with string arguments or `this`. Templates that override Flask-Admin's write the
   same code in data-onclick="..." (which the browser leaves alone); a leftover onclick="..." is
   handled too, so a forgotten override still works (the browser then logs a CSP report).
   Flask-Admin's links also use href="javascript:void(0)" as "a link that goes nowhere": the CSP
   blocks following it and logs an error, so clicks on such links have their default cancelled. */
(function () {
  "use strict";

  var ALLOWED = {
    "faHelpers.safeConfirm": function () { return window.faHelpers && window.faHelpers.safeConfirm; },
    "modelActions.execute": function () {
      return window.modelActions && window.modelActions.execute.bind(window.modelActions);
    },
    "faForm.addInlineField": function () {
      return window.faForm && window.faForm.addInlineField.bind(window.faForm);
    },
  };
  // return? name( args ) ;?   where args are 'quoted strings' or `this`
  var CALL = /^\s*(return\s+)?([\w.]+)\((.*)\)\s*;?\s*$/;
  var ARG = /\s*(?:'((?:[^'\\]|\\.)*)'|(this))\s*(?:,|$)/g;

  function parseArgs(text, element) {
    var args = [];
    var match;
    ARG.lastIndex = 0;
    while (ARG.lastIndex < text.length && (match = ARG.exec(text)) !== null) {
      if (match[0] === "") { return null; }
      args.push(match[2] ? element : match[1].replace(/\\(.)/g, "$1"));
    }
    return args;
  }

  function rebind(element) {
    var name = element.hasAttribute("data-onclick") ? "data-onclick" : "onclick";
    var code = element.getAttribute(name);
    element.removeAttribute(name);
    if (/^\s*return\s+false\s*;?\s*$/.test(code)) {
      element.addEventListener("click", function (event) { event.preventDefault(); });
      return;
    }
    var call = CALL.exec(code);
    if (!call || !ALLOWED.hasOwnProperty(call[2])) { return; }
    var args = parseArgs(call[3], element);
    if (args === null) { return; }
    var returns = Boolean(call[1]);
    element.addEventListener("click", function (event) {
      var fn = ALLOWED[call[2]]();
      var result = fn ? fn.apply(element, args) : false;
      if (returns && result === false) { event.preventDefault(); }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-onclick], [onclick]"), rebind);
  }

  // Capture phase on the document: it sees every click, on links added later (filters) too, and
  // a handler below that stops propagation (Bootstrap's dropdown toggle) cannot skip it.
  // Cancelling the default does not stop the other click handlers; it only keeps the browser from
  // running the javascript: URL.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (link && /^\s*javascript:/i.test(link.getAttribute("href"))) { event.preventDefault(); }
  }, true);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
