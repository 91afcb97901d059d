/* The agent's workbench (work/item.html): the document viewer, the line grids, checks as
   the agent types and the keys. Plain JavaScript, no build step.

   The checks read the rules and their messages from the inputs' data-rules, written by
   work/schema.py from the same schema the server checks; the server stays the authority and
   shows the same words beside the fields when it refuses. */
(function () {
  "use strict";
  var root = document.getElementById("workbench");
  if (!root) { return; }
  var form = document.getElementById("work-form");
  var MAX_EXACT = 9007199254740991;
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

  // ---- numbers, read as schema.number_text reads them --------------------------------------
  function numberText(text) {
    text = text.replace(/[\s\u00a0\u202f']/g, "");
    if (text.indexOf(".") >= 0 && text.indexOf(",") >= 0) {
      if (text.lastIndexOf(",") > text.lastIndexOf(".")) { return text.replace(/\./g, "").replace(/,/g, "."); }
      return text.replace(/,/g, "");
    }
    if (text.indexOf(".") >= 0) { return text; }
    var at = text.indexOf(",");
    if (at >= 0) {
      var tail = text.slice(at + 1);
      if (tail.indexOf(",") < 0 && tail.length !== 3) { return text.slice(0, at) + "." + tail; }
    }
    return text.replace(/,/g, "");
  }
  function decimals(plain) {
    var frac = plain.split(".")[1] || "";
    return frac.length;
  }

  // ---- the currency of the amounts ---------------------------------------------------------
  var exponents = {};
  try { exponents = JSON.parse((form && form.dataset.exponents) || "{}"); } catch (e) { exponents = {}; }
  function currencyInput() {
    var name = form && form.dataset.currencyField;
    return name ? form.elements.namedItem(name) : null;
  }
  function currency() {
    var input = currencyInput();
    return input && input.value ? input.value.trim() : "";
  }
  function places() {
    var code = currency();
    return code && Object.prototype.hasOwnProperty.call(exponents, code) ? exponents[code] : null;
  }
  function showCurrency() {
    var code = currency();
    root.querySelectorAll("[data-currency]").forEach(function (el) { el.textContent = code; });
  }

  // ---- one value against its rules: the first problem's words, or "" -----------------------
  function problem(text, rules) {
    var m = rules.messages || {};
    var w = rules.widget;
    text = (text || "").trim();
    if (!text) { return rules.required ? m.required : ""; }
    if (w === "number" || w === "integer" || w === "amount") {
      var plain = numberText(text);
      if (!NUMBER.test(plain)) { return m.type; }
      var n = Number(plain);
      if (!isFinite(n)) { return m.type; }
      if ((rules.integer || w === "integer") && decimals(plain) > 0) { return m.type; }
      if (Math.abs(n) > MAX_EXACT) { return "Enter at most 9,007,199,254,740,991."; }
      var p = places();
      if (w === "amount" && p !== null && decimals(plain) > p) {
        return m.places.replace("{currency}", currency()).replace("{places}", String(p));
      }
      if ("minimum" in rules && n < rules.minimum) { return m.minimum; }
      if ("exclusiveMinimum" in rules && n <= rules.exclusiveMinimum) { return m.exclusiveMinimum; }
      if ("maximum" in rules && n > rules.maximum) { return m.maximum; }
      if ("exclusiveMaximum" in rules && n >= rules.exclusiveMaximum) { return m.exclusiveMaximum; }
      return "";
    }
    if (w === "date") {
      var d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      var day = d && new Date(Date.UTC(+d[1], +d[2] - 1, +d[3]));
      if (!d || day.getUTCMonth() !== +d[2] - 1 || day.getUTCDate() !== +d[3]) { return m.format || m.type; }
    }
    if (w === "email" && text.indexOf("@") < 0) { return m.format; }
    if (w === "list" || w === "json") { return ""; }
    var length = Array.from(text).length;
    if ("minLength" in rules && length < rules.minLength) { return m.minLength; }
    if ("maxLength" in rules && length > rules.maxLength) { return m.maxLength; }
    if (rules.pattern) {
      try { if (!new RegExp(rules.pattern, "u").test(text)) { return m.pattern; } } catch (e) { /* the server decides */ }
    }
    if (rules.enum && rules.enum.map(String).indexOf(text) < 0) { return m.enum; }
    return "";
  }

  function rulesOf(el) {
    var source = el.dataset.rules ? el : columnHeader(el);
    if (!source || !source.dataset.rules) { return null; }
    if (!source._rules) { source._rules = JSON.parse(source.dataset.rules); }
    return source._rules;
  }
  function errorSlot(el) {
    var cell = el.closest("td");
    if (cell) { return cell.querySelector(".cell-error"); }
    return document.getElementById("err-" + el.name);
  }
  function setError(el, message) {
    var slot = errorSlot(el);
    if (slot) { slot.textContent = message || ""; }
    if (message) { el.setAttribute("aria-invalid", "true"); } else { el.removeAttribute("aria-invalid"); }
  }
  function rowIsBlank(tr) {
    return Array.prototype.every.call(tr.querySelectorAll("input:not([type=checkbox]), select"), function (el) {
      return !el.value.trim();
    });
  }
  function check(el) {
    if (el.type === "checkbox" || !el.name) { return ""; }
    var rules = rulesOf(el);
    if (!rules) { return ""; }
    var tr = el.closest("tbody tr");
    var message = tr && rowIsBlank(tr) ? "" : problem(el.value, rules);
    setError(el, message);
    return message;
  }
  function checkGridSize(grid) {
    var rules = JSON.parse(grid.dataset.rules || "{}");
    var m = rules.messages || {};
    var filled = Array.prototype.filter.call(grid.querySelectorAll("tbody tr"), function (tr) { return !rowIsBlank(tr); }).length;
    var message = "";
    if (filled === 0 && rules.required) { message = m.required; }
    else if ("minItems" in rules && filled < rules.minItems) { message = m.minItems; }
    else if ("maxItems" in rules && filled > rules.maxItems) { message = m.maxItems; }
    var slot = document.getElementById("err-" + grid.dataset.grid);
    if (slot) { slot.textContent = message || ""; }
    return message;
  }
  function checkAll() {
    if (!form) { return null; }
    var first = null;
    form.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (el) {
      if (el.type === "hidden") { return; }
      if (check(el) && !first) { first = el; }
    });
    form.querySelectorAll("[data-grid]").forEach(function (grid) {
      if (checkGridSize(grid) && !first) { first = grid.querySelector("tbody input, tbody select"); }
    });
    return first;
  }

  // ---- line grids ------------------------------------------------------------------------
  function gridOf(el) { return el.closest("[data-grid]"); }
  function columnOf(el) {
    var grid = gridOf(el);
    return grid ? el.name.slice(grid.dataset.grid.length + 1).replace(/^\d+-/, "") : "";
  }
  function columnHeader(el) {
    var grid = gridOf(el);
    return grid ? grid.querySelector('thead th[data-col="' + columnOf(el) + '"]') : null;
  }
  function cells(tr) { return Array.prototype.slice.call(tr.querySelectorAll("input[name], select[name]")); }
  function rows(grid) { return Array.prototype.slice.call(grid.querySelectorAll("tbody tr")); }

  function renumber(grid) {
    var name = grid.dataset.grid;
    rows(grid).forEach(function (tr, i) {
      tr.querySelector(".rownum").textContent = String(i + 1);
      cells(tr).forEach(function (el) {
        var col = columnOf(el);
        var header = grid.querySelector('thead th[data-col="' + col + '"]');
        el.name = name + "-" + i + "-" + col;
        if (header) { el.setAttribute("aria-label", header.firstChild.textContent.trim() + ", line " + (i + 1)); }
      });
      tr.querySelectorAll(".row-actions button").forEach(function (b) {
        var what = { up: "Move line " + (i + 1) + " up", down: "Move line " + (i + 1) + " down", remove: "Remove line " + (i + 1) }[b.dataset.act];
        b.setAttribute("aria-label", what);
      });
    });
    totals(grid);
  }
  function addRow(grid, after) {
    var model = grid.querySelector("tbody tr");
    var tr = model.cloneNode(true);
    cells(tr).forEach(function (el) {
      if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
      el.removeAttribute("aria-invalid");
    });
    tr.querySelectorAll(".cell-error").forEach(function (s) { s.textContent = ""; });
    if (after && after.nextSibling) { after.parentNode.insertBefore(tr, after.nextSibling); }
    else { grid.querySelector("tbody").appendChild(tr); }
    renumber(grid);
    return tr;
  }
  function removeRow(grid, tr) {
    var all = rows(grid);
    var index = all.indexOf(tr);
    if (all.length === 1) {
      cells(tr).forEach(function (el) { if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; } setError(el, ""); });
      renumber(grid);
      return tr;
    }
    tr.remove();
    renumber(grid);
    var left = rows(grid);
    return left[Math.min(index, left.length - 1)];
  }
  function moveRow(grid, tr, step) {
    var other = step < 0 ? tr.previousElementSibling : tr.nextElementSibling;
    if (!other) { return; }
    if (step < 0) { tr.parentNode.insertBefore(tr, other); } else { tr.parentNode.insertBefore(other, tr); }
    renumber(grid);
  }
  function totals(grid) {
    grid.querySelectorAll("tfoot [data-total]").forEach(function (cell) {
      var header = grid.querySelector('thead th[data-col="' + cell.dataset.total + '"]');
      var widget = header && header.dataset.widget;
      if (widget !== "number" && widget !== "integer" && widget !== "amount") { return; }
      var sum = 0;
      var shown = 0;
      rows(grid).forEach(function (tr) {
        var input = tr.querySelector('[name$="-' + cell.dataset.total + '"]');
        var plain = input ? numberText(input.value.trim()) : "";
        if (plain && NUMBER.test(plain)) { sum += Number(plain); shown = Math.max(shown, decimals(plain)); }
      });
      var p = widget === "amount" && places() !== null ? places() : Math.min(shown, 6);
      cell.textContent = sum.toLocaleString("en-US", { minimumFractionDigits: p, maximumFractionDigits: p }) +
        (widget === "amount" && currency() ? " " + currency() : "");
    });
  }
  function focusCell(tr, col) {
    if (!tr) { return; }
    var target = tr.querySelector('[name$="-' + col + '"]') || cells(tr)[0];
    if (target) { target.focus(); if (target.select && target.type === "text") { target.select(); } }
  }
  function atEdge(el, side) {
    if (el.tagName !== "INPUT" || el.type !== "text") { return true; }
    if (el.selectionStart !== el.selectionEnd) { return false; }
    return side < 0 ? el.selectionStart === 0 : el.selectionEnd === el.value.length;
  }
  function gridKeys(e) {
    var el = e.target;
    var grid = gridOf(el);
    var tr = el.closest("tbody tr");
    if (!grid || !tr || !el.name) { return; }
    var col = columnOf(el);
    var key = e.key;
    if (key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      focusCell(addRow(grid, tr), "");
    } else if (key === "Delete" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      focusCell(removeRow(grid, tr), col);
    } else if ((key === "ArrowUp" || key === "ArrowDown") && e.altKey) {
      e.preventDefault();
      moveRow(grid, tr, key === "ArrowUp" ? -1 : 1);
      el.focus();
    } else if (key === "ArrowUp" || key === "ArrowDown") {
      if (el.type === "date") { return; }
      e.preventDefault();
      focusCell(key === "ArrowUp" ? tr.previousElementSibling : tr.nextElementSibling, col);
    } else if ((key === "ArrowLeft" || key === "ArrowRight") && !e.altKey && atEdge(el, key === "ArrowLeft" ? -1 : 1)) {
      var list = cells(tr);
      var next = list[list.indexOf(el) + (key === "ArrowLeft" ? -1 : 1)];
      if (next) { e.preventDefault(); next.focus(); if (next.select && next.type === "text") { next.select(); } }
    } else if (key === "Enter" && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      var below = tr.nextElementSibling;
      if (below) { focusCell(below, col); }
      else if (!rowIsBlank(tr)) { focusCell(addRow(grid, tr), ""); }
    }
  }

  // ---- the form: checks as the agent types, Enter moves on, one submit -------------------
  if (form) {
    showCurrency();
    form.querySelectorAll("[data-grid]").forEach(totals);
    form.addEventListener("input", function (e) {
      var el = e.target;
      if (el.getAttribute("aria-invalid") === "true" || el.dataset.touched) { check(el); }
      var grid = gridOf(el);
      if (grid) { totals(grid); }
      if (el === currencyInput()) { showCurrency(); form.querySelectorAll("[data-grid]").forEach(totals); }
      document.getElementById("form-state").textContent = "";
    });
    form.addEventListener("change", function (e) {
      var el = e.target;
      el.dataset.touched = "1";
      check(el);
      if (el === currencyInput()) {
        showCurrency();
        form.querySelectorAll("[data-grid]").forEach(totals);
        form.querySelectorAll("input.num").forEach(function (n) { if (n.value) { check(n); } });
      }
    });
    form.addEventListener("focusout", function (e) {
      var el = e.target;
      if (el.name && el.value) { el.dataset.touched = "1"; check(el); }
      var grid = gridOf(el);
      if (grid && !grid.contains(e.relatedTarget)) { checkGridSize(grid); }
    });
    form.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-act]");
      if (!button) { return; }
      var grid = gridOf(button);
      var tr = button.closest("tbody tr");
      var act = button.dataset.act;
      if (act === "add") { focusCell(addRow(grid, null), ""); }
      else if (act === "remove") { focusCell(removeRow(grid, tr), ""); }
      else if (act === "up" || act === "down") { moveRow(grid, tr, act === "up" ? -1 : 1); }
    });
    form.addEventListener("keydown", function (e) {
      if (gridOf(e.target) && e.target.closest("tbody")) { gridKeys(e); return; }
      var el = e.target;
      if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && (el.tagName === "INPUT" || el.tagName === "SELECT")) {
        e.preventDefault();
        var fields = Array.prototype.filter.call(form.querySelectorAll("input[name], select[name], textarea[name], [data-grid] tbody input"), function (f) {
          return f.type !== "hidden" && !f.disabled;
        });
        var next = fields[fields.indexOf(el) + 1];
        if (next) { next.focus(); } else { document.getElementById("submit-work").focus(); }
      }
    });
    form.addEventListener("submit", function (e) {
      var first = checkAll();
      if (first) {
        e.preventDefault();
        document.getElementById("form-state").textContent = "Some fields need a look.";
        first.focus();
        return;
      }
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
      document.getElementById("submit-work").disabled = true;
    });
    var firstField = form.querySelector("input:not([type=hidden]), select, textarea");
    var invalid = form.querySelector('[aria-invalid="true"]');
    (invalid || firstField || { focus: function () {} }).focus();
  }

  // ---- the viewer ------------------------------------------------------------------------
  var viewer = document.getElementById("viewer");
  var view = { source: 0, page: 1, zoom: 1, rotate: 0 };
  function sources() { return viewer ? viewer.querySelectorAll(".viewer-source") : []; }
  function currentSource() { return sources()[view.source]; }
  function pageImage() { var s = currentSource(); return s ? s.querySelector(".viewer-page") : null; }
  function layout() {
    var source = currentSource();
    if (!source) { return; }
    document.getElementById("viewer-zoom").textContent = Math.round(view.zoom * 100) + "%";
    var textual = source.querySelector(".viewer-textual");
    if (textual) { textual.style.fontSize = view.zoom * 100 + "%"; return; }
    var img = pageImage();
    if (!img || !img.naturalWidth) { return; }
    var stage = source.querySelector(".viewer-stage");
    var wrap = img.parentNode;
    var width = Math.max(stage.clientWidth - 16, 100) * view.zoom;
    var ratio = img.naturalHeight / img.naturalWidth;
    var turned = view.rotate % 180 !== 0;
    var imgWidth = turned ? width / ratio : width;
    var imgHeight = turned ? width : width * ratio;
    var boxHeight = turned ? imgWidth : imgHeight;
    wrap.style.width = width + "px";
    wrap.style.height = boxHeight + "px";
    img.style.width = imgWidth + "px";
    img.style.height = imgHeight + "px";
    img.style.left = (width - imgWidth) / 2 + "px";
    img.style.top = (boxHeight - imgHeight) / 2 + "px";
    img.style.transform = "rotate(" + view.rotate + "deg)";
  }
  function setPage(n) {
    var source = currentSource();
    var img = pageImage();
    if (!source || !img) { return; }
    var count = +source.dataset.pages || 1;
    n = Math.max(1, Math.min(count, n));
    view.page = n;
    if (img.dataset.template) {
      img.src = img.dataset.template.replace("/999999/", "/" + n + "/");
      img.alt = img.alt.replace(/page \d+$/, "page " + n);
    } else if (!img.getAttribute("src")) {
      img.src = img.dataset.src;
    }
    document.getElementById("viewer-page").textContent = String(n);
    source.querySelectorAll(".thumbs button").forEach(function (b) {
      if (+b.dataset.page === n) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
    });
  }
  function loadThumbs(source) {
    // One at a time, after the page itself: each is a rendering on the server.
    var waiting = Array.prototype.slice.call(source.querySelectorAll(".thumbs img[data-src]"));
    function next() {
      var img = waiting.shift();
      if (!img) { return; }
      img.addEventListener("load", next, { once: true });
      img.addEventListener("error", next, { once: true });
      img.src = img.dataset.src;
      img.removeAttribute("data-src");
    }
    next();
  }
  function showSource(i) {
    sources().forEach(function (s, j) { s.hidden = j !== i; });
    view.source = i;
    var source = currentSource();
    var paged = source && source.dataset.kind === "pages";
    var bar = viewer.querySelector(".viewer-pages");
    if (bar) { bar.hidden = !paged || +source.dataset.pages < 2; }
    var count = document.getElementById("viewer-count");
    if (count && source) { count.textContent = source.dataset.pages; }
    var img = pageImage();
    if (img && !img.dataset.bound) {
      img.dataset.bound = "1";
      img.addEventListener("load", layout);
      img.addEventListener("load", function () { loadThumbs(source); }, { once: true });
    }
    setPage(1);
    layout();
  }
  function zoomBy(step) { view.zoom = Math.max(0.25, Math.min(4, Math.round((view.zoom + step) * 100) / 100)); layout(); }
  function viewerAction(what) {
    if (!viewer || !currentSource()) { return; }
    if (what === "zoom-in") { zoomBy(0.25); }
    else if (what === "zoom-out") { zoomBy(-0.25); }
    else if (what === "fit") { view.zoom = 1; layout(); }
    else if (what === "rotate") { view.rotate = (view.rotate + 90) % 360; layout(); }
    else if (what === "prev") { setPage(view.page - 1); }
    else if (what === "next") { setPage(view.page + 1); }
  }
  if (viewer && sources().length) {
    viewer.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-view]");
      if (button) { viewerAction(button.dataset.view); return; }
      var thumb = e.target.closest("button[data-page]");
      if (thumb) { setPage(+thumb.dataset.page); }
    });
    var picker = document.getElementById("viewer-file");
    if (picker) { picker.addEventListener("change", function () { showSource(+picker.value); }); }
    window.addEventListener("resize", layout);
    showSource(0);
  }

  // ---- time on this item -----------------------------------------------------------------
  var timer = document.getElementById("held-timer");
  if (timer && timer.dataset.since) {
    var since = new Date(timer.dataset.since).getTime();
    var tick = function () {
      var s = Math.max(0, Math.floor((Date.now() - since) / 1000));
      var h = Math.floor(s / 3600);
      var mm = String(Math.floor((s % 3600) / 60));
      var ss = String(s % 60).padStart(2, "0");
      timer.textContent = h ? h + ":" + mm.padStart(2, "0") + ":" + ss : mm + ":" + ss;
    };
    tick();
    setInterval(tick, 1000);
  }

  // ---- keys ------------------------------------------------------------------------------
  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (dialog && !dialog.open) { dialog.showModal(); }
  }
  function toggleHistory() {
    var panel = document.getElementById("history-panel");
    if (panel) { if (panel.open) { panel.close(); } else { panel.showModal(); } return; }
    var inline = document.getElementById("history-inline");
    if (inline) { inline.scrollIntoView(); var heading = inline.querySelector("h2"); if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); } }
  }
  function focusById(id) { var el = document.getElementById(id); if (el) { el.focus(); } }
  var singleKeys = {
    "?": function () { openDialog("shortcuts"); },
    h: toggleHistory,
    v: function () { root.classList.toggle("viewer-hidden"); layout(); },
    "+": function () { viewerAction("zoom-in"); },
    "=": function () { viewerAction("zoom-in"); },
    "-": function () { viewerAction("zoom-out"); },
    "0": function () { viewerAction("fit"); },
    r: function () { viewerAction("rotate"); },
    "[": function () { viewerAction("prev"); },
    "]": function () { viewerAction("next"); },
    n: function () { window.location.href = root.dataset.nextUrl; },
    s: function () { focusById("skip-reason"); },
    a: function () { focusById("ask-body"); },
    f: function () { if (form) { var f = form.querySelector("input:not([type=hidden]), select, textarea"); if (f) { f.focus(); } } }
  };
  root.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-key]");
    if (button && singleKeys[button.dataset.key]) { singleKeys[button.dataset.key](); }
  });
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    var editing = /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable;
    if (form && (e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "s" || e.key === "S")) {
      e.preventDefault();
      form.requestSubmit();
      return;
    }
    if (form && (e.ctrlKey || e.metaKey) && e.key === "Enter" && !(gridOf(el) && el.closest("tbody"))) {
      if (form.contains(el) || !editing) { e.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (e.key === "Escape" && editing && !el.closest("dialog")) { el.blur(); return; }
    if (editing || e.ctrlKey || e.metaKey || e.altKey || document.querySelector("dialog[open]")) { return; }
    var action = singleKeys[e.key];
    if (action) { e.preventDefault(); action(); }
  });
})();
