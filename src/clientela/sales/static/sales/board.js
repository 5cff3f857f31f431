// The kanban board: drag a card to another column to move the deal. The move is posted
// with the version the card was drawn at; the server refuses a stale one (somebody else
// moved or changed the deal meanwhile), and after every answer the columns are drawn
// again from the server, so a refused card goes back to where the deal really is.
// A focused card moves with the left and right arrow keys to the previous or next stage, through
// the same post; the card keeps the focus once the columns are drawn again.
// Without this script every card keeps its "Move to…" link.
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function say(text, level) {
    var box = document.getElementById("board-message");
    if (!box) return;
    box.textContent = text;
    box.className = "board-message msg msg-" + (level || "info");
    box.dataset.level = level || "info";
  }

  function redraw() {
    document.body.dispatchEvent(new CustomEvent("board-changed"));
  }

  function askLostReason() {
    var dialog = document.getElementById("lost-dialog");
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== "function") { resolve(null); return; }
      var form = dialog.querySelector("form");
      form.reset();
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue !== "confirm") { resolve(null); return; }
        resolve({ reason: form.elements.lost_reason.value, note: form.elements.lost_note.value });
      });
      dialog.showModal();
    });
  }

  function post(card, stage, extra) {
    var body = new URLSearchParams();
    body.set("stage", stage);
    body.set("version", card.dataset.version);
    Object.keys(extra || {}).forEach(function (key) { body.set(key, extra[key]); });
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        say(data.message || response.statusText, data.level || (response.ok ? "success" : "error"));
      });
    }).catch(function () {
      say(document.getElementById("board").dataset.offline || "The move could not be sent.", "error");
    }).then(redraw);
  }

  var focusAfterRedraw = null;

  function moveTo(card, target) {
    if (target.dataset.outcome === "lost") {
      askLostReason().then(function (answer) {
        if (!answer || !answer.reason) { redraw(); return; }
        post(card, target.dataset.stage, { lost_reason: answer.reason, lost_note: answer.note });
      });
      return;
    }
    post(card, target.dataset.stage, {});
  }

  function moved(event) {
    var target = event.to.closest(".column");
    if (!target || event.from === event.to) return;
    moveTo(event.item, target);
  }

  function keyed(event) {
    var card = event.target;
    if (!card.classList || !card.classList.contains("card") || !card.hasAttribute("tabindex")) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var columns = Array.prototype.slice.call(document.querySelectorAll("#board .column"));
    var index = columns.indexOf(card.closest(".column"));
    var target = columns[index + (event.key === "ArrowRight" ? 1 : -1)];
    if (index < 0 || !target) return;
    event.preventDefault();
    if (focusAfterRedraw) return;  // the last move is still on its way: its answer redraws the card
    focusAfterRedraw = card.dataset.deal;
    target.querySelector("ol.cards").appendChild(card);
    card.focus();
    moveTo(card, target);
  }

  function refocus() {
    if (!focusAfterRedraw) return;
    var card = document.querySelector('#board .card[data-deal="' + focusAfterRedraw + '"]');
    focusAfterRedraw = null;
    if (card) card.focus();
  }

  function attach() {
    if (typeof Sortable === "undefined") return;
    document.querySelectorAll("#board ol.cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "deals", animation: 120, forceFallback: true, fallbackTolerance: 4,
        filter: "details, select, button, input, summary", preventOnFilter: false, onEnd: moved
      });
    });
  }

  document.addEventListener("DOMContentLoaded", attach);
  document.addEventListener("htmx:afterSwap", function (event) {
    // Only the board's own answers redraw cards (not other fragments of the page: the bell).
    var target = event.detail && event.detail.target;
    if (target && !target.closest("#board") && !target.querySelector("#board")) return;
    attach();
    refocus();
  });
  document.addEventListener("htmx:responseError", function () { focusAfterRedraw = null; });
  document.addEventListener("htmx:sendError", function () { focusAfterRedraw = null; });
  document.addEventListener("keydown", keyed);
  if (document.readyState !== "loading") attach();
})();
