/* The Gantt chart of a project's schedule, drawn with the self-hosted frappe-gantt (static/vendor/frappe-gantt)
   from the JSON of /api/v1/projects/<id>/gantt/. Read-only: tasks change through the forms of the task list.

   On top of the library's bars: the bar colour follows the task's status (complete, on track, late, critical,
   critical and late), a milestone is drawn as a diamond, and the baseline dates as a thin line under the bar.
   When everything is drawn the host element gets data-state="drawn" (the browser test waits for it). */
(function () {
  "use strict";

  var host = document.getElementById("gantt");
  if (!host) return;
  var status = document.querySelector("[data-testid=gantt-status]");
  var labels = JSON.parse(document.getElementById("gantt-labels").textContent || "{}");
  var SVG = "http://www.w3.org/2000/svg";
  var DAY = 86400000;

  function say(text, state) {
    status.textContent = text;
    host.dataset.state = state;
  }

  function escape(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function parseDate(text) {
    // "2025-03-01" as a local date, as the library reads its task dates.
    var p = text.split("-");
    return new Date(+p[0], +p[1] - 1, +p[2]);
  }

  function svg(name, attrs, parent) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    parent.appendChild(el);
    return el;
  }

  /* Pixels per millisecond of the current view, from the two bars that start furthest apart. */
  function scale(chart) {
    var bars = chart.bars.filter(function (b) { return b.task && b.task._start; });
    if (bars.length < 2) {
      var only = bars[0];
      return only ? only.width / Math.max(only.task._end - only.task._start, DAY) : 0;
    }
    bars.sort(function (a, b) { return a.task._start - b.task._start; });
    var first = bars[0], last = bars[bars.length - 1];
    var span = last.task._start - first.task._start;
    if (span <= 0) return first.width / Math.max(first.task._end - first.task._start, DAY);
    return (last.x - first.x) / span;
  }

  function decorate(chart) {
    var perMs = scale(chart);
    chart.bars.forEach(function (bar) {
      var info = bar.task.info;
      if (!info) return;
      var group = bar.bar_group;
      if (info.summary) bar.group.classList.add("is-summary");
      if (info.baseline_start && info.baseline_end && perMs > 0) {
        var bStart = parseDate(info.baseline_start), bEnd = new Date(parseDate(info.baseline_end).getTime() + DAY);
        var x = bar.x + (bStart - bar.task._start) * perMs;
        var width = Math.max((bEnd - bStart) * perMs, 2);
        svg("rect", { x: x, y: bar.y + bar.height + 2, width: width, height: 3, rx: 1.5,
                      class: "baseline-line", "data-testid": "gantt-baseline" }, group);
      }
      if (info.milestone) {
        bar.group.classList.add("is-milestone");
        var h = bar.height * 0.5, cx = bar.x + Math.min(bar.width, 12) / 2, cy = bar.y + bar.height / 2;
        svg("polygon", { points: [cx, cy - h, cx + h, cy, cx, cy + h, cx - h, cy].join(" "),
                         class: "milestone-diamond", "data-testid": "gantt-milestone" }, group);
      }
    });
    host.dataset.bars = String(chart.bars.length);
  }

  function popup(ctx) {
    var t = ctx.task.info, L = labels;
    ctx.set_title(escape(t.wbs + " " + t.name));
    ctx.set_subtitle(escape((t.milestone ? L.milestone + " · " : "") + (L[t.status] || "")));
    var lines = [
      L.planned + "：" + t.start + (t.milestone ? "" : " ～ " + t.end),
      L.actual + "：" + (t.actual_start || "—") + (t.milestone ? "" : " ～ " + (t.actual_finish || "…")) +
        " · " + t.progress + "%",
      L.baseline + "：" + (t.baseline_start ? t.baseline_start + " ～ " + t.baseline_end : L.not_in_baseline),
      L.forecast + "：" + t.forecast_finish + (t.variance_days == null ? "" :
        " · " + L.variance + " " + (t.variance_days > 0 ? "+" : "") + t.variance_days + " " + L.days),
      L.float + "：" + (t.total_float == null ? "—" : t.total_float + " " + L.days),
    ];
    if (t.responsible) lines.push(L.responsible + "：" + t.responsible);
    if (t.accountable) lines.push(L.accountable + "：" + t.accountable);
    ctx.set_details(lines.map(escape).join("<br>") + '<br><a href="' + escape(t.url) + '">' + escape(L.open) + "</a>");
  }

  /* Where the chart opens: a little before the earliest task that is not complete (the work going on now),
     or today when everything is done. */
  function focus(data) {
    var open = data.tasks.filter(function (t) { return t.status !== "complete" && !t.summary; });
    if (!open.length) return data.today;
    var first = open.map(function (t) { return t.start; }).sort()[0];
    var day = parseDate(first < data.today ? first : data.today);
    day.setDate(day.getDate() - 45);
    return day.getFullYear() + "-" + String(day.getMonth() + 1).padStart(2, "0") + "-" +
      String(day.getDate()).padStart(2, "0");
  }

  function draw(data) {
    if (!data.tasks.length) {
      say(labels.empty, "empty");
      return;
    }
    var tasks = data.tasks.map(function (t) {
      return { id: t.id, name: t.wbs + " " + t.name, start: t.start, end: t.end, progress: t.progress,
               dependencies: t.dependencies.join(","), custom_class: "gs-" + t.status, info: t };
    });
    var PortalGantt = class extends window.Gantt {
      render() {
        super.render();
        decorate(this);
      }
    };
    var lang = (host.dataset.lang || "zh").toLowerCase().indexOf("zh") === 0 ? "zh-CN" : "en";
    var modes = window.Gantt.VIEW_MODE;
    var chart = new PortalGantt(host, tasks, {
      // The first view mode is the initial one. A month is narrower than the library's default, so that a
      // five-year project fits a few screens.
      view_modes: [Object.assign({}, modes.MONTH, { column_width: 64 }), modes.WEEK, modes.DAY],
      language: lang, readonly: true, popup_on: "click", popup: popup, infinite_padding: false,
      scroll_to: focus(data), today_button: false, bar_height: 22, padding: 16, holidays: {},
      auto_move_label: false,
    });
    document.querySelectorAll(".gantt-modes [data-mode]").forEach(function (button) {
      button.addEventListener("click", function () {
        chart.change_view_mode(button.dataset.mode);
        document.querySelectorAll(".gantt-modes [data-mode]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
        host.dataset.mode = button.dataset.mode;
      });
    });
    host.dataset.mode = "Month";
    say(labels.drawn.replace("%(n)s", data.tasks.length), "drawn");
  }

  if (typeof window.Gantt !== "function") {
    say(labels.failed, "error");
    return;
  }
  fetch(host.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      say(labels.failed, "error");
      if (window.console) console.error(error);
    });
})();
