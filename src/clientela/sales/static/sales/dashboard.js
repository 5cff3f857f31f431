// Draws the sales dashboard's charts from the data the page carries (json_script): every
// chart's numbers are also in the table beside it, and in its CSV.
(function () {
  "use strict";

  function draw() {
    if (typeof Chart === "undefined") return;
    var source = document.getElementById("sales-charts");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var palette = ["#2457c5", "#1f8a5b", "#c0392b", "#d68910", "#7d3c98", "#138d90", "#7f8c8d", "#b03a2e", "#2e86c1"];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var key = canvas.dataset.chart;
      var d = data[key];
      if (!d) return;
      var config;
      if (key === "pipeline") {
        config = { type: "bar", data: { labels: d.labels, datasets: [
          { label: canvas.closest("section").querySelector("th:nth-child(4)").textContent, data: d.amount, backgroundColor: "#9db5ea" },
          { label: canvas.closest("section").querySelector("th:nth-child(5)").textContent, data: d.weighted, backgroundColor: "#2457c5" }
        ] } };
      } else if (key === "months") {
        config = { type: "bar", data: { labels: d.labels, datasets: [
          { label: canvas.closest("section").querySelector("th:nth-child(3)").textContent, data: d.won, backgroundColor: "#1f8a5b" },
          { label: canvas.closest("section").querySelector("th:nth-child(5)").textContent, data: d.lost, backgroundColor: "#c0392b" }
        ] } };
      } else if (key === "reasons") {
        config = { type: "doughnut", data: { labels: d.labels, datasets: [
          { data: d.deals, backgroundColor: palette }
        ] } };
      } else {
        config = { type: "bar", data: { labels: d.labels, datasets: [
          { label: canvas.closest("section").querySelector("th:nth-child(2)").textContent, data: d.counts, backgroundColor: "#2457c5" }
        ] }, options: { indexAxis: "y" } };
      }
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      new Chart(canvas, config);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
