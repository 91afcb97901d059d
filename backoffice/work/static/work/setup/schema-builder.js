/* Field-schema builder: edits a JSON Schema textarea through a list of fields.

The textarea stays the one source of truth that is posted (and is editable by experts);
the builder reads it, shows one card per field, and writes it back on every change, then
fires "schema-changed" on it so the htmx preview re-renders the agent's form. Vanilla JS.
*/
(function () {
  "use strict";

  var TYPES = [
    ["text", "Text"], ["number", "Number"], ["integer", "Whole number"], ["amount", "Amount (money)"],
    ["date", "Date"], ["enum", "Choice from a list"], ["boolean", "Yes / no"]
  ];
  var GROUP = ["group", "Line items (a table of rows)"];
  var FORMATS = [
    ["", "Any text"], ["email", "An e-mail address"], ["digits", "Digits only"],
    ["letters", "Letters only"], ["alnum", "Letters and digits only"], ["custom", "A pattern (experts)"]
  ];
  var PATTERNS = { digits: "^[0-9]+$", letters: "^[A-Za-z]+$", alnum: "^[A-Za-z0-9]+$" };
  // Keys the builder manages on a property; any other key is kept as it was.
  var MANAGED = ["type", "title", "enum", "format", "pattern", "minimum", "maximum", "minLength",
                 "maxLength", "items", "minItems"];
  var uid = 0;
  // PostgreSQL's JSONB keeps no key order, so the order of the fields is written out.
  var ORDER = "x-order";

  function ordered(props, order) {
    var names = Object.keys(props || {});
    if (!Array.isArray(order)) return names;
    var known = order.filter(function (n) { return names.indexOf(n) >= 0; });
    return known.concat(names.filter(function (n) { return known.indexOf(n) < 0; }));
  }

  function slug(text) {
    return (text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60);
  }
  function num(v) { return v === "" || v === null || v === undefined || isNaN(Number(v)) ? undefined : Number(v); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "checked" || k === "value") node[k] = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /* --- JSON Schema <-> fields ------------------------------------------------------------ */

  function fieldFromProp(name, prop, required) {
    prop = prop || {};
    var f = { name: name, label: prop.title || "", required: required, extra: {} };
    Object.keys(prop).forEach(function (k) { if (MANAGED.indexOf(k) < 0) f.extra[k] = prop[k]; });
    var t = prop.type;
    if (t === "array" && prop.items && prop.items.type === "object") {
      f.type = "group";
      f.min = prop.minItems;
      var req = prop.items.required || [];
      f.columns = ordered(prop.items.properties, prop.items[ORDER]).map(function (c) {
        return fieldFromProp(c, prop.items.properties[c], req.indexOf(c) >= 0);
      });
      f.itemExtra = {};
      Object.keys(prop.items).forEach(function (k) {
        if (["type", "properties", "required", ORDER].indexOf(k) < 0) f.itemExtra[k] = prop.items[k];
      });
      return f;
    }
    if (prop.enum) { f.type = "enum"; f.options = prop.enum.map(String); return f; }
    if (t === "boolean") { f.type = "boolean"; return f; }
    if (t === "number" || t === "integer") {
      f.type = prop.format === "amount" ? "amount" : t;
      f.min = prop.minimum; f.max = prop.maximum;
      if (f.type === "amount") delete f.extra.format;
      return f;
    }
    if (t === "string" && prop.format === "date") { f.type = "date"; return f; }
    if (t === "string" || t === undefined) {
      f.type = "text"; f.min = prop.minLength; f.max = prop.maxLength;
      if (prop.format === "email") f.format = "email";
      else if (prop.pattern) {
        f.format = "custom"; f.pattern = prop.pattern;
        Object.keys(PATTERNS).forEach(function (k) { if (PATTERNS[k] === prop.pattern) f.format = k; });
      } else if (prop.format) { f.extra.format = prop.format; }
      return f;
    }
    f.type = "raw"; f.raw = prop;  // something the builder does not edit: kept as written
    return f;
  }

  function propFromField(f) {
    if (f.type === "raw") return f.raw;
    var p = {};
    Object.keys(f.extra || {}).forEach(function (k) { p[k] = f.extra[k]; });
    if (f.label) p.title = f.label;
    switch (f.type) {
      case "group":
        var props = {}, req = [], names = [];
        (f.columns || []).forEach(function (c) {
          if (!c.name) return;
          props[c.name] = propFromField(c);
          names.push(c.name);
          if (c.required) req.push(c.name);
        });
        p.type = "array";
        p.items = Object.assign({}, f.itemExtra || {}, { type: "object", properties: props });
        if (req.length) p.items.required = req;
        if (names.length > 1) p.items[ORDER] = names;
        if (num(f.min) !== undefined) p.minItems = num(f.min);
        break;
      case "enum":
        p.type = "string";
        p.enum = (f.options || []).filter(function (o) { return o !== ""; });
        break;
      case "boolean": p.type = "boolean"; break;
      case "date": p.type = "string"; p.format = "date"; break;
      case "number": case "integer": case "amount":
        p.type = f.type === "integer" ? "integer" : "number";
        if (f.type === "amount") p.format = "amount";
        var lo = num(f.min);
        if (lo === undefined && f.type === "amount") lo = 0;
        if (lo !== undefined) p.minimum = lo;
        if (num(f.max) !== undefined) p.maximum = num(f.max);
        break;
      default:
        p.type = "string";
        if (num(f.min) !== undefined) p.minLength = num(f.min);
        if (num(f.max) !== undefined) p.maxLength = num(f.max);
        if (f.format === "email") p.format = "email";
        else if (PATTERNS[f.format]) p.pattern = PATTERNS[f.format];
        else if (f.format === "custom" && f.pattern) p.pattern = f.pattern;
    }
    return p;
  }

  /* --- one builder per schema textarea ---------------------------------------------------- */

  function Builder(root, textarea) {
    this.root = root; this.textarea = textarea; this.base = {}; this.fields = [];
    this.label = root.getAttribute("data-label") || "form";
    this.status = el("p", { "class": "sb-status", role: "status", "aria-live": "polite" });
    this.list = el("div", { "class": "sb-list" });
    var self = this;
    var add = el("div", { "class": "sb-add" }, [
      el("button", { type: "button", "class": "secondary", "data-add": "field", text: "Add a field" }),
      el("button", { type: "button", "class": "secondary", "data-add": "group", text: "Add a line-item group" })
    ]);
    add.addEventListener("click", function (e) {
      var kind = e.target.getAttribute && e.target.getAttribute("data-add");
      if (!kind) return;
      var f = kind === "group"
        ? { name: "", label: "", type: "group", required: false, extra: {}, columns: [self.blank()] }
        : self.blank();
      self.fields.push(f);
      self.render(); self.write();
      var inputs = self.list.querySelectorAll(".sb-field > .sb-row input[data-key=label]");
      if (inputs.length) inputs[inputs.length - 1].focus();
    });
    root.appendChild(el("p", { "class": "muted", text: "Add the fields of the " + this.label +
      " in the order they are shown. The name is what the data is stored under." }));
    root.appendChild(this.list); root.appendChild(add); root.appendChild(this.status);
    textarea.addEventListener("change", function () { self.read(true); });
    this.read(false);
  }

  Builder.prototype.blank = function () {
    return { name: "", label: "", type: "text", required: false, extra: {}, format: "" };
  };

  Builder.prototype.read = function (fromExpert) {
    var text = this.textarea.value.trim();
    var schema;
    try { schema = text ? JSON.parse(text) : { type: "object", properties: {} }; }
    catch (err) {
      this.setStatus("The JSON Schema below is not valid JSON yet, so the builder cannot show it.", true);
      return;
    }
    if (!schema || typeof schema !== "object" || Array.isArray(schema)) {
      this.setStatus("The JSON Schema must be an object.", true); return;
    }
    var req = schema.required || [];
    var props = schema.properties || {};
    this.base = schema;
    this.fields = ordered(props, schema[ORDER]).map(function (n) {
      return fieldFromProp(n, props[n], req.indexOf(n) >= 0);
    });
    this.setStatus(fromExpert ? "Builder updated from the JSON Schema." : "", false);
    this.render();
    if (fromExpert) this.notify();
  };

  Builder.prototype.schema = function () {
    var out = {}, props = {}, req = [], names = [];
    Object.keys(this.base).forEach(function (k) {
      if (["properties", "required", ORDER].indexOf(k) < 0) out[k] = this.base[k];
    }, this);
    out.type = "object";
    this.fields.forEach(function (f) {
      if (!f.name) return;
      props[f.name] = propFromField(f);
      names.push(f.name);
      if (f.required) req.push(f.name);
    });
    out.properties = props;
    if (req.length) out.required = req;
    if (names.length > 1) out[ORDER] = names;
    return out;
  };

  Builder.prototype.write = function () {
    this.textarea.value = JSON.stringify(this.schema(), null, 2);
    var names = {}, problems = [];
    this.fields.forEach(function (f) {
      if (!f.name) problems.push("a field has no name");
      else if (names[f.name]) problems.push("two fields are named " + f.name);
      names[f.name] = true;
    });
    this.setStatus(problems.length ? "Not saved as is: " + problems.join("; ") + "." : "", problems.length > 0);
    this.notify();
  };

  Builder.prototype.notify = function () {
    this.textarea.dispatchEvent(new Event("schema-changed", { bubbles: true }));
  };

  Builder.prototype.setStatus = function (text, bad) {
    this.status.textContent = text;
    this.status.className = "sb-status" + (bad ? " bad" : "");
  };

  Builder.prototype.render = function () {
    this.list.innerHTML = "";
    var self = this;
    this.fields.forEach(function (f, i) { self.list.appendChild(self.card(f, i, self.fields, true)); });
  };

  function labelled(text, input) {
    var id = "sb-" + (++uid);
    input.id = id;
    return el("div", {}, [el("label", { "for": id, text: text }), input]);
  }

  Builder.prototype.card = function (f, i, list, top) {
    var self = this;
    var card = el("div", { "class": "sb-field", role: "group",
                           "aria-label": (top ? "Field " : "Column ") + (i + 1) });
    var typeSel = el("select", { "data-key": "type" });
    TYPES.concat(top ? [GROUP] : []).forEach(function (t) {
      typeSel.appendChild(el("option", { value: t[0], text: t[1] }));
    });
    if (f.type === "raw") typeSel.appendChild(el("option", { value: "raw", text: "As written in the JSON Schema" }));
    typeSel.value = f.type;
    var label = el("input", { type: "text", "data-key": "label", value: f.label || "" });
    var name = el("input", { type: "text", "data-key": "name", value: f.name || "", spellcheck: "false" });
    var req = el("input", { type: "checkbox", "data-key": "required", checked: !!f.required });
    var row = el("div", { "class": "sb-row" }, [
      labelled("Label", label), labelled("Name", name), labelled("Type", typeSel),
      el("div", { "class": "sb-narrow" }, [el("label", {}, [req, document.createTextNode(" Required")])])
    ]);
    card.appendChild(row);
    var autoName = !f.name || f.name === slug(f.label);
    label.addEventListener("input", function () {
      f.label = label.value;
      if (autoName) { f.name = slug(label.value); name.value = f.name; }
      relabel();
      self.write();
    });
    name.addEventListener("input", function () { autoName = false; f.name = name.value.trim(); self.write(); });
    req.addEventListener("change", function () { f.required = req.checked; self.write(); });
    typeSel.addEventListener("change", function () {
      f.type = typeSel.value;
      if (f.type === "group" && !f.columns) f.columns = [self.blank()];
      self.render(); self.write();
    });
    var more = this.details(f);
    if (more) card.appendChild(more);
    if (f.type === "group") card.appendChild(this.columns(f));
    var actions = el("div", { "class": "sb-actions" });
    // The buttons name the field they act on, and follow its label as it is typed.
    function relabel() {
      actions.querySelectorAll("button[data-verb]").forEach(function (b) {
        b.setAttribute("aria-label", b.getAttribute("data-verb") + ": " + (f.label || f.name || "new field"));
      });
    }
    [["up", "Move up"], ["down", "Move down"], ["remove", "Remove"]].forEach(function (a) {
      var b = el("button", { type: "button", "class": a[0] === "remove" ? "danger" : "secondary",
                             text: a[1], "data-verb": a[1] });
      if ((a[0] === "up" && i === 0) || (a[0] === "down" && i === list.length - 1)) b.disabled = true;
      b.addEventListener("click", function () {
        if (a[0] === "remove") list.splice(i, 1);
        else { var j = a[0] === "up" ? i - 1 : i + 1; var t = list[j]; list[j] = list[i]; list[i] = t; }
        self.render(); self.write();
      });
      actions.appendChild(b);
    });
    relabel();
    card.appendChild(actions);
    return card;
  };

  Builder.prototype.details = function (f) {
    var self = this;
    function bind(input, key) {
      input.addEventListener("input", function () { f[key] = input.value; self.write(); });
      return input;
    }
    if (f.type === "text") {
      var fmt = el("select", {});
      FORMATS.forEach(function (o) { fmt.appendChild(el("option", { value: o[0], text: o[1] })); });
      fmt.value = f.format || "";
      var row = el("div", { "class": "sb-row" }, [
        labelled("What may be typed", fmt),
        labelled("At least (characters)", bind(el("input", { type: "number", min: "0", value: f.min === undefined ? "" : f.min }), "min")),
        labelled("At most (characters)", bind(el("input", { type: "number", min: "0", value: f.max === undefined ? "" : f.max }), "max"))
      ]);
      if (f.format === "custom") {
        row.appendChild(labelled("Pattern", bind(el("input", { type: "text", value: f.pattern || "", spellcheck: "false" }), "pattern")));
      }
      fmt.addEventListener("change", function () { f.format = fmt.value; self.render(); self.write(); });
      return row;
    }
    if (f.type === "number" || f.type === "integer" || f.type === "amount") {
      return el("div", { "class": "sb-row" }, [
        labelled("Lowest", bind(el("input", { type: "number", step: "any", value: f.min === undefined ? (f.type === "amount" ? 0 : "") : f.min }), "min")),
        labelled("Highest", bind(el("input", { type: "number", step: "any", value: f.max === undefined ? "" : f.max }), "max"))
      ]);
    }
    if (f.type === "enum") {
      var opts = el("textarea", { rows: "3" });
      opts.value = (f.options || []).join("\n");
      opts.addEventListener("input", function () {
        f.options = opts.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
        self.write();
      });
      return el("div", { "class": "sb-row" }, [labelled("Choices (one a line)", opts)]);
    }
    if (f.type === "group") {
      return el("div", { "class": "sb-row" }, [
        labelled("At least (rows)", bind(el("input", { type: "number", min: "0", value: f.min === undefined ? "" : f.min }), "min"))
      ]);
    }
    return null;
  };

  Builder.prototype.columns = function (f) {
    var self = this;
    var box = el("div", { "class": "sb-columns" }, [el("h4", { text: "Columns of each row" })]);
    f.columns.forEach(function (c, i) { box.appendChild(self.card(c, i, f.columns, false)); });
    var add = el("button", { type: "button", "class": "secondary", text: "Add a column" });
    add.addEventListener("click", function () { f.columns.push(self.blank()); self.render(); self.write(); });
    box.appendChild(el("div", { "class": "sb-add" }, [add]));
    return box;
  };

  function start() {
    document.querySelectorAll(".schema-builder").forEach(function (root) {
      var textarea = document.getElementById(root.getAttribute("data-target"));
      if (textarea && !root.builder) root.builder = new Builder(root, textarea);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
