/* Draw every chart of the page from the JSON beside its <div>; make heatmap cells links. */
(function () {
  "use strict";
  function draw(div) {
    var source = document.getElementById(div.getAttribute("data-figure"));
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    var config = { responsive: true, displaylogo: false };
    window.Plotly.newPlot(div, figure.data, figure.layout, config).then(function () {
      var link = div.getAttribute("data-link");
      if (!link) { return; }
      div.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        if (!point || point.customdata === undefined || point.customdata === null) { return; }
        window.location.href = link + encodeURIComponent(String(point.customdata));
      });
    });
  }
  function start() {
    var divs = document.querySelectorAll("div.chart[data-figure]");
    for (var i = 0; i < divs.length; i += 1) { draw(divs[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
