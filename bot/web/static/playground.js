/* The playground page: who is talking, the conversation, the inbox, the channels and the clock.
 * Replies are drawn by render.js; nothing here writes data as markup either. */
(function () {
  "use strict";

  var API = "/playground/api";
  var R = window.PlaygroundRender;
  var h = R.h;
  var nextId = R.nextId;
  var renderReply = R.reply;
  var t = R.t;
  var language = "en"; // the language of the page's own words: the person's (issue 28)
  var people = [];
  var current = null; // the person the page acts as
  var transcripts = new Map(); // staff id -> their conversation's element
  var busy = 0;

  function setBusy(delta) {
    busy += delta;
    document.documentElement.setAttribute("data-busy", String(busy));
    document.getElementById("transcript").setAttribute("aria-busy", busy ? "true" : "false");
  }

  function api(path, body) {
    var options = { headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    setBusy(1);
    return fetch(API + path, options)
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (!response.ok || data === null) {
            var error = new Error((data && data.error) || "the playground answered " + response.status);
            error.retryable = response.status >= 500; // a 4xx is an answer: sending again won't help
            throw error;
          }
          return data;
        });
      }, function (error) {
        error.retryable = true; // the connection failed: the message may or may not have arrived
        throw error;
      })
      .finally(function () {
        setBusy(-1);
      });
  }

  /* One id per thing the person does. A retry sends the same id, so the server treats it as the
   * same message (as Slack's retries are): handled once, never written twice. */
  function newMessageId() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  var RETRY_DELAYS = [400, 1500]; // milliseconds before the second and third attempts

  function sendMessage(body, attempt) {
    attempt = attempt || 0;
    return api("/send", body).catch(function (error) {
      if (!error.retryable || attempt >= RETRY_DELAYS.length) throw error;
      return new Promise(function (resolve) { setTimeout(resolve, RETRY_DELAYS[attempt]); })
        .then(function () { return sendMessage(body, attempt + 1); });
    });
  }

  // ---- the conversation ------------------------------------------------------------------------

  function transcriptOf(person) {
    var element = transcripts.get(person.id);
    if (!element) {
      element = h("div", { className: "thread", "data-staff-id": person.id, hidden: true },
        h("p", { className: "help", text: t("you_are", "You are {name}. Type a message, or start a conversation below.", { name: person.name }) }));
      document.getElementById("transcript").appendChild(element);
      transcripts.set(person.id, element);
      restore(person, element);
    }
    return element;
  }

  function youSaid(person, echo) {
    return h("div", { className: "entry from-you" },
      h("p", { className: "who", text: person.name }), h("p", { className: "text", text: echo }));
  }

  function botSaid(replies) {
    var entry = h("div", { className: "entry from-bot", tabindex: "-1" },
      h("p", { className: "who", text: t("bot", "Supervision Assistant") }));
    replies.forEach(function (reply) { entry.appendChild(renderReply(reply, act)); });
    if (!replies.length) entry.appendChild(h("p", { className: "text", text: t("no_answer", "(no answer)") }));
    return entry;
  }

  /* After a reload: the conversation so far, as the server kept it; only the last answer can
   * still be acted on (the conversation waits there). */
  function restore(person, thread) {
    api("/transcript/" + person.id).then(function (data) {
      if (!data.turns.length) return;
      var earlier = document.createDocumentFragment();
      var last = null;
      data.turns.forEach(function (turn) {
        earlier.appendChild(youSaid(person, turn.you));
        last = botSaid(turn.replies);
        earlier.appendChild(last);
      });
      var first = thread.querySelector(".entry");
      thread.insertBefore(earlier, first);
      thread.querySelectorAll(".entry.from-bot").forEach(function (entry) {
        if (entry !== last && !first) retire(entry);
      });
      if (!first) thread.setAttribute("data-restored", String(data.turns.length));
    }).catch(function () { /* a fresh page still works without the history */ });
  }

  /* Answered forms and questions are kept to read but can no longer be sent twice. */
  function retire(thread) {
    thread.querySelectorAll("form.reply-form fieldset.frame").forEach(function (frame) { frame.disabled = true; });
    thread.querySelectorAll(".choice button, .card button").forEach(function (button) {
      // A "start:" button opens its own conversation, so it still works from an old card.
      if ((button.getAttribute("data-value") || "").indexOf("start:") !== 0) button.disabled = true;
    });
  }

  function focusAfter(entry, fromComposer) {
    var invalid = entry.querySelector("form [aria-invalid='true']");
    var form = entry.querySelector("form.reply-form");
    var choice = entry.querySelector(".choice button");
    var target = invalid || (form && form.querySelector("input, select, textarea")) || choice;
    if (target) target.focus();
    else if (!fromComposer) entry.focus(); // the pressed button is gone: Tab goes on from here
    entry.scrollIntoView({ block: "nearest" });
  }

  function say(payload, echo, fromComposer) {
    var person = current;
    if (!person) return Promise.resolve();
    var thread = transcriptOf(person);
    thread.appendChild(youSaid(person, echo));
    var body = Object.assign({ staff_id: person.id, message_id: newMessageId(), echo: echo }, payload);
    return sendMessage(body)
      .then(function (data) {
        retire(thread);
        if (data.language && data.language !== language && current === person) loadWords(person);
        var entry = botSaid(data.replies);
        thread.appendChild(entry);
        focusAfter(entry, fromComposer);
        refreshInbox();
        refreshChannels();
      })
      .catch(function (error) {
        thread.appendChild(h("div", { className: "entry from-bot", role: "alert" },
          h("p", { className: "reply say tone-error", text: t("send_failed", "The playground could not send that: {error}", { error: error.message }) })));
      });
  }

  function act(payload, echo) {
    return say(payload, echo, false);
  }

  function choose(id) {
    current = people.find(function (p) { return p.id === id; }) || null;
    transcripts.forEach(function (element) { element.hidden = true; });
    if (!current) return;
    transcriptOf(current).hidden = false;
    headings();
    if (history.replaceState) history.replaceState(null, "", "#person-" + current.id);
    refreshInbox();
    loadWords(current);
  }

  function headings() {
    if (!current) return;
    document.getElementById("conversation-heading").textContent =
      t("conversation_as", "Conversation as {name}", { name: current.name });
    document.getElementById("inbox-heading").textContent = t("inbox_of", "Inbox of {name}", { name: current.name });
  }

  /* The page's own words in the language of the person it acts as (issue 28): every element
   * marked data-words (its text), data-words-label (its label) or data-words-aria (its
   * aria-label), the conversations to start, and the lang of the page. */
  function loadWords(person) {
    return api("/words/" + person.id).then(function (data) {
      if (current !== person) return;
      language = data.language;
      R.setWords(data.words);
      document.documentElement.setAttribute("lang", language === "cy" ? "cy-GB" : "en-GB");
      document.title = t("page_title", document.title);
      document.querySelectorAll("[data-words]").forEach(function (element) {
        element.textContent = t(element.getAttribute("data-words"), element.textContent);
      });
      document.querySelectorAll("[data-words-label]").forEach(function (element) {
        element.setAttribute("label", t(element.getAttribute("data-words-label"), element.getAttribute("label")));
      });
      document.querySelectorAll("[data-words-aria]").forEach(function (element) {
        element.setAttribute("aria-label", t(element.getAttribute("data-words-aria"), element.getAttribute("aria-label")));
      });
      fillFlows(data.flows);
      headings();
      relabelPeople();
      var intro = transcriptOf(current).querySelector(":scope > p.help");
      if (intro) intro.textContent = t("you_are", intro.textContent, { name: current.name });
      return Promise.all([refreshInbox(), refreshChannels()]);
    });
  }

  // ---- inbox, channels and the clock -----------------------------------------------------------

  function renderPost(post, title, interactive) {
    var open = interactive || post.kind === "digest"; // channels: digests open, the rest one line each
    var details = h("details", { className: "post kind-" + post.kind + " status-" + post.status, open: open },
      h("summary", { text: title }));
    post.replies.forEach(function (reply) {
      details.appendChild(renderReply(reply, interactive ? act : null));
    });
    return h("li", { "data-kind": post.kind, "data-due": post.due_at }, details);
  }

  var KINDS = { digest: "Weekly digest", reminder: "Reminder", escalation: "Escalation", notice: "Message" };

  function kind(name) {
    return KINDS[name] ? t("kind_" + name, KINDS[name]) : name;
  }

  function replaceList(list, items) {
    if (list.contains(document.activeElement)) return; // never pull the list from under a keyboard user
    list.replaceChildren.apply(list, items);
  }

  function refreshInbox() {
    var person = current;
    if (!person) return Promise.resolve();
    return api("/inbox/" + person.id + "?language=" + language).then(function (data) {
      if (current !== person) return;
      var list = document.getElementById("inbox");
      var items = data.messages.map(function (post) {
        return renderPost(post, kind(post.kind) + ", " + (post.sent_label || post.due_label), true);
      });
      if (!items.length) items = [h("li", { className: "help", text: t("nothing_yet", "Nothing yet.") })];
      replaceList(list, items);
    });
  }

  function filterChannels() {
    var wanted = document.getElementById("channel-filter").value.split(" ").filter(Boolean);
    document.querySelectorAll("#channels > li[data-kind]").forEach(function (item) {
      item.hidden = wanted.length > 0 && wanted.indexOf(item.getAttribute("data-kind")) < 0;
    });
  }

  function refreshChannels() {
    return api("/channels?language=" + language).then(function (data) {
      document.getElementById("clock").textContent = data.label;
      var items = data.posts.map(function (post) {
        var when = t("status_" + post.status, post.status + " for {when}", { when: post.due_label });
        if (post.status === "posted" && post.sent_label !== post.due_label) {
          when = t("due_then_posted", "due {due}, posted {sent}", { due: post.due_label, sent: post.sent_label });
        } else if (post.status === "posted") {
          when = t("status_posted", "posted {when}", { when: post.sent_label });
        }
        var title = t("post_to", "{kind} to {to}, {when}", { kind: kind(post.kind), to: post.to, when: when });
        return renderPost(post, title, false);
      });
      if (!items.length) items = [h("li", { className: "help", text: t("nothing_planned", "Nothing planned yet: move the clock forward.") })];
      replaceList(document.getElementById("channels"), items);
      filterChannels();
    });
  }

  function moveClock(days, button) {
    var status = document.getElementById("clock-status");
    status.textContent = t("moving", "Moving the clock forward…");
    button.disabled = true;
    return api("/clock?language=" + language, { days: days })
      .then(function (data) {
        document.getElementById("clock").textContent = data.label;
        status.textContent = t("moved", "Now {when}: {planned} new messages planned, {delivered} delivered.",
          { when: data.label, planned: data.planned, delivered: data.delivered });
        return Promise.all([refreshChannels(), refreshInbox()]);
      })
      .catch(function (error) { status.textContent = t("clock_failed", "The clock did not move: {error}", { error: error.message }); })
      .finally(function () { button.disabled = false; });
  }

  // ---- start-up --------------------------------------------------------------------------------

  function fillPeople(list) {
    people = list;
    var select = document.getElementById("person");
    var demo = h("optgroup", { label: t("demo_people", "Demo people"), "data-words-label": "demo_people" });
    var others = h("optgroup", { label: t("everyone_else", "Everyone else"), "data-words-label": "everyone_else" });
    list.forEach(function (person) {
      (person.persona ? demo : others).appendChild(
        h("option", { value: person.id, text: person.name + ": " + aboutOf(person) }));
    });
    select.replaceChildren(demo, others);
    var wanted = /^#person-(\d+)$/.exec(location.hash);
    var first = wanted ? Number(wanted[1]) : list.length ? list[0].id : null;
    if (first !== null) select.value = String(first);
    choose(Number(select.value));
  }

  function aboutOf(person) {
    return person.persona || [person.role_label, person.team].filter(Boolean).join(", ");
  }

  /* The picker's roles in the page's language, the people and their order as they are. */
  function relabelPeople() {
    return api("/people?language=" + language).then(function (data) {
      var select = document.getElementById("person");
      data.people.forEach(function (person) {
        var option = select.querySelector('option[value="' + person.id + '"]');
        if (option) option.textContent = person.name + ": " + aboutOf(person);
      });
    });
  }

  function fillFlows(flows) {
    var list = document.getElementById("flows");
    list.replaceChildren.apply(list, flows.map(function (flow) {
      var about = nextId("flow");
      return h("li", {},
        h("button", { type: "button", className: "secondary", "data-command": flow.name, "aria-describedby": about,
          text: flow.title, onclick: function () { act({ command: { name: flow.name } }, "/" + flow.name); } }),
        h("span", { id: about, className: "help", text: " " + flow.summary }));
    }));
  }

  document.addEventListener("DOMContentLoaded", function () {
    setBusy(0);
    document.getElementById("person").addEventListener("change", function (event) {
      choose(Number(event.target.value));
    });
    document.getElementById("composer").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("message");
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      say({ text: text }, text, true);
    });
    document.getElementById("inbox-refresh").addEventListener("click", refreshInbox);
    document.getElementById("channel-filter").addEventListener("change", filterChannels);
    document.querySelectorAll("button[data-days]").forEach(function (button) {
      button.addEventListener("click", function () { moveClock(Number(button.getAttribute("data-days")), button); });
    });
    document.querySelector(".skip-link").addEventListener("click", function () {
      document.getElementById("conversation").focus();
    });
    Promise.all([api("/people"), api("/flows")])
      .then(function (answers) {
        fillPeople(answers[0].people);
        fillFlows(answers[1].flows);
        return refreshChannels();
      })
      .then(function () { document.documentElement.setAttribute("data-ready", "true"); })
      .catch(function (error) {
        document.getElementById("clock-status").textContent = t("start_failed", "The playground could not start: {error}", { error: error.message });
      });
  });
})();
