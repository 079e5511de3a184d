// Waypoint's few lines of script: charts (Vega-Lite, bundled offline) and small comforts.
(function () {
  "use strict";
  var bundleLoading = null;
  // Charts follow the system's dark mode: light text and quiet lines on the dark page.
  var ink = "#d1d5db", rule = "#374151";
  var DARK_CHART = {
    background: null, view: { stroke: null },
    axis: { labelColor: ink, titleColor: ink, gridColor: "#1f2937", domainColor: rule, tickColor: rule },
    legend: { labelColor: ink, titleColor: ink }, title: { color: ink }, text: { color: ink },
  };

  function loadVega() {
    if (window.vegaEmbed) return Promise.resolve();
    if (!bundleLoading) {
      bundleLoading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "/vendor/vega.js";
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return bundleLoading;
  }

  function drawCharts(root) {
    var nodes = (root || document).querySelectorAll("[data-vega-spec]:not([data-drawn])");
    if (!nodes.length) return;
    loadVega().then(function () {
      nodes.forEach(function (el) {
        var source = document.getElementById(el.getAttribute("data-vega-spec"));
        if (!source) return;
        el.setAttribute("data-drawn", "1");
        // ast: Vega interprets expressions instead of compiling them with Function(), so
        // the Content-Security-Policy needs no 'unsafe-eval'.
        var options = { actions: false, renderer: "svg", ast: true };
        var locale = document.getElementById(el.getAttribute("data-vega-locale") || "");
        if (locale) Object.assign(options, JSON.parse(locale.textContent));
        if (window.matchMedia("(prefers-color-scheme: dark)").matches) options.config = DARK_CHART;
        window.vegaEmbed(el, JSON.parse(source.textContent), options)
          .then(function () { el.setAttribute("data-rendered", "1"); });
      });
    });
  }

  // The main menu is a <details>: always open on wide screens, folded on phones.
  var wide = window.matchMedia("(min-width: 900px)");
  function fitMenu() {
    var menu = document.querySelector("details.menu");
    if (menu) menu.open = wide.matches;
  }

  // No inline handlers (the Content-Security-Policy allows none): forms that ask first carry
  // data-confirm, selects that navigate carry data-navigate ("__" is the chosen value),
  // selects that submit their form carry data-autosubmit.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
    }
  }, true);
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.dataset) return;
    if (el.dataset.navigate) {
      window.location.href = el.dataset.navigate.replace("__", encodeURIComponent(el.value))
        .replace(/%2F/g, "/");
    } else if (el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  // Long pickers (parents, owners, teams, KPIs) get a filter box: a few letters narrow the
  // list, Enter picks the first match.
  function searchable(root) {
    var label = document.body.getAttribute("data-filter-label") || "Filter";
    (root || document).querySelectorAll("form select:not([data-filtered])").forEach(function (select) {
      if (select.options.length < 10 || select.hasAttribute("data-navigate")) return;
      select.setAttribute("data-filtered", "1");
      var box = document.createElement("input");
      box.type = "search";
      box.className = "picker-filter";
      box.placeholder = label;
      box.autocomplete = "off";
      var named = select.labels && select.labels[0] ? select.labels[0].textContent.trim() : "";
      box.setAttribute("aria-label", named ? label + ": " + named : label);
      if (select.id) box.setAttribute("aria-controls", select.id);
      select.parentNode.insertBefore(box, select);
      var matches = function () {
        var q = box.value.trim().toLocaleLowerCase();
        return Array.prototype.filter.call(select.options, function (o) {
          var show = !q || o.value === "" || o.text.toLocaleLowerCase().indexOf(q) >= 0;
          o.hidden = !show;
          return show && o.value !== "";
        });
      };
      box.addEventListener("input", matches);
      box.addEventListener("keydown", function (e) {
        if (e.key !== "Enter") return;
        e.preventDefault();
        var first = matches()[0];
        if (first) {
          if (select.multiple) first.selected = true; else select.value = first.value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        select.focus();
      });
    });
  }

  // Key results are reordered by dragging (the arrow buttons do the same by keyboard); the
  // new order is saved as soon as the row is dropped.
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    dragged = e.target.closest && e.target.closest("[data-reorder-url] > li[data-kr-id]");
    if (!dragged) return;
    dragged.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.getAttribute("data-kr-id"));
  });
  document.addEventListener("dragover", function (e) {
    if (!dragged) return;
    var over = e.target.closest && e.target.closest("li[data-kr-id]");
    if (!over || over === dragged || over.parentNode !== dragged.parentNode) return;
    e.preventDefault();
    var box = over.getBoundingClientRect();
    over.parentNode.insertBefore(dragged, e.clientY > box.top + box.height / 2 ? over.nextSibling : over);
  });
  document.addEventListener("drop", function (e) { if (dragged) e.preventDefault(); });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var list = dragged.parentNode, ids = [];
    dragged.classList.remove("dragging");
    dragged = null;
    list.querySelectorAll(":scope > li[data-kr-id]").forEach(function (li) { ids.push(li.getAttribute("data-kr-id")); });
    window.htmx.ajax("POST", list.getAttribute("data-reorder-url"), { target: "#kr-editor", values: { order: ids.join(",") } });
  });

  document.addEventListener("DOMContentLoaded", function () { fitMenu(); drawCharts(document); searchable(document); });
  // The account menu and the phone's menu close on a click elsewhere or on Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.account[open]" + (wide.matches ? "" : ", details.menu[open]"))
      .forEach(function (d) { if (d !== except) d.open = false; });
  }
  document.addEventListener("click", function (e) {
    closeMenus(e.target.closest ? e.target.closest("details.account, details.menu") : null);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeMenus(null); });
  wide.addEventListener("change", fitMenu);
  document.addEventListener("htmx:afterSwap", function (e) {
    drawCharts(e.target);
    searchable(e.target);
    // A key result added: the next one's title is ready for typing.
    if (e.target.id === "kr-editor" && /\/krs\/new\/$/.test(e.detail.pathInfo.requestPath)) focusNewKr();
  });
  function focusNewKr() {
    var title = document.querySelector("#add-kr [name=kr-title]");
    if (title && !document.querySelector("#add-kr .has-error")) title.focus();
  }
  // After the page scrolled to #add-kr (which takes the focus away), not before.
  window.addEventListener("load", function () { if (location.hash === "#add-kr") setTimeout(focusNewKr, 0); });
  // The weekly check-in: Enter anywhere on the sheet saves all (radios and switches too,
  // which a browser does not submit on Enter); after a save, the focus goes on from there.
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if (e.key !== "Enter" || !el.closest || el.tagName === "BUTTON" || el.tagName === "TEXTAREA") return;
    var sheet = el.closest("#checkin-sheet");
    if (!sheet) return;
    e.preventDefault();
    sheet.requestSubmit(sheet.querySelector("[data-save-all]"));
  });
  function firstField(scope) {
    return scope && scope.querySelector(".checkin-form input:not([type=hidden])");
  }
  document.addEventListener("htmx:afterSettle", function (e) {
    var trigger = (e.detail.requestConfig || {}).elt;
    if (!trigger || !trigger.matches) return;
    if (trigger.matches("[data-row-save],[data-no-change]")) {
      var row = document.querySelector(trigger.getAttribute("hx-target"));
      if (!row) return;
      var wrong = row.querySelector(".has-error input");
      var next = row.nextElementSibling;
      while (next && !next.matches("section.checkin")) next = next.nextElementSibling;
      (wrong || firstField(next) || row.querySelector("[data-row-save]")).focus();
    } else if (trigger.id === "checkin-sheet") {
      var bad = document.querySelector("#checkin-sheet .has-errors .has-error input, #checkin-sheet .has-errors input:not([type=hidden])");
      var said = document.querySelector("#main .messages");
      if (bad) bad.focus();
      else if (said) { said.tabIndex = -1; said.focus(); }
    }
  });
  // Keyboard shortcuts (? lists them), never while typing in a field.
  document.addEventListener("keydown", function (e) {
    var el = e.target, urls = document.querySelector("[data-shortcut-urls]");
    if (!urls || e.ctrlKey || e.metaKey || e.altKey) return;
    if (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) return;
    var go = { "/": "search", c: "checkin", n: "inbox", h: "home" }[e.key];
    if (e.key === "?") {
      e.preventDefault();
      var dialog = document.getElementById("shortcuts");
      if (dialog && !dialog.open) dialog.showModal();
    } else if (go) {
      e.preventDefault();
      var box = go === "search" && document.getElementById("search-q");
      if (box) box.focus(); else window.location.href = urls.dataset[go];
    }
  });
  // htmx returns 422 for a form with errors: show it in place instead of ignoring it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  // The installable app: the service worker gives an offline page and shows web push.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  function b64ToBytes(text) {
    var raw = atob((text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-push-on]");
    if (!button) return;
    e.preventDefault();
    var status = document.getElementById("push-status");
    var say = function (text) { if (status) status.textContent = text; };
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) { say(button.dataset.unsupported); return; }
    Notification.requestPermission().then(function (answer) {
      if (answer !== "granted") throw new Error(button.dataset.denied);
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(button.dataset.key) });
    }).then(function (sub) {
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
      return fetch(button.dataset.pushOn, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(sub.toJSON()),
      });
    }).then(function (response) {
      if (!response.ok) return response.json().then(function (d) { throw new Error(d.error); });
      say(button.dataset.done);
    }).catch(function (err) { say(err && err.message ? err.message : button.dataset.unsupported); });
  });
})();
