// Draws each plot from the figure the server built (plotly, served by this app).
// The figure's numbers are also on the page as a table, so nothing depends on this script.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Plotly) { return; }
  document.querySelectorAll(".plot[data-figure]").forEach(function (element) {
    var figure = JSON.parse(element.getAttribute("data-figure"));
    window.Plotly.newPlot(element, figure.data, figure.layout, {
      responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"]
    });
  });
});
