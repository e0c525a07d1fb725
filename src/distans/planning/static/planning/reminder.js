// Break reminders on the agent's desktop: the server publishes "break_due" to the
// person's group (planning.tasks.remind_breaks); live.js turns it into "live:break_due"
// on <body>. We show the server's (already translated) message in a role="alert"
// region at the top of <main>, with a button to dismiss it. No inline script/style.
//
// Never during a call: the server does not send while the agent has a phone or
// callback contact, but a call can begin between its check and the message's arrival
// (or right after the box is shown). While the desk shows a call's workspace
// (.workspace.ws-phone / .ws-callback) the reminder is held back, and shown once the
// call's workspace is gone.
(function () {
  "use strict";
  var region = null;
  var pending = null;  // {message, dismiss} held back while on a call

  function onCall() {
    return document.querySelector(".workspace.ws-phone, .workspace.ws-callback") !== null;
  }

  function ensureRegion() {
    if (region) { return region; }
    region = document.getElementById("planning-break-reminder");
    if (!region) {
      region = document.createElement("div");
      region.id = "planning-break-reminder";
      region.className = "break-reminder";
      region.hidden = true;
      var main = document.getElementById("main") || document.body;
      main.insertBefore(region, main.firstChild);
    }
    return region;
  }

  function hide() {
    var box = ensureRegion();
    box.hidden = true;
    box.textContent = "";
    box.removeAttribute("role");
  }

  function show(message, dismissLabel) {
    var box = ensureRegion();
    box.textContent = "";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = message;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = dismissLabel;
    button.addEventListener("click", function () { pending = null; hide(); });
    box.appendChild(text);
    box.appendChild(button);
    box.hidden = false;
  }

  function settle() {
    if (!pending) { return; }
    if (onCall()) {
      if (region && !region.hidden) { hide(); }  // a call began: wait until it ends
      return;
    }
    if (!region || region.hidden) { show(pending.message, pending.dismiss); }
  }

  document.body.addEventListener("live:break_due", function (event) {
    var detail = event.detail || {};
    var script = document.querySelector("script[data-dismiss-label]");
    var label = detail.dismiss || (script ? script.getAttribute("data-dismiss-label") : "OK");
    pending = {message: detail.message || "", dismiss: label};
    if (region && !region.hidden) { hide(); }
    settle();
  });
  // Workspaces come and go by htmx swaps; any change of the page re-checks.
  new MutationObserver(settle).observe(document.body, {childList: true, subtree: true});
})();
