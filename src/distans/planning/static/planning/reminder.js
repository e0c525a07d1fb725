// Break reminders on the agent's desktop: the server publishes "break_due" to the
// person's group (planning.tasks.remind_breaks); live.js turns it into "live:break_due"
// on <body>. We show the server's (already translated) message in a role="alert"
// region at the top of <main>, with a button to dismiss it. No inline script/style.
(function () {
  "use strict";
  var region = null;

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
    button.addEventListener("click", function () { box.hidden = true; box.textContent = ""; });
    box.appendChild(text);
    box.appendChild(button);
    box.hidden = false;
  }

  document.body.addEventListener("live:break_due", function (event) {
    var detail = event.detail || {};
    var script = document.querySelector("script[data-dismiss-label]");
    var label = detail.dismiss || (script ? script.getAttribute("data-dismiss-label") : "OK");
    show(detail.message || "", label);
  });
})();
