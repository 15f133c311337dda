/* The Gantt chart of a project's schedule, drawn with the self-hosted frappe-gantt (static/vendor/frappe-gantt)
   from the JSON of /api/v1/projects/<id>/gantt/. Read-only: tasks change through the forms of the task list.

   On top of the library's bars: the bar colour follows the task's status (complete, on track, late, critical,
   critical and late), a milestone is drawn as a diamond, and the baseline dates as a thin line under the bar.

   Reading it (issue 9): the chart opens on today — or on the project's first day when today is outside the
   project's span — instead of a date where the top rows are empty; a task-name column beside the chart stays put
   while the chart scrolls sideways, one name per row, level with its bar; a bar's label sits inside the bar when
   it fits, else beside it on the side with room, shortened with "…" only when even that is too narrow (the whole
   name is the bar's tooltip); and the late tasks are listed above the chart: each one, or "next late task",
   scrolls the chart to its bar and highlights the row.

   When everything is drawn the host element gets data-state="drawn" and data-focus (the date it opened on); each
   drawing (a change of time scale too) increments data-renders once the labels are placed (the browser test
   waits for these). */
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

  /* The x of a date on the current scale, from the columns the library drew (exact in every view mode). */
  function xOf(chart, date) {
    var dates = chart.dates, width = chart.config.column_width;
    if (!dates.length || date <= dates[0]) return 0;
    for (var i = 0; i < dates.length - 1; i++) {
      if (date < dates[i + 1]) return (i + (date - dates[i]) / (dates[i + 1] - dates[i])) * width;
    }
    return (dates.length - 1) * width;
  }

  function dateAt(chart, x) {
    var dates = chart.dates, width = chart.config.column_width, i = Math.floor(x / width);
    if (i < 0) return dates[0];
    if (i >= dates.length - 1) return dates[dates.length - 1];
    return new Date(dates[i].getTime() + (dates[i + 1] - dates[i]) * (x / width - i));
  }

  function chartWidth(chart) {
    return chart.dates.length * chart.config.column_width;
  }

  /* Labels are never cut: inside the bar when the name fits, else beside the bar on the side with more room,
     and shortened with "…" only when even that side is too narrow. The full name is the bar's tooltip. */
  function placeLabels(chart) {
    var total = chartWidth(chart), PAD = 6;
    chart.bars.forEach(function (bar) {
      var label = bar.group.querySelector(".bar-label"), info = bar.task.info;
      if (!label || !info) return;
      var full = info.wbs + " " + info.name;
      label.textContent = full;
      label.removeAttribute("data-truncated");
      var title = bar.group.querySelector("title") || svg("title", {}, bar.group);
      title.textContent = full;
      var width = label.getComputedTextLength();
      var x = bar.$bar.getX(), w = info.milestone ? Math.min(bar.width, 12) + bar.height * 0.5 : bar.$bar.getWidth();
      if (!info.milestone && width + 2 * PAD <= w) {
        label.classList.remove("big", "label-left");
        label.setAttribute("x", x + w / 2);
        label.style.textAnchor = "middle";
        return;
      }
      var right = total - (x + w) - 2 * PAD, left = x - 2 * PAD, room;
      label.classList.add("big");
      if (right >= width || right >= left) {
        label.classList.remove("label-left");
        label.setAttribute("x", x + w + PAD);
        label.style.textAnchor = "start";
        room = right;
      } else {
        label.classList.add("label-left");
        label.setAttribute("x", x - PAD);
        label.style.textAnchor = "end";
        room = left;
      }
      if (width > room) shorten(label, full, Math.max(room, 0));
    });
  }

  function shorten(label, full, room) {
    label.textContent = full + "…";
    var ellipsis = label.getSubStringLength(full.length, 1), n = full.length;
    while (n > 0 && label.getSubStringLength(0, n) + ellipsis > room) n--;
    label.textContent = full.slice(0, n) + "…";
    label.setAttribute("data-truncated", "true");
  }

  /* Scroll the chart sideways so that `date` is `fraction` of the way across the visible part. */
  function scrollToDate(chart, date, fraction) {
    var box = chart.$container;
    box.scrollLeft = Math.max(0, xOf(chart, date) - box.clientWidth * fraction);
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

  /* Where the chart opens: today, when today is within the project's span; else its first day (a project not
     begun) or its last (a project past its planned finish: the unfinished, late work is at the end). */
  function focus(data) {
    var first = data.tasks.map(function (t) { return t.start; }).sort()[0];
    var last = data.tasks.map(function (t) { return t.end; }).sort().pop();
    if (data.today < first) return { date: first, fraction: 0.02 };
    if (data.today > last) return { date: last, fraction: 0.85 };
    return { date: data.today, fraction: 1 / 3 };
  }

  function isLate(t) {
    return t.status === "late" || t.status === "critical_late";
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
    var opening = focus(data).date, names = document.querySelector("[data-testid=gantt-names]");
    var focused = null, renders = 0;
    // Where the view goes after a drawing: the opening date, a date kept across a change of time scale.
    var target = { date: parseDate(opening), fraction: focus(data).fraction };
    var PortalGantt = class extends window.Gantt {
      render() {
        super.render();
        // No growing bars: the chart is read, not played; bars, labels and the jump targets are final at once.
        this.$svg.querySelectorAll("animate").forEach(function (a) { a.remove(); });
        decorate(this);
        var chart = this;
        // After the library's own label placement (it runs in the next animation frame too).
        requestAnimationFrame(function () {
          placeLabels(chart);
          if (focused) highlight(chart, focused);
          host.dataset.renders = String(++renders);
        });
      }

      set_scroll_position() {
        // The library scrolls smoothly to the first column; we go straight to the date we want.
        scrollToDate(this, target.date, target.fraction);
      }
    };
    var lang = (host.dataset.lang || "zh").toLowerCase().indexOf("zh") === 0 ? "zh-CN" : "en";
    var modes = window.Gantt.VIEW_MODE;
    var chart = new PortalGantt(host, tasks, {
      // The first view mode is the initial one. A month is narrower than the library's default, so that a
      // five-year project fits a few screens.
      view_modes: [Object.assign({}, modes.MONTH, { column_width: 64 }), modes.WEEK, modes.DAY],
      language: lang, readonly: true, popup_on: "click", popup: popup, infinite_padding: false,
      scroll_to: opening, today_button: false, bar_height: 22, padding: 16, holidays: {},
      auto_move_label: false,
    });
    drawNames(chart, data, names);
    var jump = function (id, reveal) {
      focused = id;
      var bar = chart.get_bar(id);
      var box = chart.$container;
      // The bar's start a little right of the left edge, or its end in view when the bar is wider than the view.
      box.scrollLeft = Math.max(0, Math.min(bar.$bar.getX() - 40, bar.$bar.getX() + bar.$bar.getWidth() - box.clientWidth * 0.8));
      highlight(chart, id);
      var row = names.querySelector('[data-id="' + id + '"]');
      if (row && reveal !== false) row.scrollIntoView({ block: "center", inline: "nearest" });
    };
    names.addEventListener("click", function (event) {
      var row = event.target.closest("[data-id]");
      if (row) jump(row.dataset.id, false);  // the row is where the user clicked: the page stays put
    });
    drawLate(data, jump);
    document.querySelectorAll(".gantt-modes [data-mode]").forEach(function (button) {
      button.addEventListener("click", function () {
        // Keep the date in the middle of the view in the middle across the change of scale.
        var box = chart.$container;
        target = { date: dateAt(chart, box.scrollLeft + box.clientWidth / 2), fraction: 0.5 };
        chart.change_view_mode(button.dataset.mode);
        document.querySelectorAll(".gantt-modes [data-mode]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
        host.dataset.mode = button.dataset.mode;
      });
    });
    host.dataset.mode = "Month";
    host.dataset.focus = opening;
    say(labels.drawn.replace("%(n)s", data.tasks.length), "drawn");
  }

  /* The task-name column: one row per task, level with its bar (the chart's header height and row pitch). */
  function drawNames(chart, data, names) {
    var pitch = chart.options.bar_height + chart.options.padding;
    names.style.setProperty("--gantt-head", chart.config.header_height + "px");
    names.style.setProperty("--gantt-row", pitch + "px");
    var rows = names.querySelector(".gantt-names-rows");
    rows.innerHTML = data.tasks.map(function (t) {
      var full = t.wbs + " " + t.name;
      return '<button type="button" class="gantt-name' + (t.summary ? " is-summary" : "") + '" data-testid="gantt-name"' +
        ' data-id="' + escape(t.id) + '" data-status="' + escape(t.status) + '" title="' + escape(full + " — " + labels.show_bar) +
        '" style="padding-left:' + (0.5 + 0.9 * Math.min(t.level || 0, 5)) + 'rem">' +
        '<span class="key st-' + escape(t.status) + '" aria-hidden="true"></span>' +
        '<span class="wbs">' + escape(t.wbs) + "</span> " + '<span class="nm">' + (t.milestone ? "◆ " : "") +
        escape(t.name) + "</span></button>";
    }).join("");
    names.hidden = false;
  }

  /* The late tasks, in start order, above the chart: each one (or "next") jumps to its bar. */
  function drawLate(data, jump) {
    var box = document.querySelector("[data-testid=gantt-late]");
    var late = data.tasks.filter(isLate).sort(function (a, b) { return a.start < b.start ? -1 : a.start > b.start ? 1 : 0; });
    if (!late.length) return;
    box.querySelector("[data-testid=gantt-late-count]").textContent = labels.late_count.replace("%(n)s", late.length);
    box.querySelector("ol").innerHTML = late.map(function (t) {
      return '<li><button type="button" class="gantt-late-item st-' + escape(t.status) + '" data-testid="gantt-late-item"' +
        ' data-id="' + escape(t.id) + '"><span class="key st-' + escape(t.status) + '" aria-hidden="true"></span>' +
        escape(t.wbs + " " + t.name) + " <small>" + escape(t.start) + (t.milestone ? "" : " ～ " + t.end) + "</small></button></li>";
    }).join("");
    var next = 0;
    box.addEventListener("click", function (event) {
      var item = event.target.closest("[data-testid=gantt-late-item]");
      if (item) {
        next = (late.findIndex(function (t) { return t.id === item.dataset.id; }) + 1) % late.length;
        jump(item.dataset.id);
      } else if (event.target.closest("[data-testid=gantt-late-next]")) {
        var id = late[next].id;
        next = (next + 1) % late.length;
        jump(id);
      }
    });
    box.hidden = false;
  }

  /* The row of task `id` highlighted: its bar, its name and a band across the chart. */
  function highlight(chart, id) {
    chart.$svg.querySelectorAll(".bar-wrapper.is-focused").forEach(function (g) { g.classList.remove("is-focused"); });
    chart.$svg.querySelectorAll(".row-focus").forEach(function (r) { r.remove(); });
    document.querySelectorAll(".gantt-name.is-focused, .gantt-late-item.is-focused").forEach(function (b) {
      b.classList.remove("is-focused");
      b.removeAttribute("aria-current");
    });
    var bar = chart.get_bar(id);
    if (!bar) return;
    bar.group.classList.add("is-focused");
    var pitch = chart.options.bar_height + chart.options.padding;
    svg("rect", { x: 0, y: chart.config.header_height + bar.task._index * pitch, width: chartWidth(chart), height: pitch,
                  class: "row-focus" }, chart.layers.grid);
    document.querySelectorAll('.gantt-name[data-id="' + id + '"], .gantt-late-item[data-id="' + id + '"]').forEach(function (b) {
      b.classList.add("is-focused");
      b.setAttribute("aria-current", "true");
    });
    host.dataset.focused = id;
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
