// The schedule board: drag a class card (by its handle) to another session or place; the server re-packs,
// saves and answers the new times and the conflicts the move created or removed, shown at once.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || board.getAttribute("data-may-move") !== "true" || typeof window.Sortable === "undefined") { return; }
  var status = document.getElementById("board-last-move");

  function card(unit) {
    return board.querySelector('[data-unit="' + window.CSS.escape(unit) + '"]');
  }

  function say(message, created, removed) {
    status.textContent = "";
    var lead = document.createElement("p");
    lead.className = "mb-1 font-weight-bold";
    lead.textContent = message;
    status.appendChild(lead);
    [[created, "data-created", "alert-warning", "board-created"], [removed, "data-removed", "alert-info", "board-removed"]].forEach(function (part) {
      if (!part[0] || !part[0].length) { return; }
      var box = document.createElement("div");
      box.className = "alert small mb-1 " + part[2];
      box.id = part[3];
      box.appendChild(document.createTextNode(board.getAttribute(part[1])));
      var list = document.createElement("ul");
      list.className = "mb-0";
      part[0].forEach(function (conflict) {
        var item = document.createElement("li");
        item.setAttribute("data-conflict", conflict.key);
        item.textContent = conflict.message;  // text, never HTML: messages hold people's names
        list.appendChild(item);
      });
      box.appendChild(list);
      status.appendChild(box);
    });
    if ((!created || !created.length) && (!removed || !removed.length) && created) {
      var none = document.createElement("p");
      none.className = "small mb-1";
      none.textContent = board.getAttribute("data-none");
      status.appendChild(none);
    }
  }

  function badge(unit, change) {
    var element = card(unit);
    if (!element) { return; }
    var count = Math.max(0, Number(element.getAttribute("data-conflicts") || 0) + change);
    element.setAttribute("data-conflicts", String(count));
    var mark = element.querySelector("[data-badge]");
    mark.querySelector("[data-count]").textContent = String(count);
    mark.classList.toggle("d-none", count === 0);
    element.classList.toggle("board-card-conflicts", count > 0);
  }

  // The day's conflicts panel: what a move created is added, what it removed is taken away.
  function panel(created, removed) {
    var list = document.getElementById("board-conflict-list");
    removed.forEach(function (conflict) {
      list.querySelectorAll("li").forEach(function (item) {
        if (item.getAttribute("data-conflict") === conflict.key) { item.remove(); }
      });
    });
    created.forEach(function (conflict) {
      var item = document.createElement("li");
      item.setAttribute("data-conflict", conflict.key);
      var mark = document.createElement("span");
      mark.className = "badge " + (conflict.severity === "error" ? "badge-danger" : "badge-warning");
      mark.textContent = conflict.title;
      item.appendChild(mark);
      item.appendChild(document.createTextNode(" " + conflict.message));
      list.appendChild(item);
    });
    document.getElementById("board-no-conflicts").classList.toggle("d-none", list.children.length > 0);
  }

  // The schedule's revision this page shows; every change is made against it, and a change answers the next one.
  function revise(revision) {
    board.setAttribute("data-revision", revision);
    board.querySelectorAll('input[name="revision"]').forEach(function (field) { field.value = revision; });
  }

  function apply(answer) {
    revise(answer.revision);
    Object.keys(answer.sessions).forEach(function (session) {
      answer.sessions[session].forEach(function (placed) {
        var element = card(placed.unit);
        if (element) { element.querySelector("[data-time]").textContent = placed.start + "\u2013" + placed.end; }
      });
    });
    answer.created.forEach(function (conflict) { conflict.units.forEach(function (unit) { badge(unit, 1); }); });
    answer.removed.forEach(function (conflict) { conflict.units.forEach(function (unit) { badge(unit, -1); }); });
    panel(answer.created, answer.removed);
    say(answer.message, answer.created, answer.removed);
  }

  function moved(event) {
    var unit = event.item.getAttribute("data-unit");
    var session = event.to.getAttribute("data-session");
    fetch(board.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": board.getAttribute("data-csrf")},
      body: JSON.stringify({unit: unit, session: session === "" ? null : Number(session), position: event.newIndex,
                            revision: board.getAttribute("data-revision")})
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (answer.reload) {
            // Someone else changed the schedule: show it as it is now (the reloaded page says why).
            say(answer.message);
            window.location.reload();
            return new Promise(function () {});
          }
          if (!response.ok) { throw new Error(answer.message || String(response.status)); }
          return answer;
        });
      })
      .then(apply)
      .catch(function (error) {
        say(error.message || board.getAttribute("data-failed"));
        // The page no longer shows what the server holds: put the card back where it was.
        var from = event.from;
        from.insertBefore(event.item, from.children[event.oldIndex] || null);
      });
  }

  board.querySelectorAll(".board-list").forEach(function (list) {
    window.Sortable.create(list, {
      group: "board",
      handle: ".board-handle",
      filter: "[data-pinned]",
      ghostClass: "board-ghost",
      animation: 0,
      onEnd: function (event) {
        if (event.from === event.to && event.oldIndex === event.newIndex) { return; }
        moved(event);
      }
    });
  });
}());
