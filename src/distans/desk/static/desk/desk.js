// Agent desktop behaviour (no inline scripts: CSP). Live fragments are htmx; this file
// adds the offer sound and notification, countdowns, canned answers and form resets.
(function () {
  "use strict";
  var desk = document.querySelector(".desk");
  if (!desk) { return; }
  var audio = null;

  function playSound() {
    try {
      if (!audio) { audio = new Audio(desk.getAttribute("data-sound")); }
      audio.currentTime = 0;
      var played = audio.play();
      if (played && played.catch) { played.catch(function () {}); }
    } catch (e) { /* no audio available */ }
  }

  function notify() {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    if (document.visibilityState === "visible" && document.hasFocus()) { return; }
    try {
      var n = new Notification(desk.getAttribute("data-notify-title"), {
        body: desk.getAttribute("data-notify-body"), tag: "distans-offer"
      });
      n.onclick = function () { window.focus(); n.close(); };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }

  document.body.addEventListener("live:offer", function () { playSound(); notify(); });

  // Ask for notifications politely: only when the agent presses the button.
  var askButton = document.getElementById("desk-notify");
  if (askButton && "Notification" in window && Notification.permission === "default") {
    askButton.hidden = false;
    askButton.addEventListener("click", function () {
      Notification.requestPermission().then(function () { askButton.hidden = true; });
    });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now();
    var items = document.querySelectorAll(".countdown[data-until]");
    for (var i = 0; i < items.length; i++) {
      var until = Date.parse(items[i].getAttribute("data-until"));
      if (isNaN(until)) { continue; }
      var left = Math.max(0, Math.round((until - now) / 1000));
      items[i].textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      items[i].classList.toggle("urgent", left <= 5);
    }
  }
  window.setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSettle", tick);

  document.body.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.classList || !select.classList.contains("canned")) { return; }
    var option = select.options[select.selectedIndex];
    var target = document.getElementById(select.getAttribute("data-target"));
    if (option && target && option.getAttribute("data-body")) {
      target.value = (target.value ? target.value + "\n\n" : "") + option.getAttribute("data-body");
      target.focus();
    }
    select.selectedIndex = 0;
  });

  document.body.addEventListener("keydown", function (event) {
    var area = event.target;
    if (event.key === "Enter" && !event.shiftKey && area.hasAttribute && area.hasAttribute("data-enter-sends")) {
      event.preventDefault();
      if (area.form && area.form.requestSubmit) { area.form.requestSubmit(); }
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-reset-on-success")) { return; }
    if (xhr && xhr.getResponseHeader("X-Desk-Ok") === "1") { form.reset(); }
  });
})();

// Topic suggestions that arrive while the agent works (notes saved, a message in) pick
// the wrap-up topic when the agent has not chosen one yet.
(function () {
  "use strict";
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var box = event.detail.elt;
    if (!box || !box.classList || !box.classList.contains("topic-suggestions")) { return; }
    var hint = box.querySelector("[data-top-topic]");
    if (!hint) { return; }
    var select = document.getElementById(hint.getAttribute("data-select"));
    if (select && select.tagName === "SELECT" && !select.value) {
      select.value = hint.getAttribute("data-top-topic");
    }
  });
})();
