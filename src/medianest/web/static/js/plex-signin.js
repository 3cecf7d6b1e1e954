// Sign in with Plex: create a PIN, open the Plex page in a popup (or go there if popups are
// blocked), and poll until Plex confirms. Messages are set with textContent only.
(function () {
  "use strict";

  function show(text, level) {
    var box = document.getElementById("plex-status");
    if (!box) { return; }
    box.hidden = false;
    box.className = "notice notice-" + (level || "info") + " inline";
    box.textContent = text;
  }

  // Navigates only to a page of this site, whatever the answer holds.
  function localTarget(value) {
    try {
      var target = new URL(value || "/", window.location.origin);
      if (target.origin === window.location.origin) { return target.pathname + target.search + target.hash; }
    } catch (e) { /* not a URL: fall through */ }
    return "/";
  }

  function poll(pinId, next, popup, closedPolls) {
    var url = "/auth/plex/pin/" + encodeURIComponent(pinId) + "?next=" + encodeURIComponent(next || "/");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        var body = res.body || {};
        if (body.status === "signed_in") {
          if (popup && !popup.closed) { popup.close(); }
          window.location.assign(localTarget(body.redirect));
          return;
        }
        if (body.status === "waiting") {
          // Plex's page closes itself after approving: give the approval two more polls to arrive.
          if (popup && popup.closed && (closedPolls = (closedPolls || 0) + 1) > 2) {
            show("The Plex window was closed before you approved MediaNest. Press “Sign in with Plex” to try again.", "warning");
            return;
          }
          if (body.message) { show(body.message, "info"); }
          setTimeout(function () { poll(pinId, next, popup, closedPolls); }, Math.max(1, body.retry_after || 1) * 1000);
          return;
        }
        if (popup && !popup.closed) { popup.close(); }
        var level = body.status === "pending" ? "info" : "error";
        var text = body.message || body.detail || "Sign-in did not finish. Please try again.";
        if (body.status === "pending") { text += " This page continues by itself once you are approved."; }
        show(text, level);
        if (body.status === "pending") { awaitApproval(next); }
      })
      .catch(function () {
        show("Lost contact with MediaNest; retrying…", "warning");
        setTimeout(function () { poll(pinId, next, popup); }, 3000);
      });
  }

  // Waiting for an admin's approval: this page moves on by itself once it is given.
  function awaitApproval(next) {
    var url = "/auth/waiting?next=" + encodeURIComponent(next || "/");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.status === "signed_in") { window.location.assign(localTarget(body.redirect)); return; }
        if (body.status === "pending") {
          setTimeout(function () { awaitApproval(next); }, Math.max(2, body.retry_after || 5) * 1000);
          return;
        }
        show(body.message || "Sign-in did not finish. Please try again.", "error");
      })
      .catch(function () { setTimeout(function () { awaitApproval(next); }, 10000); });
  }

  function start(event) {
    var link = event.currentTarget;
    event.preventDefault();
    var popup = window.open("", "plex-auth", "width=600,height=720");
    show("Opening Plex…", "info");
    fetch("/auth/plex/pin", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": link.getAttribute("data-csrf"), "Accept": "application/json" }
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) {
          if (popup) { popup.close(); }
          show(res.body.detail || "Plex sign-in is not available right now.", "error");
          return;
        }
        if (!popup || popup.closed) {
          // Popups blocked: the redirect flow, where Plex sends the browser back to us.
          window.location.assign("/auth/plex");
          return;
        }
        popup.location.href = res.body.auth_url;
        show("Approve MediaNest in the Plex window…", "info");
        poll(res.body.id, link.getAttribute("data-next"), popup);
      })
      .catch(function () {
        if (popup) { popup.close(); }
        show("Could not reach MediaNest. Check your connection and try again.", "error");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var link = document.getElementById("plex-signin");
    if (link) { link.addEventListener("click", start); }
    var waiting = document.querySelector("[data-pin]");
    if (waiting) { poll(waiting.getAttribute("data-pin"), "/", null); }
    if (document.querySelector("[data-awaiting-approval]")) { awaitApproval("/"); }
  });
})();
