// Small behaviours the pages need; everything works without it, only less smoothly.
(function () {
  "use strict";

  // "Select all" checkbox for bulk actions, and the count of selected rows.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    var form = box.form;
    if (!form || !form.classList.contains("bulk")) return;
    var rows = form.querySelectorAll('input[name="ids"]');
    if (box.dataset.selectAll !== undefined) {
      rows.forEach(function (row) { row.checked = box.checked; });
    }
    var count = Array.prototype.filter.call(rows, function (row) { return row.checked; }).length;
    var out = form.querySelector("[data-selected-count]");
    if (out) out.textContent = String(count);
    form.classList.toggle("has-selection", count > 0);
  });

  // A button that cannot be undone (erasing a person) asks first: data-confirm holds the question.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // "Add another …" buttons: copy a <template> row, numbered after the rows already there.
  // Without the script the button stays hidden and the form still offers one blank row.
  function addRow(button) {
    var container = document.getElementById(button.dataset.addRow);
    var template = document.getElementById(button.dataset.template);
    if (!container || !template) return;
    var count = container.querySelectorAll("[data-row]").length;
    var max = parseInt(button.dataset.max || "0", 10);
    if (max && count >= max) return;
    container.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__n__/g, String(count)));
    var added = container.lastElementChild;
    var first = added && added.querySelector("input[type=text]");
    if (first) first.focus();
    if (max && count + 1 >= max) button.hidden = true;
  }
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-add-row]") : null;
    if (button) addRow(button);
  });
  function showRowButtons() {
    document.querySelectorAll("[data-add-row][hidden]").forEach(function (button) {
      var container = document.getElementById(button.dataset.addRow);
      var max = parseInt(button.dataset.max || "0", 10);
      if (!max || !container || container.querySelectorAll("[data-row]").length < max) button.hidden = false;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showRowButtons);
  else showRowButtons();

  // Close the search drop-down and the user menu with Escape or a click elsewhere.
  function closeAll(except) {
    var results = document.getElementById("search-results");
    if (results && !(except && results.parentElement.contains(except))) results.innerHTML = "";
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!(except && menu.contains(except))) menu.removeAttribute("open");
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeAll(null);
  });
  document.addEventListener("click", function (event) { closeAll(event.target); });

  // --- activities: forms sent by htmx inside [data-swap-errors] ------------------------------
  // Their 422 (a field to correct) and 409 (changed meanwhile) answers carry the form again with
  // its errors beside the fields: show them instead of dropping the answer as htmx does.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if ((status === 422 || status === 409) && source instanceof Element && source.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
