/* Distans chat widget. Embedded with one tag:
 *   <script src="https://<distans>/chat/widget.js" data-key="<widget key>" defer></script>
 * Builds an accessible chat panel in the host page and talks to Distans over a
 * websocket. Visitor and agent text is only ever set with textContent. */
(function () {
  "use strict";
  var TEXTS = __TEXTS__;
  var MAX_CHARS = __MAX_CHARS__;
  var script = document.currentScript ||
    document.querySelector('script[data-key][src*="/chat/widget.js"]');
  if (!script || !script.getAttribute("data-key")) { return; }
  var key = script.getAttribute("data-key");
  var base = new URL(script.src, document.baseURI);
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/ws/chat/" + encodeURIComponent(key) + "/";
  var lang = pickLanguage(script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "sv");
  var T = TEXTS[lang] || TEXTS.sv;
  var storageKey = "distans-chat:" + key;
  var socket = null, session = false, hello = null, agentName = "", retries = 0, wantOpen = false;
  var pending = {}, nextId = 1, lastTyping = 0, typingTimer = null, ended = false;

  function pickLanguage(value) {
    var code = String(value).toLowerCase().slice(0, 2);
    if (code === "nb" || code === "no" || code === "nn") { return "nb"; }
    return code === "sv" || code === "en" ? code : "sv";
  }
  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, name) { return values[name] !== undefined ? String(values[name]) : m; });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function storedToken() { try { return sessionStorage.getItem(storageKey) || ""; } catch (e) { return ""; } }
  function storeToken(token) { try { if (token) { sessionStorage.setItem(storageKey, token); } else { sessionStorage.removeItem(storageKey); } } catch (e) { /* private mode */ } }

  // Styles from Distans itself (the host page's CSP must allow style-src <distans>).
  var link = el("link", { rel: "stylesheet", href: base.origin + "/static/channels_chat/widget.css" });
  document.head.appendChild(link);

  var root = el("div", { "class": "distans-chat", lang: lang });
  var launcher = el("button", { type: "button", "class": "distans-chat-launcher", "aria-expanded": "false", "aria-controls": "distans-chat-panel" }, T.open);
  var panel = el("section", { id: "distans-chat-panel", "class": "distans-chat-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "distans-chat-title" });
  panel.hidden = true;
  var header = el("div", { "class": "distans-chat-header" });
  header.appendChild(el("h2", { id: "distans-chat-title" }, T.title));
  var closeButton = el("button", { type: "button", "aria-label": T.close }, "×");
  header.appendChild(closeButton);
  var status = el("p", { "class": "distans-chat-status", role: "status" }, T.connecting);
  var log = el("div", { "class": "distans-chat-log", role: "log", "aria-live": "polite", "aria-label": T.title, tabindex: "0" });
  var typing = el("p", { "class": "distans-chat-typing", "aria-live": "polite" });

  var form = el("form", { "class": "distans-chat-form", novalidate: "" });
  var nameBox = el("div", {});
  nameBox.appendChild(el("label", { "for": "distans-chat-name" }, T.name_label));
  var nameInput = el("input", { id: "distans-chat-name", type: "text", autocomplete: "name", maxlength: "100" });
  nameBox.appendChild(nameInput);
  form.appendChild(nameBox);
  form.appendChild(el("label", { "for": "distans-chat-text" }, T.message_label));
  var textarea = el("textarea", { id: "distans-chat-text", rows: "2", maxlength: String(MAX_CHARS), "aria-describedby": "distans-chat-error" });
  form.appendChild(textarea);
  var error = el("p", { id: "distans-chat-error", "class": "distans-chat-error", role: "alert" });
  form.appendChild(error);
  var row = el("div", { "class": "distans-chat-row" });
  var endButton = el("button", { type: "button", "class": "distans-chat-secondary" }, T.end);
  var transcriptButton = el("button", { type: "button", "class": "distans-chat-secondary" }, T.transcript);
  var sendButton = el("button", { type: "submit" }, T.start);
  endButton.hidden = true; transcriptButton.hidden = true;
  row.appendChild(transcriptButton); row.appendChild(endButton); row.appendChild(sendButton);
  form.appendChild(row);

  var transcriptForm = el("form", { "class": "distans-chat-form", novalidate: "" });
  transcriptForm.hidden = true;
  transcriptForm.appendChild(el("label", { "for": "distans-chat-transcript-email" }, T.email_label));
  var transcriptEmail = el("input", { id: "distans-chat-transcript-email", type: "email", autocomplete: "email" });
  transcriptForm.appendChild(transcriptEmail);
  var transcriptRow = el("div", { "class": "distans-chat-row" });
  transcriptRow.appendChild(el("button", { type: "submit" }, T.transcript_send));
  transcriptForm.appendChild(transcriptRow);

  var leaveForm = el("form", { "class": "distans-chat-form", novalidate: "" });
  leaveForm.hidden = true;
  leaveForm.appendChild(el("h3", { "class": "distans-chat-notice" }, T.leave_title));
  var leaveFields = {};
  [["name", T.name_label, "text", "name"], ["email", T.email_label, "email", "email"], ["phone", T.phone_label, "tel", "tel"]].forEach(function (f) {
    leaveForm.appendChild(el("label", { "for": "distans-chat-leave-" + f[0] }, f[1]));
    leaveFields[f[0]] = el("input", { id: "distans-chat-leave-" + f[0], type: f[2], autocomplete: f[3] });
    leaveForm.appendChild(leaveFields[f[0]]);
  });
  leaveForm.appendChild(el("label", { "for": "distans-chat-leave-text" }, T.message_label));
  leaveFields.text = el("textarea", { id: "distans-chat-leave-text", rows: "3", maxlength: String(MAX_CHARS) });
  leaveForm.appendChild(leaveFields.text);
  var leaveRow = el("div", { "class": "distans-chat-row" });
  leaveRow.appendChild(el("button", { type: "submit" }, T.leave_send));
  leaveForm.appendChild(leaveRow);

  [header, status, log, typing, form, transcriptForm, leaveForm].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(panel);
  root.appendChild(launcher);
  (document.body || document.documentElement).appendChild(root);

  function addLine(from, name, text) {
    var item = el("div", { "class": "distans-chat-from-" + from });
    if (from !== "system") { item.appendChild(el("span", { "class": "distans-chat-who" }, name)); }
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }
  function showError(text) { error.textContent = text || ""; }
  function errorText(code) {
    var text = T["err_" + code] || T.err_invalid;
    return fmt(text, { max: MAX_CHARS });
  }

  function openPanel(keepFocus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    wantOpen = true;
    connect();
    if (keepFocus) { return; }  // reopened by itself after a page change: do not move focus
    var first = leaveForm.hidden ? textarea : leaveFields.name;
    first.focus();
  }
  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hidden) { openPanel(false); } else { closePanel(); } });
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closePanel(); }
  });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : submitMessage(); }
  });
  textarea.addEventListener("input", function () {
    var now = Date.now();
    if (session && now - lastTyping > 2000) { lastTyping = now; send({ kind: "typing" }); }
  });

  function send(data) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(data)); return true; }
    return false;
  }
  function connect() {
    if (socket && socket.readyState <= 1) { return; }
    socket = new WebSocket(wsUrl);
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data && typeof data.kind === "string" && handlers[data.kind]) { handlers[data.kind](data); }
    });
    socket.addEventListener("open", function () { retries = 0; });
    socket.addEventListener("close", function () {
      socket = null;
      if (ended || !wantOpen) { return; }
      status.textContent = T.disconnected;
      retries += 1;
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, retries)));
    });
  }

  function submitMessage() {
    showError("");
    var text = textarea.value.trim();
    if (!text) { showError(errorText("empty")); textarea.focus(); return; }
    if (text.length > MAX_CHARS) { showError(errorText("too_long")); textarea.focus(); return; }
    if (!session) {
      pendingFirst = text;
      send({ kind: "start", token: storedToken(), name: nameInput.value.trim(), lang: lang });
      return;
    }
    var id = "m" + nextId++;
    pending[id] = text;
    if (send({ kind: "message", id: id, text: text })) { textarea.value = ""; } else { delete pending[id]; showError(T.disconnected); }
  }
  var pendingFirst = "";
  form.addEventListener("submit", function (event) { event.preventDefault(); submitMessage(); });
  endButton.addEventListener("click", function () { send({ kind: "leave" }); });
  transcriptButton.addEventListener("click", function () {
    transcriptForm.hidden = !transcriptForm.hidden;
    if (!transcriptForm.hidden) { transcriptEmail.focus(); }
  });
  transcriptForm.addEventListener("submit", function (event) {
    event.preventDefault();
    send({ kind: "transcript", email: transcriptEmail.value.trim() });
  });
  leaveForm.addEventListener("submit", function (event) {
    event.preventDefault();
    showError("");
    var data = { kind: "leave_message" };
    Object.keys(leaveFields).forEach(function (name) { data[name] = leaveFields[name].value.trim(); });
    if (!data.text) { status.textContent = errorText("empty"); leaveFields.text.focus(); return; }
    if (!data.email && !data.phone) { status.textContent = errorText("need_reply_address"); leaveFields.email.focus(); return; }
    send(data);
  });

  function queueText(kind) {
    var texts = (hello && hello.texts) || {};
    return (texts[lang] || {})[kind] || "";
  }
  function showLeaveForm(reason) {
    status.textContent = (reason === "closed" && queueText("closed")) || T[reason] || T.closed;
    form.hidden = true;
    leaveForm.hidden = false;
  }
  function startedLayout() {
    session = true;
    nameBox.hidden = true;
    sendButton.textContent = T.send;
    endButton.hidden = false;
    transcriptButton.hidden = false;
  }

  var handlers = {
    hello: function (data) {
      hello = data;
      if (data.colour) { header.style.background = data.colour; launcher.style.background = data.colour; }
      var greeting = (data.greetings || {})[lang];
      if (greeting && !log.childNodes.length) { addLine("system", "", greeting); }
      var token = storedToken();
      if (token) { send({ kind: "start", token: token, lang: lang }); return; }
      if (data.availability !== "open") { showLeaveForm(data.availability); return; }
      status.textContent = T.title;
    },
    availability: function (data) {
      // The queue's hours or texts changed while the visitor looks at the widget.
      if (session) { return; }
      if (hello) { hello.texts = data.texts || {}; }
      if (data.availability !== "open") { showLeaveForm(data.availability); return; }
      leaveForm.hidden = true;
      form.hidden = false;
      status.textContent = T.title;
    },
    session: function (data) {
      storeToken(data.token);
      if (data.resumed && !session) {
        log.textContent = "";
        var greeting = hello && (hello.greetings || {})[lang];
        if (greeting) { addLine("system", "", greeting); }
        (data.history || []).forEach(function (line) {
          addLine(line.from, line.from === "visitor" ? T.you : line.name, line.text);
        });
      }
      startedLayout();
      if (data.state === "ended") { handlers.ended(); return; }
      if (pendingFirst) {
        var id = "m" + nextId++;
        pending[id] = pendingFirst;
        send({ kind: "message", id: id, text: pendingFirst });
        textarea.value = "";
        pendingFirst = "";
      }
    },
    queue: function (data) {
      var text = fmt(T.position, { position: data.position }) + " ";
      if (data.estimated_wait_seconds === null || data.estimated_wait_seconds === undefined) {
        text += T.wait_unknown;
      } else {
        text += fmt(T.wait, { minutes: Math.max(1, Math.round(data.estimated_wait_seconds / 60)) });
      }
      status.textContent = text;
    },
    accepted: function (data) {
      agentName = data.agent || T.someone;
      status.textContent = fmt(T.accepted, { agent: agentName });
    },
    ack: function (data) {
      if (pending[data.id] !== undefined) { addLine("visitor", T.you, pending[data.id]); delete pending[data.id]; }
    },
    message: function (data) {
      typing.textContent = "";
      addLine("agent", data.name || agentName || T.someone, data.text || "");
    },
    typing: function () {
      typing.textContent = fmt(T.typing, { agent: agentName || T.someone });
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing.textContent = ""; }, 4000);
    },
    ended: function () {
      ended = true;
      storeToken("");
      status.textContent = T.ended;
      textarea.disabled = true; sendButton.disabled = true; endButton.hidden = true;
      // The socket stays open so that the transcript can still be asked for.
    },
    left_message: function (data) {
      leaveForm.hidden = true;
      status.textContent = fmt(T.left, { "case": data["case"] });
      addLine("system", "", status.textContent);
      ended = true;
    },
    transcript_sent: function () { transcriptForm.hidden = true; status.textContent = T.transcript_sent; },
    error: function (data) {
      if (data.id && pending[data.id] !== undefined) {
        if (!textarea.value) { textarea.value = pending[data.id]; }
        delete pending[data.id];
      }
      if (data.code === "closed" || data.code === "nobody") {
        if (pendingFirst) { leaveFields.text.value = pendingFirst; pendingFirst = ""; }
        showLeaveForm(data.code);
        return;
      }
      if (!leaveForm.hidden) { status.textContent = errorText(data.code); return; }
      showError(errorText(data.code));
    },
    pong: function () {}
  };

  // Open by itself if this tab already has a chat going (a page change on the site).
  if (storedToken()) { openPanel(true); }
})();
