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
    if (session.connection) { attach(session.connection); }
    session.on("peerconnection", function (p) { attach(p.peerconnection); });
    // 183 with the gateway's waiting media: greeting, place in line, music
    session.on("progress", function () { show("waiting"); });
    session.on("accepted", function () { show("in-call"); });
    session.on("ended", function () { show("ended"); session = null; setButtons(); });
    session.on("failed", function (e) {
      var noMicrophone = e && e.cause === JsSIP.C.causes.USER_DENIED_MEDIA_ACCESS;
      show(noMicrophone ? "no-microphone" : (e && e.originator === "remote" ? "ended" : "failed"));
      session = null; setButtons();
    });
    setButtons();
  });
  hangupButton.addEventListener("click", function () { if (session) { session.terminate(); } });
  keys.forEach(function (k) {
    k.addEventListener("click", function () { if (session) { session.sendDTMF(k.dataset.callUsKey); } });
  });
})();
