// The header bell: a toast for each notification that arrives while a page is open.
// htmx's SSE extension fires "sse:notification" on #bell (which then refreshes its count).
(function () {
  "use strict";
  var LEVELS = { success: "success", error: "error", warning: "error", info: "info" };

  document.addEventListener("sse:notification", function (event) {
    if (!event.target || event.target.id !== "bell" || !window.MediaNest) { return; }
    var message = event.detail && event.detail.data;
    var payload;
    try { payload = JSON.parse(message).data; } catch (e) { return; }
    if (!payload || typeof payload.title !== "string") { return; }
    window.MediaNest.toast(payload.title, LEVELS[payload.level] || "info");
  });
})();
