// MediaNest page behaviour: theme toggle, live-connection indicator, toasts.
(function () {
  "use strict";

  function toggleTheme() {
    var root = document.documentElement;
    var next = root.getAttribute("data-theme") === "light" ? "dark" : "light";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("medianest-theme", next); } catch (e) { /* ignore */ }
  }

  function setLive(state) {
    var dot = document.getElementById("live-indicator");
    if (dot) { dot.setAttribute("data-state", state); }
  }

  function toast(text, level) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "toast toast-" + (level || "info");
    item.textContent = text;  // textContent: never interpret text from the server as HTML
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }
  window.MediaNest = { toast: toast };

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (button) { button.addEventListener("click", toggleTheme); }
  });
  document.body && document.body.addEventListener("htmx:sseOpen", function () { setLive("open"); });
  document.addEventListener("htmx:sseOpen", function () { setLive("open"); });
  document.addEventListener("htmx:sseError", function () { setLive("error"); });
  document.addEventListener("htmx:sseClose", function () { setLive("closed"); });
})();
