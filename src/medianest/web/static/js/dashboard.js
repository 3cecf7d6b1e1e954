// Dashboard: service details in a <dialog> (app.js writes the times).
(function () {
  "use strict";

  function dialog() { return document.getElementById("service-dialog"); }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    var box = dialog();
    if (target && target.id === "service-detail" && box && !box.open) { box.showModal(); }
  });

  document.addEventListener("click", function (event) {
    var box = dialog();
    if (box && event.target === box) { box.close(); }  // a click on the backdrop
  });
})();
