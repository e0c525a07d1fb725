// Browser notifications for announcements: when the "announcements to me" fragment
// (#announcements-mine) is swapped in with an item that is new to this page and is
// important or must be acknowledged (data-notify holds its translated title), and the
// person allowed notifications, the browser shows one. The first load only records
// what is there, so a reload does not notify again. No inline script.
(function () {
  "use strict";
  var known = null;

  function items(root) {
    return Array.prototype.slice.call(root.querySelectorAll("li[data-announcement]"));
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "announcements-mine") { return; }
    var list = items(target);
    if (known === null) {
      known = {};
      list.forEach(function (li) { known[li.dataset.announcement] = true; });
      return;
    }
    list.forEach(function (li) {
      var id = li.dataset.announcement;
      if (known[id]) { return; }
      known[id] = true;
      var title = li.dataset.notify;
      if (title && "Notification" in window && Notification.permission === "granted") {
        try { new Notification(title, { tag: "announcement-" + id }); } catch (e) { /* not allowed here */ }
      }
    });
  });
})();
