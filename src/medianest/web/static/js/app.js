// MediaNest page behaviour: theme toggle, live-connection indicator, toasts, times in the
// viewer's zone, menus that close with Escape, focus on the message a form answered with.
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

  // The one time formatter: relative when recent ("3 min ago"), else a local date and time;
  // the full local time on hover. The server's text (UTC) stays when JavaScript is off.
  var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat([], { numeric: "auto" }) : null;
  var STEPS = [[60, "second", 1], [3600, "minute", 60], [86400, "hour", 3600], [604800, "day", 86400]];

  function describe(when, now) {
    var seconds = (when.getTime() - now.getTime()) / 1000;
    var size = Math.abs(seconds);
    if (relative && size < 604800) {
      if (size < 45) { return seconds <= 0 ? "just now" : "in a moment"; }
      for (var i = 1; i < STEPS.length; i++) {
        if (size < STEPS[i][0]) { return relative.format(Math.round(seconds / STEPS[i][2]), STEPS[i][1]); }
      }
    }
    var sameYear = when.getFullYear() === now.getFullYear();
    var options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
    if (!sameYear) { options.year = "numeric"; }
    return when.toLocaleString([], options);
  }

  function localize(root) {
    var now = new Date();
    (root || document).querySelectorAll("time[data-local][datetime]").forEach(function (item) {
      var when = new Date(item.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      item.textContent = describe(when, now);
      item.title = when.toLocaleString([], { dateStyle: "full", timeStyle: "long" });
    });
    // Tooltips that start with a moment (the history bar's hours): the same local time.
    (root || document).querySelectorAll("[data-local-title]").forEach(function (item) {
      var when = new Date(item.getAttribute("data-local-title"));
      if (isNaN(when.getTime())) { return; }
      var moment = when.toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
      item.title = moment + ": " + (item.getAttribute("data-title-rest") || "");
    });
  }

  function focusAnswer() {
    var target = document.querySelector("[data-autofocus]");
    if (!target) { return; }
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  function copyButton(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = "Copied";
    }, function () { button.textContent = "Select and copy by hand"; });
  }

  function closeMenus(except) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.open = false; }
    });
  }

  window.MediaNest = { toast: toast, localize: localize };

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (button) { button.addEventListener("click", toggleTheme); }
    localize(document);
    focusAnswer();
  });
  document.addEventListener("htmx:afterSwap", function (event) { localize(event.detail && event.detail.target); });
  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("[data-copy]");
    if (copy) { copyButton(copy); }
    closeMenus(event.target.closest && event.target.closest("details.user-menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details.user-menu[open], details.row-confirm[open]");
    if (!open) { return; }
    open.open = false;
    var summary = open.querySelector("summary");
    if (summary) { summary.focus(); }
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

  document.addEventListener("htmx:sseOpen", function () { setLive("open"); });
  document.addEventListener("htmx:sseError", function () { setLive("error"); });
  document.addEventListener("htmx:sseClose", function () { setLive("closed"); });
})();
