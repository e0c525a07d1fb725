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
    socket.onclose = function () {
      setStatus(false);
      if (heartbeat) { window.clearInterval(heartbeat); heartbeat = null; }
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }
  // A button inside a live fragment may be replaced by a live refresh while its POST is
  // still in flight. htmx then fires the response's HX-Trigger events on the detached
  // button, where no listener on <body> hears them; re-dispatch them on <body>.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.addEventListener) { return; }
    elt.addEventListener("htmx:afterRequest", function (after) {
      if (elt.isConnected) { return; }
      var header = after.detail && after.detail.xhr && after.detail.xhr.getResponseHeader("HX-Trigger");
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
