// The progress page of an import: polls the import's status and goes to its page once the job is done.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var template = box.getAttribute("data-text");

  function show(status) {
    var rows = Math.max(status.rows || 0, 1);
    bar.max = rows;
    bar.value = Math.min(status.progress || 0, rows);
    text.textContent = template.replace("{done}", String(status.progress || 0)).replace("{rows}", String(status.rows || 0));
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.done) {
          window.location.assign(box.getAttribute("data-done-url"));
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
}());
