/* The dashboard's charts: options come from the server (translated, the table's own numbers)
   in a JSON block; this only hands them to Apache ECharts (served from the app, no CDN). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var options = JSON.parse(source.textContent);
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var option = options[element.getAttribute("data-chart")];
    if (!option) { return; }
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option);
    element.setAttribute("data-rendered", "1");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (chart) { chart.resize(); }); });
})();
