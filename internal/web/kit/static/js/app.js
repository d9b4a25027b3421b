// shegong's own script: no inline scripts anywhere (the CSP forbids them),
// so page behaviour is wired here from data- attributes.
(function () {
  "use strict";

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // htmx requests carry the session's CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (e) {
    var t = csrfToken();
    if (t) { e.detail.headers["X-CSRF-Token"] = t; }
  });

  // Error pages returned to htmx requests replace the target too, so the
  // user sees the Chinese message instead of nothing.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if (s === 422 || s === 409 || s === 403 || s === 404 || s === 400) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle-nav]");
    if (t) {
      var nav = document.getElementById("mainnav");
      var open = nav.classList.toggle("open");
      t.setAttribute("aria-expanded", open ? "true" : "false");
    }
    // Plain (non-htmx) forms and links that destroy something ask first.
    var c = e.target.closest("[data-confirm]");
    if (c && !c.hasAttribute("hx-confirm") && !window.confirm(c.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });

  // Filters fold behind one button on a phone (<details data-fold>); on
  // a wider screen they start open.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(min-width: 700px)").matches) {
      document.querySelectorAll("details[data-fold]").forEach(function (d) { d.open = true; });
    }
  });

  // Selects marked data-autosubmit submit their filter form on change.
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-autosubmit]")) {
      e.target.form.requestSubmit();
    }
  });

  // Charts: <div class="chart" data-chart='{"option": …}'> renders with
  // ECharts when the page loads or htmx swaps it in.
  function renderCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      el.dataset.rendered = "1";
      var chart = window.echarts.init(el);
      chart.setOption(JSON.parse(el.getAttribute("data-chart")));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSettle", function (e) { renderCharts(e.target); });
})();
