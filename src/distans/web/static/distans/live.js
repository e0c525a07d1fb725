// Distans live updates: one websocket per page. Each server event becomes a DOM event
// "live:<kind>" on <body>; elements refresh themselves from their view with
// hx-trigger="live:<kind> from:body". After a reconnect, "live:reconnected" makes
// every live element re-fetch, so nothing missed while offline is lost.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live-url");
  if (!url) { return; }
  var status = document.getElementById("live-status");
  var socket = null;
  var retryMs = 500;
  var everConnected = false;
  var heartbeat = null;

  function setStatus(online) {
    if (!status) { return; }
    status.textContent = status.getAttribute(online ? "data-online" : "data-offline");
    status.classList.toggle("offline", !online);
  }

  function emit(kind, detail) {
    document.body.dispatchEvent(new CustomEvent("live:" + kind, { detail: detail, bubbles: true }));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + url);
    socket.onopen = function () {
      retryMs = 500;
      setStatus(true);
      if (everConnected) { emit("reconnected", {}); }
      everConnected = true;
      emit("connected", {});
      heartbeat = window.setInterval(function () {
        if (socket && socket.readyState === 1) { socket.send(JSON.stringify({ kind: "heartbeat" })); }
      }, 30000);
    };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event && event.kind) { emit(event.kind, event); }
    };
    socket.onclose = function (closed) {
      setStatus(false);
      if (closed && closed.code === 4401) {  // the login session ended (logout elsewhere)
        window.location.reload();
        return;
      }
      if (heartbeat) { window.clearInterval(heartbeat); heartbeat = null; }
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }
  // A button inside a live fragment may be replaced by a live refresh while its POST is
  // still in flight. htmx would then resolve the response's HX-Retarget from the
  // detached button (and fail: htmx:targetError) and fire its HX-Trigger events where
  // no listener on <body> hears them. For a detached element, do both here instead.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.addEventListener) { return; }
    elt.addEventListener("htmx:beforeOnLoad", function (load) {
      var xhr = load.detail && load.detail.xhr;
      if (elt.isConnected || !xhr) { return; }
      load.preventDefault();
      var retarget = xhr.getResponseHeader("HX-Retarget");
      var target = retarget ? document.querySelector(retarget) : null;
      if (target) { target.innerHTML = xhr.responseText; }
      var header = xhr.getResponseHeader("HX-Trigger");
      if (!header) { return; }
      var names = [];
      try { names = Object.keys(JSON.parse(header)); } catch (e) { names = header.split(","); }
      names.forEach(function (name) {
        document.body.dispatchEvent(new CustomEvent(name.trim(), { bubbles: true }));
      });
    }, { once: true });
  });
  window.DistansLive = { emit: emit, socket: function () { return socket; } };
  connect();
})();
