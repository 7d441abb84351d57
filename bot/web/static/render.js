/* Renders the bot's neutral replies (dialogs.serialise JSON) as HTML: the playground's `render`.
 * Every piece of data reaches the page through textContent or setAttribute, never as markup.
 * `act(payload, echo)` is how a button or a form answers; without it, actions are not drawn. */
(function () {
  "use strict";

  var counter = 0;
  // The page's own words in the language of the person it acts as (bot/web/words.py; issue 28),
  // set by the page from /playground/api/words; until then, each English as written here.
  var words = {};

  /* `key`'s words, its {placeholders} filled from `values`; `english` until the words arrive. */
  function t(key, english, values) {
    var text = Object.prototype.hasOwnProperty.call(words, key) ? words[key] : english;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function setWords(given) {
    words = given || {};
  }

  // ---- small helpers ---------------------------------------------------------------------------

  function h(tag, attrs) {
    var element = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") element.textContent = value;
      else if (name === "className") element.className = value;
      else if (name.slice(0, 2) === "on") element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? "" : String(value));
    });
    for (var i = 2; i < arguments.length; i += 1) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return element;
  }

  function nextId(name) {
    counter += 1;
    return "pg" + counter + "-" + String(name).replace(/[^A-Za-z0-9_-]/g, "_");
  }

  /* Chat text as the platforms write it: lines, and *bold* in Slack's style. */
  function formatted(text, tag) {
    var element = h(tag || "p", { className: "text" });
    String(text).split("\n").forEach(function (line, index) {
      if (index) element.appendChild(h("br"));
      line.split(/\*([^*\n]+)\*/).forEach(function (part, n) {
        if (!part) return;
        element.appendChild(n % 2 ? h("strong", { text: part }) : document.createTextNode(part));
      });
    });
    return element;
  }

  // ---- rendering the neutral replies ----------------------------------------------------------

  function renderSay(reply) {
    var box = h("div", { className: "reply say tone-" + (reply.tone || "info") });
    if (reply.tone === "error" || reply.tone === "warning") {
      box.appendChild(h("span", { className: "visually-hidden", text: reply.tone + ": " }));
    }
    box.appendChild(formatted(reply.text));
    return box;
  }

  function renderChoice(reply, act) {
    var promptId = nextId("prompt");
    var group = h("div", { className: "reply choice", role: "group", "aria-labelledby": promptId });
    var prompt = formatted(reply.prompt);
    prompt.id = promptId;
    group.appendChild(prompt);
    var buttons = h("div", { className: "row buttons" });
    reply.options.forEach(function (option) {
      buttons.appendChild(
        h("button", {
          type: "button",
          "data-value": option.value,
          text: option.label,
          disabled: !act,
          onclick: function () {
            act({ choice: option.value }, option.label);
          },
        })
      );
    });
    group.appendChild(buttons);
    return group;
  }

  function renderCard(reply, act) {
    var titleId = nextId("card");
    var card = h("article", { className: "reply card", "aria-labelledby": titleId });
    card.appendChild(h("h3", { id: titleId, text: reply.title }));
    if (reply.subtitle) card.appendChild(formatted(reply.subtitle, "p")).classList.add("subtitle");
    if (reply.facts.length) {
      var facts = h("dl", { className: "facts" });
      reply.facts.forEach(function (fact) {
        facts.appendChild(h("div", {}, h("dt", { text: fact.label }), h("dd", { text: fact.value })));
      });
      card.appendChild(facts);
    }
    reply.sections.forEach(function (section) {
      card.appendChild(h("h4", { text: section.heading }));
      var list = h("ul");
      section.lines.forEach(function (line) {
        list.appendChild(h("li", { text: line }));
      });
      card.appendChild(list);
    });
    if (reply.actions.length && act) {
      var buttons = h("div", { className: "row buttons" });
      reply.actions.forEach(function (option) {
        buttons.appendChild(
          h("button", {
            type: "button",
            className: "action",
            "data-value": option.value,
            text: option.label,
            onclick: function () {
              act({ choice: option.value }, option.label);
            },
          })
        );
      });
      card.appendChild(buttons);
    }
    return card;
  }

  function renderAttachment(reply) {
    var link = h("a", { href: reply.url, download: reply.filename },
      t("download", "Download {file} ({type})", { file: reply.filename, type: reply.media_type }));
    if (reply.inline) {
      return h("figure", { className: "reply attachment" },
        h("img", { src: reply.url, alt: reply.description || reply.filename }),
        h("figcaption", {}, link));
    }
    var box = h("div", { className: "reply attachment" }, h("p", {}, link));
    if (reply.description) box.appendChild(h("p", { className: "help", text: reply.description }));
    return box;
  }

  /* One form field, labelled, with its hint and its error tied to the control. */
  function renderField(field, formKey) {
    var id = nextId(formKey + "-" + field.name);
    var helpId = field.help ? id + "-help" : null;
    var errorId = field.error ? id + "-error" : null;
    var described = [helpId, errorId].filter(Boolean).join(" ") || null;
    var wrap = h("div", { className: "field" + (field.error ? " has-error" : ""), "data-name": field.name });
    var optional = field.required ? null : h("span", { className: "optional", text: " (optional)" });
    var help = helpId ? h("p", { id: helpId, className: "help", text: field.help }) : null;
    var error = errorId
      ? h("p", { id: errorId, className: "error-message" },
          h("span", { className: "visually-hidden", text: t("error", "Error: ") }), field.error)
      : null;
    var invalid = field.error ? "true" : null;

    if (field.kind === "multiselect") {
      var chosen = field.value.split(",").map(function (v) { return v.trim().toLowerCase(); });
      var legend = h("legend", { text: field.label }, optional);
      var set = h("fieldset", { className: "choices", "aria-describedby": described, "data-kind": "multiselect", "data-field": field.name }, legend, help, error);
      field.options.forEach(function (option) {
        var optionId = nextId(formKey + "-" + field.name + "-opt");
        set.appendChild(h("div", { className: "checkbox" },
          h("input", { type: "checkbox", id: optionId, value: option.value, "aria-invalid": invalid,
            checked: chosen.indexOf(option.value.toLowerCase()) >= 0 }),
          h("label", { for: optionId, text: option.label })));
      });
      wrap.appendChild(set);
      return wrap;
    }
    if (field.kind === "checkbox") {
      var ticked = ["true", "yes", "y", "on", "1", "checked"].indexOf(field.value.trim().toLowerCase()) >= 0;
      wrap.appendChild(h("div", { className: "checkbox" },
        h("input", { type: "checkbox", id: id, value: "true", checked: ticked, "aria-invalid": invalid,
          "aria-describedby": described, "data-kind": "checkbox", "data-field": field.name }),
        h("label", { for: id, text: field.label })));
      if (help) wrap.appendChild(help);
      if (error) wrap.appendChild(error);
      return wrap;
    }
    wrap.appendChild(h("label", { for: id, text: field.label }, optional));
    if (help) wrap.appendChild(help);
    if (error) wrap.appendChild(error);
    var common = { id: id, name: field.name, required: field.required, "aria-required": field.required ? "true" : null,
      "aria-invalid": invalid, "aria-describedby": described, "data-kind": field.kind, "data-field": field.name };
    var control;
    if (field.kind === "select") {
      control = h("select", common);
      var known = field.options.some(function (o) { return o.value === field.value; });
      if (!field.required || !known) {
        control.appendChild(h("option", { value: "", text: field.required ? t("choose_one", "Choose one") : t("none", "None") }));
      }
      field.options.forEach(function (option) {
        control.appendChild(h("option", { value: option.value, text: option.label, selected: option.value === field.value }));
      });
    } else if (field.kind === "textarea") {
      control = h("textarea", Object.assign({ rows: 5, maxlength: field.max_length }, common));
      control.value = field.value;
    } else {
      var hints = {
        date: t("date_hint", "e.g. today, 3/12/2026"),
        datetime: t("datetime_hint", "e.g. tomorrow 2pm"),
        number: "",
      };
      control = h("input", Object.assign({
        type: "text",
        inputmode: field.kind === "number" ? "numeric" : null,
        maxlength: field.max_length,
        autocomplete: "off",
        placeholder: hints[field.kind] || null,
      }, common));
      control.value = field.value;
    }
    wrap.appendChild(control);
    return wrap;
  }

  function formValues(form) {
    var values = {};
    form.querySelectorAll("[data-field]").forEach(function (control) {
      var name = control.getAttribute("data-field");
      var kind = control.getAttribute("data-kind");
      if (kind === "multiselect") {
        values[name] = Array.prototype.filter.call(control.querySelectorAll("input"), function (box) {
          return box.checked;
        }).map(function (box) { return box.value; }).join(",");
      } else if (kind === "checkbox") {
        values[name] = control.checked ? "true" : "";
      } else {
        values[name] = control.value;
      }
    });
    return values;
  }

  function renderForm(reply, act) {
    var titleId = nextId("form");
    var form = h("form", { className: "reply reply-form", novalidate: true, "aria-labelledby": titleId });
    var frame = h("fieldset", { className: "frame" });
    frame.appendChild(h("h3", { id: titleId, text: reply.title }));
    if (reply.step) frame.appendChild(h("p", { className: "step", text: reply.step }));
    if (reply.intro) frame.appendChild(formatted(reply.intro));
    var fields = reply.fields.map(function (field) { return renderField(field, reply.form_id); });
    var wrong = reply.fields.filter(function (f) { return f.error; });
    if (wrong.length) {
      var list = h("ul");
      wrong.forEach(function (field, index) {
        var control = fields[reply.fields.indexOf(field)].querySelector("input, select, textarea");
        list.appendChild(h("li", {}, h("a", { href: "#" + control.id, text: field.error })));
      });
      frame.appendChild(h("div", { className: "error-summary" },
        h("h4", { text: t("problem", "There is a problem") }), list));
    }
    fields.forEach(function (element) { frame.appendChild(element); });
    frame.appendChild(h("div", { className: "row buttons" },
      h("button", { type: "submit", text: reply.submit_label || t("save", "Save") })));
    form.appendChild(frame);
    frame.disabled = !act;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!act) return;
      act({ form: { form_id: reply.form_id, values: formValues(form) } }, t("sent", "Sent: {title}", { title: reply.title }));
    });
    return form;
  }

  function renderReply(reply, act) {
    switch (reply.type) {
      case "say": return renderSay(reply);
      case "choice": return renderChoice(reply, act);
      case "form": return renderForm(reply, act);
      case "card": return renderCard(reply, act);
      case "attachment": return renderAttachment(reply);
      default: return h("p", { className: "reply", text: "(a reply this page cannot show yet)" });
    }
  }

  window.PlaygroundRender = {
    h: h, nextId: nextId, formatted: formatted, reply: renderReply, t: t, setWords: setWords,
  };
})();
