// Requests pages: the confirmation dialog, the season picker, and "are you sure" on withdraw.
// Everything shown comes from server-rendered fragments (HTMX); this file only moves focus and
// opens or closes things. Live list updates need no code here (hx-trigger="sse:request.updated").
(function () {
  "use strict";

  function dialog() { return document.getElementById("request-dialog"); }

  function openDialog() {
    var box = dialog();
    if (!box) { return; }
    if (!box.open) { box.showModal(); }
    var focus = box.querySelector("[autofocus], button[type=submit], input, button");
    if (focus) { focus.focus(); }
  }

  function closeDialog() {
    var box = dialog();
    if (box && box.open) { box.close(); }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "request-dialog-body") { openDialog(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.closest("[data-close-dialog]")) { closeDialog(); return; }
    var box = dialog();
    if (box && target === box) { closeDialog(); }  // a click on the backdrop
  });

  // Season picker: ticking a season means "only these"; choosing "all" clears the ticks.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement)) { return; }
    var form = input.closest(".rq-form");
    if (!form) { return; }
    if (input.name === "season" && input.checked) {
      var some = form.querySelector("input[name=seasons_mode][value=some]");
      if (some) { some.checked = true; }
    } else if (input.name === "seasons_mode" && input.value === "all") {
      form.querySelectorAll("input[name=season]").forEach(function (box) { box.checked = false; });
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
