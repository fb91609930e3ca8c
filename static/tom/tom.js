/* The pages' own behaviour. A static file, because the Content-Security-Policy allows no inline script
   (no onclick="..." attributes, no <script> blocks): templates say what they want with data- attributes. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    // <input type="checkbox" data-check-all="CSS selector">: ticks or unticks every enabled box it selects.
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll(all.dataset.checkAll).forEach(function (box) {
        if (!box.disabled) box.checked = all.checked;
      });
    }
    // <a class="nav-link" data-tab> in a .nav: the clicked tab becomes the active one (htmx loads its content).
    var tab = event.target.closest(".nav [data-tab]");
    if (tab) {
      tab.closest(".nav").querySelectorAll(".nav-link").forEach(function (link) { link.classList.remove("active"); });
      tab.classList.add("active");
    }
  });

  // <div data-figure="ID">: plotly draws the figure held as JSON in <script type="application/json" id="ID">,
  // when the page loads and whenever htmx brings one in (htmx:load fires for both).
  function drawPlots(root) {
    var plots = Array.prototype.slice.call(root.querySelectorAll("[data-figure]"));
    if (root.matches && root.matches("[data-figure]")) plots.push(root);
    plots.forEach(function (div) {
      var source = document.getElementById(div.dataset.figure);
      if (!source || !window.Plotly) return;
      var figure = JSON.parse(source.textContent);
      div.removeAttribute("data-figure");
      window.Plotly.newPlot(div, figure.data, figure.layout, {responsive: true, displaylogo: false});
    });
  }

  document.addEventListener("htmx:load", function (event) { drawPlots(event.detail.elt); });
})();
