// Dashboard and inbox: service details in a <dialog>, and times in the viewer's own zone.
(function () {
  "use strict";

  function localize(root) {
    var items = (root || document).querySelectorAll("time[data-local][datetime]");
    items.forEach(function (item) {
      var when = new Date(item.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      var today = new Date().toDateString() === when.toDateString();
      var options = today ? { hour: "2-digit", minute: "2-digit" }
        : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
      item.textContent = when.toLocaleString([], options);
      item.title = when.toString();
    });
  }

  function dialog() { return document.getElementById("service-dialog"); }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    localize(target);
    var box = dialog();
    if (target && target.id === "service-detail" && box && !box.open) { box.showModal(); }
  });

  document.addEventListener("click", function (event) {
    var box = dialog();
    if (box && event.target === box) { box.close(); }  // a click on the backdrop
  });

  document.addEventListener("DOMContentLoaded", function () { localize(document); });
})();
