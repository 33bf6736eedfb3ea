// Progressive enhancement: pages are complete without this file. It draws the charts a
// page describes in data-chart (an ECharts option, built by the server).
(function () {
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.init(el, null, { renderer: "canvas" });
      // Marked drawn once the first rendering, animation included, has finished.
      chart.on("finished", function () { el.setAttribute("data-drawn", "true"); });
      chart.setOption(JSON.parse(el.getAttribute("data-chart")));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
