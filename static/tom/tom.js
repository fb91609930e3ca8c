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

  // Enter in a text box of a filter (<div data-filter hx-trigger="change">) applies the filter: left to the browser,
  // it would submit the form the filter is part of (the Share tab's form: it would share).
  document.addEventListener("keydown", function (event) {
    var box = event.key === "Enter" && event.target.closest("[data-filter] input");
    if (!box) return;
    event.preventDefault();
    box.dispatchEvent(new Event("change", {bubbles: true}));
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

  // Requests that fail where htmx has nothing to show. Our refusals (400, 403, 404, 413...) arrive as fragments that
  // htmx swaps itself (base.html's htmx-config); a 5xx, another refusal or no answer at all would otherwise change
  // nothing on the page. The alert goes to the top of the element the request was for (the form's or table's own
  // section), else to the page's messages; its words are in base.html's <template id="request-failed">.
  function clearFailures(place) {
    if (!place) return;
    place.querySelectorAll(":scope > [data-request-error]").forEach(function (old) { old.remove(); });
  }

  function showFailure(detail, kind, status) {
    var template = document.getElementById("request-failed");
    if (!template) return;
    var place = detail.target && detail.target.isConnected ? detail.target : document.getElementById("messages");
    var alert = template.content.firstElementChild.cloneNode(true);
    alert.querySelector("[data-title]").textContent = template.dataset[kind + "Title"] + ":";
    alert.querySelector("[data-message]").textContent = template.dataset[kind].replace("{status}", status);
    clearFailures(place);
    place.prepend(alert);
    alert.scrollIntoView({block: "nearest"});
  }

  document.addEventListener("htmx:beforeRequest", function (event) { clearFailures(event.detail.target); });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    showFailure(event.detail, xhr.status >= 500 ? "server" : "refused", (xhr.status + " " + xhr.statusText).trim());
  });
  document.addEventListener("htmx:sendError", function (event) { showFailure(event.detail, "network", ""); });
})();
