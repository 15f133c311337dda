/* The reading progress of BIM model versions (projects/bim/bim.html and model.html).

   Each element with data-status-url (a version queued or being read) asks its `projects:bim-status` JSON every
   few seconds and updates its badge ([data-bim-state]), bar ([data-bim-bar]), percentage and step in place. When
   one has finished (read or failed) the page is reloaded, so the current model, the error and the buttons are the
   server's. Without this script the page shows the state it was rendered with (a reload shows the next one). */
(function () {
  "use strict";

  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-status-url]"));
  if (!rows.length) return;
  var DELAY = 2500, MAX_DELAY = 30000;
  var delay = DELAY;

  function show(row, s) {
    row.dataset.state = s.state;
    var badge = row.querySelector("[data-bim-state]");
    if (badge) badge.textContent = s.state_label;
    var bar = row.querySelector("[data-bim-bar]");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(s.progress));
      var fill = bar.firstElementChild;
      if (fill) fill.style.width = s.progress + "%";
    }
    var percent = row.querySelector("[data-bim-percent]");
    if (percent) percent.textContent = s.progress + "%";
    var stage = row.querySelector("[data-bim-stage]");
    if (stage) stage.textContent = s.stage || "";
  }

  function poll() {
    var pending = rows.filter(function (row) { return row.dataset.state === "queued" || row.dataset.state === "reading"; });
    if (!pending.length) return;
    Promise.all(pending.map(function (row) {
      return fetch(row.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (s) { show(row, s); return s.finished; });
    })).then(function (finished) {
      delay = DELAY;
      if (finished.some(Boolean)) { window.location.reload(); return; }
      window.setTimeout(poll, delay);
    }, function () {
      delay = Math.min(delay * 2, MAX_DELAY);  // the server is away or busy: ask less often
      window.setTimeout(poll, delay);
    });
  }

  window.setTimeout(poll, DELAY);
})();
