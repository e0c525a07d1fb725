// The desk's browser softphone (JsSIP over WebSocket to the built-in gateway).
// It registers while the agent is not offline or on a break, rings with the offer,
// and answers, hangs up, mutes, holds and sends tones (DTMF). Texts come translated
// in the section's data-text-* attributes.
(function () {
  "use strict";
  var root = document.getElementById("softphone");
  if (!root || !window.JsSIP) { return; }
  var status = root.querySelector(".softphone-status");
  var quality = root.querySelector(".softphone-quality");
  var audio = document.getElementById("softphone-audio");
  var microphone = document.getElementById("softphone-microphone");
  var buttons = {};
  root.querySelectorAll("[data-softphone]").forEach(function (b) { buttons[b.dataset.softphone] = b; });
  var keys = root.querySelectorAll("[data-softphone-key]");
  var session = null;
  var statsTimer = null;

  function text(name, values) {
    var t = root.dataset["text" + name.charAt(0).toUpperCase() + name.slice(1).replace(/-(.)/g, function (m, c) { return c.toUpperCase(); })] || name;
    Object.keys(values || {}).forEach(function (k) { t = t.replace("%(" + k + ")s", values[k]); });
    return t;
  }
  function show(name, values) { status.textContent = text(name, values); root.dataset.state = name; }
  function callerOf(s) {
    var id = s.remote_identity;
    return (id && (id.display_name || (id.uri && id.uri.user))) || text("unknown");
  }
  function setButtons() {
    var ringing = session && session.direction === "incoming" && !session.isEstablished() && !session.isEnded();
    var talking = session && session.isEstablished() && !session.isEnded();
    buttons.answer.disabled = !ringing;
    buttons.hangup.disabled = !(ringing || talking);
    buttons.mute.disabled = buttons.hold.disabled = !talking;
    keys.forEach(function (k) { k.disabled = !talking; });
    if (!talking) {
      buttons.mute.setAttribute("aria-pressed", "false");
      buttons.hold.setAttribute("aria-pressed", "false");
    }
  }

  var ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(root.dataset.websocket)],
    uri: root.dataset.uri, authorization_user: root.dataset.user, password: root.dataset.password,
    display_name: root.dataset.name, register: false, session_timers: false, register_expires: 120
  });
  ua.on("connecting", function () { show("connecting"); });
  ua.on("disconnected", function () { show("offline"); });
  ua.on("registered", function () { if (!session) { show("registered"); } });
  ua.on("unregistered", function () { if (!session) { show("unregistered"); } });
  ua.on("registrationFailed", function () { show("failed"); });
  ua.on("newRTCSession", function (e) {
    if (e.originator !== "remote") { return; }
    if (session && !session.isEnded()) { e.session.terminate({ status_code: 486 }); return; }
    session = e.session;
    var caller = callerOf(session);
    show("ringing", { caller: caller });
    session.on("peerconnection", function (p) { attach(p.peerconnection); });
    session.on("accepted", function () { show("in-call", { caller: caller }); setButtons(); watchQuality(); });
    session.on("confirmed", setButtons);
    session.on("hold", function () { show("held"); buttons.hold.setAttribute("aria-pressed", "true"); });
    session.on("unhold", function () { show("in-call", { caller: caller }); buttons.hold.setAttribute("aria-pressed", "false"); });
    ["ended", "failed"].forEach(function (name) {
      session.on(name, function () {
        show("ended"); session = null; setButtons(); clearInterval(statsTimer); quality.textContent = "";
        window.setTimeout(function () { if (!session) { show(ua.isRegistered() ? "registered" : "unregistered"); } }, 3000);
      });
    });
    setButtons();
    document.dispatchEvent(new CustomEvent("softphone:ringing", { detail: { caller: caller } }));
  });

  function attach(pc) {
    pc.addEventListener("track", function (event) {
      if (event.streams && event.streams[0]) { audio.srcObject = event.streams[0]; }
    });
  }
  function watchQuality() {
    clearInterval(statsTimer);
    statsTimer = window.setInterval(function () {
      if (!session || !session.connection) { return; }
      session.connection.getStats().then(function (report) {
        report.forEach(function (s) {
          if (s.type === "inbound-rtp" && s.kind === "audio") {
            root.dataset.packetsReceived = s.packetsReceived || 0;
            root.dataset.audioLevel = s.audioLevel || 0;
            quality.textContent = text("quality", { lost: s.packetsLost || 0, jitter: Math.round((s.jitter || 0) * 1000) });
          }
          if (s.type === "outbound-rtp" && s.kind === "audio") { root.dataset.packetsSent = s.packetsSent || 0; }
        });
      });
    }, 1000);
  }
  function constraints() {
    return microphone.value ? { audio: { deviceId: { exact: microphone.value } }, video: false } : { audio: true, video: false };
  }

  buttons.answer.addEventListener("click", function () {
    if (!session) { return; }
    session.answer({ mediaConstraints: constraints() });
  });
  buttons.hangup.addEventListener("click", function () { if (session) { session.terminate(); } });
  buttons.mute.addEventListener("click", function () {
    if (!session) { return; }
    var muted = session.isMuted().audio;
    if (muted) { session.unmute({ audio: true }); } else { session.mute({ audio: true }); }
    buttons.mute.setAttribute("aria-pressed", muted ? "false" : "true");
  });
  buttons.hold.addEventListener("click", function () {
    if (!session) { return; }
    if (session.isOnHold().local) { session.unhold(); } else { session.hold(); }
  });
  keys.forEach(function (k) {
    k.addEventListener("click", function () { if (session) { session.sendDTMF(k.dataset.softphoneKey); } });
  });

  function listDevices() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) { return; }
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      devices.filter(function (d) { return d.kind === "audioinput" && d.deviceId; }).forEach(function (d, i) {
        if (microphone.querySelector('option[value="' + d.deviceId + '"]')) { return; }
        var option = document.createElement("option");
        option.value = d.deviceId; option.textContent = d.label || ("#" + (i + 1));
        microphone.appendChild(option);
      });
    });
  }

  // Register while the agent takes work: the desk's state fragment shows the presence.
  function takingCalls() {
    var p = document.querySelector(".desk-now .presence");
    return !!p && !p.classList.contains("presence-offline") && !p.classList.contains("presence-break");
  }
  function follow() {
    var want = takingCalls();
    if (want && !ua.isRegistered()) { ua.register(); }
    else if (!want && ua.isRegistered() && !session) { ua.unregister(); }
  }
  ua.start();
  show("connecting");
  listDevices();
  ua.on("connected", follow);
  document.body.addEventListener("htmx:afterSettle", follow);
  window.setInterval(follow, 5000);
  window.addEventListener("beforeunload", function () { try { ua.unregister({ all: false }); ua.stop(); } catch (e) { /* leaving */ } });
})();
