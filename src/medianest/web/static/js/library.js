// Library: keyboard navigation of the header search suggestions, and filter forms that apply
// themselves. Loaded on every page (the search box is in the top bar). No data is ever put in
// the page as HTML here: suggestions arrive as server-escaped HTML through htmx.
(function () {
  "use strict";

  function setupSearch(box) {
    var input = box.querySelector("input[type=search]");
    var list = box.querySelector("[role=listbox]");
    if (!input || !list) { return; }
    var active = -1;

    function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }

    function open(yes) {
      box.classList.toggle("open", yes);
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) { highlight(-1); }
    }

    function highlight(index) {
      var all = options();
      active = index;
      all.forEach(function (option, i) {
        if (!option.id) { option.id = "library-search-option-" + i; }
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        option.classList.toggle("active", i === index);
      });
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    list.addEventListener("htmx:afterSwap", function () {
      active = -1;
      highlight(-1);
      open(input.value.trim() !== "" && list.children.length > 0);
    });
    input.addEventListener("input", function () {
      if (input.value.trim() === "") { list.textContent = ""; open(false); }
    });
    input.addEventListener("focus", function () {
      if (input.value.trim() !== "" && list.children.length > 0) { open(true); }
    });
    input.addEventListener("keydown", function (event) {
      var all = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!all.length) { return; }
        event.preventDefault();
        open(true);
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next < 0) { next = all.length - 1; }
        if (next >= all.length) { next = 0; }
        highlight(next);
      } else if (event.key === "Enter") {
        if (active >= 0 && all[active] && box.classList.contains("open")) {
          event.preventDefault();
          window.location.assign(all[active].getAttribute("href"));
        }
      } else if (event.key === "Escape") {
        if (box.classList.contains("open")) {
          event.preventDefault();
          open(false);
        } else {
          input.value = "";
          list.textContent = "";
        }
      }
    });
    document.addEventListener("click", function (event) {
      if (!box.contains(event.target)) { open(false); }
    });
    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest && event.target.closest("[role=option]");
      if (option) { highlight(options().indexOf(option)); }
    });
  }

  function setupAutosubmit(form) {
    // Empty filters stay out of the address, so links read "?sort=year", not "?genre=&year=".
    form.addEventListener("submit", function () {
      form.querySelectorAll("select, input").forEach(function (field) {
        if (field.name && field.value === "") { field.disabled = true; }
      });
    });
    window.addEventListener("pageshow", function () {
      form.querySelectorAll("[disabled]").forEach(function (field) { field.disabled = false; });
    });
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-library-search]").forEach(setupSearch);
    document.querySelectorAll("form[data-autosubmit]").forEach(setupAutosubmit);
  });
})();
