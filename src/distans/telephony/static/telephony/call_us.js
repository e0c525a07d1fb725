// The demo's "call us" page: a browser caller (JsSIP over WebRTC) rings a demo queue
// line through the built-in gateway. It does not register; it only places the call.
(function () {
  "use strict";
  var root = document.getElementById("call-us");
  if (!root || !window.JsSIP) { return; }
  var status = root.querySelector(".call-us-status");
  var callButton = root.querySelector("[data-call-us=call]");
  var hangupButton = root.querySelector("[data-call-us=hangup]");
  var keys = root.querySelectorAll("[data-call-us-key]");
  var audio = document.getElementById("call-us-audio");
  var session = null;

  function show(state) {
    root.dataset.state = state;
    var key = "text" + state.replace(/(^|-)([a-z])/g, function (_, __, c) { return c.toUpperCase(); });
    status.textContent = root.dataset[key] || state;
  }
  function setButtons() {
    var live = !!(session && !session.isEnded());
    callButton.disabled = live;
    hangupButton.disabled = !live;
    keys.forEach(function (k) { k.disabled = !live; });
  }
  function attach(pc) {
    pc.addEventListener("track", function (e) {
      if (e.streams && e.streams[0]) { audio.srcObject = e.streams[0]; }
    });
  }

  var ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(root.dataset.websocket)],
    uri: root.dataset.uri, register: false, session_timers: false
  });
  ua.start();
  show("idle");

  callButton.addEventListener("click", function () {
    if (session && !session.isEnded()) { return; }
    show("calling");
    try {
      session = ua.call(root.dataset.target, {
        mediaConstraints: { audio: true, video: false },
        rtcOfferConstraints: { offerToReceiveAudio: true }
      });
    } catch (err) {
      show("failed"); session = null; setButtons(); return;
    }
    track(session);
    setButtons();
  });

  function track(s) {
    if (s.connection) { attach(s.connection); }
    s.on("peerconnection", function (p) { attach(p.peerconnection); });
    // 180 Ringing while the call waits in the queue
    s.on("progress", function () { show("waiting"); });
    s.on("accepted", function () { show("in-call"); });
    s.on("ended", function () { if (session === s) { show("ended"); session = null; setButtons(); } });
    s.on("failed", function (e) {
      if (session !== s) { return; }
      var noMicrophone = e && e.cause === JsSIP.C.causes.USER_DENIED_MEDIA_ACCESS;
      show(noMicrophone ? "no-microphone" : (e && e.originator === "remote" ? "ended" : "failed"));
      session = null; setButtons();
    });
    // the agent put the call through (the gateway's REFER): call the new endpoint
    s.on("refer", function (e) {
      e.accept(function (next) {
        session = next; track(next); show("calling"); setButtons();
      }, { mediaConstraints: { audio: true, video: false } });
    });
  }
  hangupButton.addEventListener("click", function () { if (session) { session.terminate(); } });
  keys.forEach(function (k) {
    k.addEventListener("click", function () { if (session) { session.sendDTMF(k.dataset.callUsKey); } });
  });
})();
