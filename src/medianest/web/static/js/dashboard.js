// Dashboard: service details in a <dialog> (app.js writes the times), and live
// status changes: a service.status event carries its card, swapped in place (the board is only
// fetched again when the event has no card, e.g. a service appeared or went away).
(function () {
  "use strict";

  function dialog() { return document.getElementById("service-dialog"); }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    var box = dialog();
    if (target && target.id === "service-detail" && box && !box.open) { box.showModal(); }
  });

  function markQuickLinks(serviceId, status) {
    var links = document.querySelectorAll(".quick-link[data-service='" + serviceId + "']");
    links.forEach(function (link) {
      var down = status === "down";
      link.classList.toggle("is-down", down);
      var state = link.querySelector(".quick-link-state");
      if (down && !state) {
        state = document.createElement("span");
        state.className = "quick-link-state";
        state.textContent = "down";
        link.appendChild(state);
      } else if (!down && state) {
        state.remove();
      }
      if (down) { link.title = "Its service is down right now"; } else { link.removeAttribute("title"); }
    });
  }

  // True when the event's card replaced the one on the page.
  function swapCard(message) {
    var payload;
    try { payload = JSON.parse(message.data).data; } catch (e) { return false; }
    if (!payload || typeof payload.html !== "string" || typeof payload.id !== "number") { return false; }
    var card = document.querySelector(".service-card[data-service='" + payload.id + "']");
    if (!card) { return false; }
    var holder = document.createElement("template");
    holder.innerHTML = payload.html.trim();  // MediaNest's own escaped template, rendered once
    var fresh = holder.content.firstElementChild;
    if (!fresh || !fresh.classList.contains("service-card")) { return false; }
    card.replaceWith(fresh);
    if (window.htmx) { window.htmx.process(fresh); }
    if (window.MediaNest) { window.MediaNest.localize(fresh); }  // the one time formatter
    markQuickLinks(payload.id, payload.status);
    return true;
  }

  // The board asks before each request; a status change whose card is swapped needs none.
  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail || {};
    var trigger = detail.triggeringEvent;
    if (!trigger || trigger.type !== "sse:service.status" || !detail.elt || detail.elt.id !== "status-board") { return; }
    if (trigger.detail && swapCard(trigger.detail)) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var box = dialog();
    if (box && event.target === box) { box.close(); }  // a click on the backdrop
  });
})();
