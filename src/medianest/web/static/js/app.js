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
  // Live updates: the browser's own reconnect sends Last-Event-ID; when htmx opens a new
  // EventSource instead, the id of the last event goes along as ?last_event_id= so the server
  // sends what was missed. "reload" means the page is out of date (or access changed).
  var lastEventId = "";

  function remember(event) {
    if (event && event.lastEventId) { lastEventId = event.lastEventId; }
  }

  function openEvents(url) {
    var target = url;
    if (lastEventId) {
      target += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastEventId);
    }
    var source = new EventSource(target, { withCredentials: true });
    var add = source.addEventListener.bind(source);
    var wrapped = new Map();
    source.addEventListener = function (type, listener, options) {
      var inner = function (event) { remember(event); listener.call(source, event); };
      wrapped.set(listener, inner);
      add(type, inner, options);
    };
    var remove = source.removeEventListener.bind(source);
    source.removeEventListener = function (type, listener, options) {
      remove(type, wrapped.get(listener) || listener, options);
    };
    add("hello", remember);
    add("reload", function (event) { remember(event); source.close(); window.location.reload(); });
    return source;
  }
  if (window.htmx) { window.htmx.createEventSource = openEvents; }

  document.body && document.body.addEventListener("htmx:sseOpen", function () { setLive("open"); });
  document.addEventListener("htmx:sseOpen", function () { setLive("open"); });
  document.addEventListener("htmx:sseError", function () { setLive("error"); });
  document.addEventListener("htmx:sseClose", function () { setLive("closed"); });
})();
