// Distans menu groups: <details data-nav-group> work without this script; it only adds
// what a menu is expected to do: one group open at a time, Escape closes (focus back on
// the group's button), a click outside or Tab past the last link closes.
(function () {
  "use strict";
  var groups = Array.prototype.slice.call(document.querySelectorAll("details[data-nav-group]"));
  if (!groups.length) { return; }

  function close(group, refocus) {
    if (!group.open) { return; }
    group.open = false;
    if (refocus) { group.querySelector("summary").focus(); }
  }

  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (!group.open) { return; }
      groups.forEach(function (other) { if (other !== group) { close(other, false); } });
    });
    group.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !group.contains(event.relatedTarget)) { close(group, false); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    groups.forEach(function (group) { close(group, group.contains(document.activeElement)); });
  });

  document.addEventListener("click", function (event) {
    groups.forEach(function (group) { if (!group.contains(event.target)) { close(group, false); } });
  });
})();
