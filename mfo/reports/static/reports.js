/* The reports' scripts: Print buttons (shown only when this runs) open the print dialog, and parts of a
   page marked data-fragment are replaced by the HTML their URL returns (for a part too slow to make with the
   page). Without scripts, the buttons stay hidden and the links work. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  document.querySelectorAll("[data-fragment]").forEach(function (part) {
    part.setAttribute("aria-busy", "true");
    fetch(part.getAttribute("data-fragment"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        part.innerHTML = html;
      })
      .catch(function () {
        /* The link to count them in the page stays. */
      })
      .finally(function () {
        part.removeAttribute("aria-busy");
      });
  });
})();
