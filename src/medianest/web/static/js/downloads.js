// YouTube downloads page: live progress from the page's SSE stream (htmx's sse extension fires
// "sse:download.*" on #dl-jobs). Numbers are written with textContent; whole cards are
// re-rendered by the server (htmx.ajax) when a job changes state or appears.
(function () {
  "use strict";

  function fmtBytes(value) {
    if (value === null || value === undefined) { return "?"; }
    var units = ["B", "KB", "MB", "GB"];
    var size = Number(value);
    var unit = 0;
    while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit += 1; }
    return unit === 0 ? Math.round(size) + " B" : size.toFixed(1) + " " + units[unit];
  }

  function fmtEta(seconds) {
    if (seconds === null || seconds === undefined) { return ""; }
    var s = Math.max(0, Math.round(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
  }

  function payloadOf(event) {
    try { return JSON.parse(event.detail.data).data; } catch (e) { return null; }
  }

  function setText(root, field, text) {
    var node = root && root.querySelector('[data-field="' + field + '"]');
    if (node) { node.textContent = text; }
    return node;
  }

  function summaryText(t) {
    var parts = [t.done + " of " + t.count + " done"];
    if (t.failed) { parts.push(t.failed + " failed"); }
    parts.push(fmtBytes(t.bytes_done));
    if (t.speed) { parts.push(fmtBytes(t.speed) + "/s"); }
    if (t.eta !== null && t.eta !== undefined) { parts.push(fmtEta(t.eta) + " left"); }
    return parts.join(" · ");
  }

  function itemText(item) {
    var parts = [fmtBytes(item.bytes_done) + (item.bytes_total ? " of " + fmtBytes(item.bytes_total) : "")];
    if (item.speed) { parts.push(fmtBytes(item.speed) + "/s"); }
    if (item.eta !== null && item.eta !== undefined) { parts.push(fmtEta(item.eta)); }
    return parts.join(" · ");
  }

  function onProgress(data) {
    var card = document.getElementById("dl-job-" + data.id);
    if (!card || !data.totals) { return; }
    var overall = card.querySelector('[data-field="overall"]');
    if (overall) { overall.value = data.totals.percent; overall.textContent = data.totals.percent + "%"; }
    setText(card, "summary", summaryText(data.totals));
    var item = data.item;
    // A video is moving: the job is downloading even if its own state event has not come yet.
    if (item && item.state === "downloading" && card.getAttribute("data-state") === "queued") {
      card.setAttribute("data-state", "downloading");
      var badge = setText(card, "state", "Downloading");
      if (badge) { badge.className = "badge dl-state dl-state-downloading"; }
      var wait = card.querySelector(".dl-wait");
      if (wait) { wait.remove(); }
    }
    var row = item && document.getElementById("dl-item-" + item.id);
    if (!row) { return; }
    row.setAttribute("data-state", item.state);
    var bar = row.querySelector('[data-field="bar"]');
    if (bar && item.percent !== null && item.percent !== undefined) { bar.value = item.percent; }
    setText(row, "detail", itemText(item));
  }

  function refreshCard(list, data) {
    var id = "dl-job-" + data.id;
    var card = document.getElementById(id);
    if (!card) {
      var mine = String(data.user_id) === list.getAttribute("data-viewer");
      if (list.getAttribute("data-scope") !== "all" && !mine) { return; }
      card = document.createElement("article");
      card.id = id;
      card.className = "dl-job dl-job-loading";
      list.insertBefore(card, list.firstChild);
      var empty = list.querySelector(".dl-empty");
      if (empty) { empty.hidden = true; }
    }
    if (window.htmx) {
      window.htmx.ajax("GET", "/downloads/" + encodeURIComponent(data.id) + "/card", { target: "#" + id, swap: "outerHTML" });
    }
  }

  function onDeleted(data) {
    var card = document.getElementById("dl-job-" + data.id);
    if (card) { card.remove(); }
  }

  document.addEventListener("sse:download.progress", function (event) {
    var data = payloadOf(event);
    if (data) { onProgress(data); }
  });
  document.addEventListener("sse:download.job", function (event) {
    var list = document.getElementById("dl-jobs");
    var data = payloadOf(event);
    if (list && data) { refreshCard(list, data); }
  });
  document.addEventListener("sse:download.deleted", function (event) {
    var data = payloadOf(event);
    if (data) { onDeleted(data); }
  });
})();
