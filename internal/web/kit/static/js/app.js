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

  // Pickers (kit.Picker, partial "picker"): a text box that searches
  // GET <data-picker> with q= as one types and puts the chosen value in the
  // hidden field before it. Arrow keys move, Enter chooses, Escape
  // closes; emptying the box clears the choice.
  function pickerParts(el) {
    var root = el.closest("[data-picker]");
    if (!root) { return null; }
    return {
      root: root,
      hidden: root.querySelector('input[type="hidden"]'),
      text: root.querySelector('input[type="text"]'),
      list: root.querySelector('[role="listbox"]')
    };
  }
  function pickerClose(p) {
    p.list.hidden = true;
    p.list.innerHTML = "";
    p.text.setAttribute("aria-expanded", "false");
    p.text.removeAttribute("aria-activedescendant");
  }
  function pickerSet(p, value, label) {
    var changed = p.hidden.value !== value;
    p.hidden.value = value;
    p.text.value = label;
    p.root.dataset.label = label;
    pickerClose(p);
    if (changed) { p.hidden.dispatchEvent(new Event("change", { bubbles: true })); }
  }
  function pickerSearch(p) {
    var q = p.text.value.trim();
    var seq = String(Number(p.root.dataset.seq || "0") + 1);
    p.root.dataset.seq = seq;
    var url = new URL(p.root.getAttribute("data-picker"), window.location.href);
    url.searchParams.set("q", q);
    fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [], error: true }; })
      .then(function (data) {
        if (p.root.dataset.seq !== seq || document.activeElement !== p.text) { return; }
        p.list.innerHTML = "";
        (data.items || []).forEach(function (it, i) {
          var li = document.createElement("li");
          li.setAttribute("role", "option");
          li.id = p.text.id + "-opt-" + i;
          li.dataset.value = it.value;
          li.textContent = it.label;
          p.list.appendChild(li);
        });
        if (!data.items || data.items.length === 0 || data.more) {
          var note = document.createElement("li");
          note.className = "muted";
          note.setAttribute("aria-disabled", "true");
          note.textContent = data.error ? "查找失败，请重试" : (data.items && data.items.length ? "还有更多，请输入更多字查找" : "没有找到");
          p.list.appendChild(note);
        }
        p.list.hidden = false;
        p.text.setAttribute("aria-expanded", "true");
      });
  }
  function pickerMove(p, step) {
    var opts = Array.prototype.slice.call(p.list.querySelectorAll('[role="option"]'));
    if (opts.length === 0) { return; }
    var cur = opts.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    var next = cur < 0 ? (step > 0 ? 0 : opts.length - 1) : (cur + step + opts.length) % opts.length;
    opts.forEach(function (o, i) { o.setAttribute("aria-selected", i === next ? "true" : "false"); });
    p.text.setAttribute("aria-activedescendant", opts[next].id);
    opts[next].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("input", function (e) {
    var p = e.target.matches('[data-picker] input[type="text"]') && pickerParts(e.target);
    if (!p) { return; }
    clearTimeout(p.root._timer);
    p.root._timer = setTimeout(function () { pickerSearch(p); }, 200);
  });
  document.addEventListener("focusin", function (e) {
    var p = e.target.matches('[data-picker] input[type="text"]') && pickerParts(e.target);
    if (p) {
      if (p.root.dataset.label === undefined) { p.root.dataset.label = p.text.value; }
      pickerSearch(p);
    }
  });
  document.addEventListener("focusout", function (e) {
    var p = e.target.matches('[data-picker] input[type="text"]') && pickerParts(e.target);
    if (!p) { return; }
    setTimeout(function () {
      if (document.activeElement === p.text) { return; }
      if (p.text.value.trim() === "") {
        pickerSet(p, "", "");
      } else {
        // Typed text that was not chosen gives way to the current choice.
        p.text.value = p.root.dataset.label || "";
        pickerClose(p);
      }
    }, 150);
  });
  document.addEventListener("keydown", function (e) {
    var p = e.target.matches('[data-picker] input[type="text"]') && pickerParts(e.target);
    if (!p) { return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (p.list.hidden) { pickerSearch(p); } else { pickerMove(p, e.key === "ArrowDown" ? 1 : -1); }
    } else if (e.key === "Enter") {
      var sel = p.list.hidden ? null : p.list.querySelector('[aria-selected="true"]') || p.list.querySelector('[role="option"]');
      if (sel) {
        e.preventDefault();
        pickerSet(p, sel.dataset.value, sel.textContent.trim());
      } else if (p.text.value.trim() === "") {
        pickerSet(p, "", "");
      } else {
        e.preventDefault();
      }
    } else if (e.key === "Escape" && !p.list.hidden) {
      e.preventDefault();
      p.text.value = p.root.dataset.label || "";
      pickerClose(p);
    }
  });
  // mousedown, not click: the box keeps its focus until the choice is made.
  document.addEventListener("mousedown", function (e) {
    var li = e.target.closest('[data-picker] [role="option"]');
    if (!li) { return; }
    e.preventDefault();
    pickerSet(pickerParts(li), li.dataset.value, li.textContent.trim());
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
