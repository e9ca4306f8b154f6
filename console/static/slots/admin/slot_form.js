/*
 * Slot admin: the parameter fields follow the chosen provider and operation.
 *
 * The server renders the fields of the operation the page was loaded with (with their values and
 * errors). When the operator picks another provider or operation, the fields are rebuilt here from
 * the registry's schema, embedded in the page (json_script "slot-form-schema"), with the same
 * names and widgets as slots/forms.py. Values typed into a parameter of the same name are kept.
 * The server validates everything again on save; nothing here is a check.
 *
 * Also: "Copy" buttons next to read-only fields (ingest URL, password), and a warning under the
 * provider when it is not configured (schema.setup_problems, from the provider itself).
 */
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function copyText(button) {
    const source = button.parentElement.querySelector(".copy-source");
    if (!source) return;
    // The words come from the page (data-copied, the button's own text): in the user's language.
    if (!button.dataset.label) button.dataset.label = button.textContent;
    const done = function () {
      button.textContent = button.dataset.copied || "Copied";
      setTimeout(function () { button.textContent = button.dataset.label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () { source.select(); });
    } else {
      source.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
    }
  }

  function setupCopyButtons() {
    document.addEventListener("click", function (event) {
      const button = event.target.closest(".copy-button");
      if (button) {
        event.preventDefault();
        copyText(button);
      }
    });
    document.addEventListener("focusin", function (event) {
      if (event.target.classList && event.target.classList.contains("copy-source")) event.target.select();
    });
  }

  function setupParamForm() {
    const schemaNode = document.getElementById("slot-form-schema");
    const provider = document.getElementById("id_provider");
    const operation = document.getElementById("id_operation");
    const container = document.getElementById("slot-params");
    if (!schemaNode || !provider || !operation || !container) return;
    const schema = JSON.parse(schemaNode.textContent);
    const prefix = schema.prefix;
    const paramsFor = document.getElementById("id_params_for");
    const help = document.getElementById("slot-operation-help");
    const templates = new Map(schema.templates.map(function (t) { return [t.id, t]; }));

    function providerSchema() {
      return schema.providers.find(function (p) { return p.name === provider.value; });
    }

    function operationSchema() {
      const p = providerSchema();
      return p ? p.operations.find(function (op) { return op.name === operation.value; }) : undefined;
    }

    function currentValues() {
      const values = {};
      container.querySelectorAll("[name^='" + prefix + "']").forEach(function (input) {
        const name = input.name.slice(prefix.length);
        if (input.type === "checkbox") values[name] = input.checked;
        else if (input.multiple) values[name] = Array.from(input.selectedOptions).map(function (o) { return o.value; });
        else values[name] = input.value;
      });
      return values;
    }

    function templateOptions(select, selected) {
      schema.templates.forEach(function (t) {
        const option = new Option(t.name, t.id);
        option.selected = selected.indexOf(t.id) !== -1;
        select.append(option);
      });
    }

    function widget(param, value) {
      const id = "id_" + prefix + param.name;
      const name = prefix + param.name;
      const text = value === null || value === undefined ? "" : String(value);
      let input;
      switch (param.type) {
        case "text":
          input = el("textarea", { id: id, name: name, rows: 5, cols: 80, class: "vLargeTextField" });
          input.value = text;
          return input;
        case "integer":
        case "number":
          input = el("input", {
            type: "number", id: id, name: name, class: "vIntegerField",
            step: param.type === "integer" ? "1" : "any", min: param.minimum, max: param.maximum,
          });
          input.value = text;
          return input;
        case "boolean":
          input = el("input", { type: "checkbox", id: id, name: name });
          input.checked = value === true || value === "true";
          return input;
        case "enum":
          input = el("select", { id: id, name: name });
          if (!param.required && (param.default === null || param.default === undefined)) input.append(new Option("---------", ""));
          param.choices.forEach(function (choice) { input.append(new Option(choice, choice)); });
          input.value = text || (param.default === null || param.default === undefined ? "" : String(param.default));
          return input;
        case "template_media":
          input = el("select", { id: id, name: name, class: "template-picker" });
          input.append(new Option("---------", ""));
          templateOptions(input, [text]);
          return input;
        case "template_media_list":
          input = el("select", {
            id: id, name: name, multiple: true, class: "template-picker",
            size: Math.min(Math.max(schema.templates.length, 2), 8),
          });
          templateOptions(input, Array.isArray(value) ? value : []);
          return input;
        default:
          input = el("input", { type: "text", id: id, name: name, class: "vTextField" });
          input.value = text;
          return input;
      }
    }

    function row(param, value) {
      const input = widget(param, value);
      const outer = el("div", { class: "form-row field-" + prefix + param.name, "data-param": param.name });
      const inner = el("div");
      const line = el("div", { class: param.type === "boolean" ? "flex-container checkbox-row" : "flex-container" });
      if (param.type === "boolean") {
        line.append(input, el("label", { class: "vCheckboxLabel", for: input.id }, param.label));
      } else {
        line.append(el("label", { for: input.id, class: param.required ? "required" : null }, param.label + ":"), input);
      }
      inner.append(line);
      if (param.type === "template_media" || param.type === "template_media_list") {
        inner.append(el("div", { class: "template-previews", "data-for": input.id }));
      }
      if (param.help) {
        const helpBox = el("div", { class: "help" });
        helpBox.append(el("div", {}, param.help));
        inner.append(helpBox);
      }
      outer.append(inner);
      return outer;
    }

    function updatePreviews() {
      container.querySelectorAll(".template-previews").forEach(function (box) {
        const select = document.getElementById(box.dataset.for);
        box.replaceChildren();
        if (!select) return;
        Array.from(select.selectedOptions).forEach(function (option) {
          const t = templates.get(option.value);
          if (t) box.append(el("img", { src: t.thumbnail, alt: t.name, title: t.name, class: "template-chip-thumb" }));
        });
      });
    }

    function fillOperations() {
      const p = providerSchema();
      const previous = operation.value;
      operation.replaceChildren();
      (p ? p.operations : []).forEach(function (op) { operation.append(new Option(op.label, op.name)); });
      if (p && p.operations.some(function (op) { return op.name === previous; })) operation.value = previous;
    }

    function renderParams() {
      const kept = currentValues();
      const op = operationSchema();
      container.replaceChildren();
      if (help) help.textContent = op ? op.help : "";
      if (paramsFor) paramsFor.value = provider.value + ":" + operation.value;
      if (!op || op.params.length === 0) {
        container.append(el("p", { class: "slot-params-empty" }, (schema.texts || {}).no_params || "This operation has no parameters."));
        return;
      }
      op.params.forEach(function (param) {
        container.append(row(param, Object.prototype.hasOwnProperty.call(kept, param.name) ? kept[param.name] : param.default));
      });
      updatePreviews();
    }

    // A provider that cannot work as configured (Gemini without a key) says so, with the fix.
    const problems = schema.setup_problems || {};
    const warning = el("p", { id: "slot-provider-warning", class: "slot-provider-warning", role: "alert" });
    provider.closest(".form-row").append(warning);
    function showProviderProblem() {
      const problem = problems[provider.value];
      warning.textContent = problem || "";
      warning.hidden = !problem;
    }
    showProviderProblem();

    provider.addEventListener("change", function () { fillOperations(); renderParams(); showProviderProblem(); });
    operation.addEventListener("change", renderParams);
    container.addEventListener("change", function (event) {
      if (event.target.classList.contains("template-picker")) updatePreviews();
    });
    updatePreviews();
    document.body.dataset.slotFormReady = "true";
  }

  ready(function () {
    setupCopyButtons();
    setupParamForm();
  });
})();
