// Applies the theme before the page paints (no inline script: the CSP forbids it): the one the
// viewer chose with the toggle, else the system's preference.
(function () {
  var theme = null;
  try { theme = localStorage.getItem("medianest-theme"); } catch (e) { /* private mode */ }
  if (theme !== "light" && theme !== "dark") {
    var light = window.matchMedia && window.matchMedia("(prefers-color-scheme: light)").matches;
    theme = light ? "light" : "dark";
  }
  document.documentElement.setAttribute("data-theme", theme);
})();
