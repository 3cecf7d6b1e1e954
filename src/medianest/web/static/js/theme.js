// Applies the saved theme before the page paints (no inline script: the CSP forbids it).
(function () {
  try {
    var saved = localStorage.getItem("medianest-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) { /* private mode: keep the default */ }
})();
