/* A project's live site page (supervision/templates/supervision/sites/live.html).

   - Charts: each <figure data-chart> is drawn with the self-hosted ECharts (static/vendor/echarts) from the JSON of
     `supervision:device-series` (its data-url, plus &range=24h|7d|30d|1y from the range buttons) when it scrolls
     into view: raw readings for 24 h, hourly or daily averages with their min–max band beyond; the rules' warning
     and alarm levels as dashed lines (markLine) — a time-of-day limit only during its hours, a cumulative value at
     ± its level — and a legend under the chart with each rule's label and source.
   - Live: an EventSource on the page's stream (data-stream-url). An "reading" event updates the device's card
     (value, level colour, last contact) and appends the point to its 24 h chart; an "alert" event puts a new or
     changed open alert into the open-alerts list (alarms first) with a highlight, or takes a cleared one out. What
     the page has already (a reading not newer than the one shown, an alert unchanged) is ignored: after a reconnect
     the stream repeats a few seconds. "stale" (back after more than an hour) reloads the page.

   For the browser tests: the root element's data-stream is "live" while the stream is open, data-readings and
   data-alerts count the events handled; a chart's figure gets data-state="drawn" (or "empty", "error"). */
(function () {
  "use strict";

  var root = document.querySelector("[data-site-live]");
  if (!root) return;
  var labelsNode = document.getElementById("site-live-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent || "{}") : {};
  var TZ = "Asia/Shanghai";  // the portal shows China Standard Time (see the page footer)
  var HOUR = 3600000, DAY = 24 * HOUR;
  var COLOURS = { warning: "#d68910", alarm: "#c0392b", value: "#0b4a8b", band: "rgba(11,74,139,0.16)" };
  var RANK = { "": 0, warning: 1, alarm: 2 };

  // ------------------------------------------------------------------------------------------- formatting
  var partsFormat = new Intl.DateTimeFormat("en-CA", {
    timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23"
  });

  function timeParts(ms) {
    var out = {};
    partsFormat.formatToParts(new Date(ms)).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  function formatTime(ms, kind) {
    var p = timeParts(ms);
    var hm = p.hour + ":" + p.minute;
    if (kind === "full") return p.year + "-" + p.month + "-" + p.day + " " + hm + ":" + p.second;
    if (kind === "short") return p.month + "-" + p.day + " " + hm;
    if (kind === "day") return p.month + "-" + p.day;
    if (kind === "month") return p.year + "-" + p.month;
    return hm;
  }

  function formatNumber(value) {
    if (value === null || value === undefined || isNaN(value)) return "—";
    return String(Number(Number(value).toFixed(2)));
  }

  function levelLabel(level) { return level ? (labels[level] || level) : ""; }

  function flash(el) {
    el.classList.remove("is-fresh");
    void el.offsetWidth;  // restart the animation
    el.classList.add("is-fresh");
    window.setTimeout(function () { el.classList.remove("is-fresh"); }, 4000);
  }

  function bump(name) { root.dataset[name] = String((+root.dataset[name] || 0) + 1); }

  // ----------------------------------------------------------------------------------------------- charts
  var charts = {};  // "device:metric" → chart state

  /* [min, max, interval] of a value axis holding lo…hi with a little room, on round ticks (1, 2, 2.5 or 5 × 10^n
     apart, about four of them), so that the axis labels line up with the threshold lines' values. */
  function niceExtent(lo, hi, nonNegative) {
    if (!isFinite(lo) || !isFinite(hi)) { lo = 0; hi = 1; }
    if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
    var pad = (hi - lo) * 0.06;
    lo -= pad; hi += pad;
    if (nonNegative && lo < 0) lo = 0;
    var rough = (hi - lo) / 4;
    var power = Math.pow(10, Math.floor(Math.log(rough) / Math.LN10));
    var step = [1, 2, 2.5, 5, 10].map(function (f) { return f * power; })
      .filter(function (s) { return s >= rough; })[0];
    var min = Math.floor(lo / step) * step, max = Math.ceil(hi / step) * step;
    return [Number(min.toPrecision(12)), Number(max.toPrecision(12)), step];
  }

  function Chart(figure) {
    this.figure = figure;
    this.key = figure.dataset.device + ":" + figure.dataset.metric;
    this.url = figure.dataset.url;
    this.canvas = figure.querySelector("[data-canvas]");
    this.status = figure.querySelector("[data-chart-status]");
    this.legend = figure.querySelector("[data-legend]");
    this.range = "24h";
    this.data = null;
    this.instance = null;
    this.pending = [];
    this.loaded = false;
    this.redrawQueued = false;
    this.requestId = 0;
    var self = this;
    figure.querySelectorAll("[data-range]").forEach(function (button) {
      button.addEventListener("click", function () { self.load(button.dataset.range); });
    });
  }

  Chart.prototype.say = function (text, state) {
    this.status.textContent = text || "";
    this.figure.dataset.state = state;
  };

  Chart.prototype.load = function (range) {
    var self = this;
    var id = ++this.requestId;
    this.loaded = true;
    this.figure.querySelectorAll("[data-range]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.range === range ? "true" : "false");
    });
    this.say(labels.loading, "loading");
    fetch(this.url + "&range=" + encodeURIComponent(range), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      if (id !== self.requestId) return;  // a later range was asked for meanwhile
      self.range = range;
      self.data = data;
      if (range === "24h") {
        var pending = self.pending;
        self.pending = [];
        pending.forEach(function (r) { self.append(r, true); });
      }
      self.draw();
      self.drawLegend();
      self.say(data.points.length ? "" : labels.no_data, data.points.length ? "drawn" : "empty");
    }).catch(function () {
      if (id === self.requestId) self.say(labels.error, "error");
    });
  };

  Chart.prototype.isRollup = function () { return this.data && this.data.resolution !== "raw"; };

  Chart.prototype.extent = function () {
    var lo = Infinity, hi = -Infinity, nonNegative = true;
    var rollup = this.isRollup();
    this.data.points.forEach(function (p) {
      var values = rollup ? [p[2], p[3]] : [p[1]];
      values.forEach(function (v) {
        if (v === null || v === undefined) return;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v < 0) nonNegative = false;
      });
    });
    this.data.lines.forEach(function (line) {
      var vs = line.symmetric ? [line.value, -line.value] : [line.value];
      vs.forEach(function (v) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v < 0) nonNegative = false;
      });
    });
    return niceExtent(lo, hi, nonNegative);
  };

  Chart.prototype.markLines = function () {
    var start = this.data.start_ms, end = this.data.end_ms;
    var items = [];
    this.data.lines.forEach(function (line) {
      var style = { color: COLOURS[line.level] || COLOURS.warning, type: "dashed", width: 1.2 };
      var values = line.symmetric ? [line.value, -line.value] : [line.value];
      values.forEach(function (v) {
        // the alarm's label above its line, the warning's below: two rules' lines at one value stay readable
        var label = { formatter: line.level_label + " " + formatNumber(v), color: style.color,
                      position: line.level === "alarm" ? "insideEndTop" : "insideEndBottom", fontSize: 11 };
        if (!line.periods) {
          items.push({ name: line.text, yAxis: v, lineStyle: style, label: label });
          return;
        }
        line.periods.forEach(function (span) {
          var from = Math.max(span[0], start), to = Math.min(span[1], end);
          if (to <= from) return;
          items.push([{ name: line.text, coord: [from, v], lineStyle: style, label: label }, { coord: [to, v] }]);
        });
      });
    });
    return { symbol: "none", animation: false, silent: false, data: items,
             tooltip: { formatter: function (p) { return escapeHtml(p.name); } } };
  };

  Chart.prototype.option = function () {
    var data = this.data, self = this, rollup = this.isRollup();
    var y = this.extent();
    var axisKind = this.range === "24h" ? "hm" : (this.range === "1y" ? "month" : "day");
    var series;
    if (rollup) {
      series = [
        { id: "low", type: "line", stack: "band", symbol: "none", silent: true, lineStyle: { opacity: 0 },
          data: data.points.map(function (p) { return [p[0], p[2]]; }) },
        { id: "band", type: "line", stack: "band", symbol: "none", silent: true, lineStyle: { opacity: 0 },
          areaStyle: { color: COLOURS.band },
          data: data.points.map(function (p) { return [p[0], p[3] - p[2]]; }) },
        { id: "value", type: "line", symbol: "none", lineStyle: { width: 1.5, color: COLOURS.value },
          itemStyle: { color: COLOURS.value }, data: data.points.map(function (p) { return [p[0], p[1]]; }),
          markLine: this.markLines() }
      ];
    } else {
      series = [{ id: "value", type: "line", showSymbol: false, symbolSize: 4, sampling: "lttb",
                  lineStyle: { width: 1.5, color: COLOURS.value }, itemStyle: { color: COLOURS.value },
                  data: data.points.slice(), markLine: this.markLines() }];
    }
    return {
      animation: false,
      grid: { left: 52, right: 18, top: 22, bottom: 26 },
      tooltip: {
        trigger: "axis", confine: true,
        formatter: function (params) {
          var list = Array.isArray(params) ? params : [params];
          var main = list.filter(function (p) { return p.seriesId === "value"; })[0];
          if (!main) return "";
          var point = self.data.points[main.dataIndex];
          if (!point) return "";
          var when = formatTime(point[0], rollup && self.data.resolution === "day" ? "day" : "short");
          if (rollup) {
            return escapeHtml(when) + "<br>" + escapeHtml(labels.average) + " " + formatNumber(point[1]) + " " +
              escapeHtml(data.unit) + "<br>" + escapeHtml(labels.minimum) + " " + formatNumber(point[2]) +
              " · " + escapeHtml(labels.maximum) + " " + formatNumber(point[3]);
          }
          return escapeHtml(when) + "<br>" + formatNumber(point[1]) + " " + escapeHtml(data.unit);
        }
      },
      xAxis: { type: "time", min: data.start_ms, max: data.end_ms,
               axisLabel: { hideOverlap: true, formatter: function (v) { return formatTime(v, axisKind); } } },
      yAxis: { type: "value", min: y[0], max: y[1], interval: y[2], axisLabel: { formatter: formatNumber } },
      series: series
    };
  };

  Chart.prototype.draw = function () {
    if (!window.echarts || !this.data) return;
    if (!this.instance) this.instance = window.echarts.init(this.canvas, null, { renderer: "canvas" });
    this.instance.setOption(this.option(), true);
  };

  Chart.prototype.drawLegend = function () {
    var legend = this.legend;
    while (legend.firstChild) legend.removeChild(legend.firstChild);
    var add = function (swatchClass, text, source) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch " + swatchClass;
      li.appendChild(swatch);
      var body = document.createElement("span");
      body.textContent = text;
      li.appendChild(body);
      if (source) {
        var src = document.createElement("span");
        src.className = "src";
        src.textContent = "· " + labels.source + ": " + source;
        li.appendChild(src);
      }
      legend.appendChild(li);
    };
    this.data.lines.forEach(function (line) { add(line.level, line.label + " — " + line.text, line.source); });
    this.data.notes.forEach(function (note) {
      add("note", note.label + " — " + note.text + " (" + labels.not_drawn + ")", note.source);
    });
  };

  /* A live reading of this chart's metric: appended to the 24 h chart when newer than its last point. */
  Chart.prototype.append = function (reading, quiet) {
    if (!this.data) {
      if (this.loaded) this.pending.push(reading);
      return;
    }
    if (this.range !== "24h") return;
    var points = this.data.points;
    var last = points.length ? points[points.length - 1][0] : -Infinity;
    if (reading.t <= last) return;  // had it already
    points.push([reading.t, reading.value]);
    var end = Math.max(this.data.end_ms, reading.t, Date.now());
    var start = end - DAY;
    while (points.length && points[0][0] < start) points.shift();
    this.data.start_ms = start;
    this.data.end_ms = end;
    if (!quiet) this.scheduleDraw();
  };

  Chart.prototype.scheduleDraw = function () {
    var self = this;
    if (this.redrawQueued) return;
    this.redrawQueued = true;
    window.setTimeout(function () {
      self.redrawQueued = false;
      self.draw();
      if (self.data.points.length) self.say("", "drawn");
    }, 250);
  };

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  root.querySelectorAll("[data-chart]").forEach(function (figure) {
    var chart = new Chart(figure);
    charts[chart.key] = chart;
  });

  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        var chart = charts[entry.target.dataset.device + ":" + entry.target.dataset.metric];
        if (chart && !chart.loaded) chart.load("24h");
      });
    }, { rootMargin: "200px" });
    Object.keys(charts).forEach(function (k) { observer.observe(charts[k].figure); });
  } else {
    Object.keys(charts).forEach(function (k) { charts[k].load("24h"); });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      Object.keys(charts).forEach(function (k) { if (charts[k].instance) charts[k].instance.resize(); });
    }, 150);
  });

  // ------------------------------------------------------------------------------------------------ cards
  function onReading(r) {
    bump("readings");
    var cell = root.querySelector('[data-value="' + r.device + ":" + r.metric + '"]');
    if (cell && r.t >= (+cell.dataset.t || 0)) {
      var changed = cell.dataset.t !== String(r.t);
      cell.dataset.t = String(r.t);
      cell.querySelector("[data-number]").textContent = formatNumber(r.value);
      cell.querySelector("[data-level]").textContent = levelLabel(r.level);
      cell.className = cell.className.replace(/\blevel-\w+/, "level-" + (r.level || "ok"));
      if (changed && r.level) flash(cell);
      var card = cell.closest("[data-device]");
      if (card) {
        var worst = "";
        card.querySelectorAll("[data-value]").forEach(function (v) {
          var m = /\blevel-(warning|alarm)\b/.exec(v.className);
          if (m && RANK[m[1]] > RANK[worst]) worst = m[1];
        });
        card.className = card.className.replace(/\blevel-\w+/, "level-" + (worst || "ok")).replace(/\s*\bis-silent\b/, "");
        var seen = card.querySelector("[data-last-seen]");
        if (seen) {
          var shown = Date.parse(seen.getAttribute("datetime") || "") || 0;
          if (r.t > shown) {
            seen.setAttribute("datetime", new Date(r.t).toISOString());
            seen.textContent = formatTime(r.t, "full");
          }
        }
        var silent = card.querySelector("[data-silent]");
        if (silent) silent.hidden = true;
      }
    }
    var chart = charts[r.device + ":" + r.metric];
    if (chart) chart.append(r, false);
  }

  // ----------------------------------------------------------------------------------------------- alerts
  var list = root.querySelector("[data-alert-list]");
  var emptyNote = root.querySelector("[data-alerts-empty]");
  var total = root.querySelector("[data-alert-total]");

  function refreshTotal() {
    var n = list ? list.querySelectorAll("[data-alert-id]").length : 0;
    if (total) total.textContent = String(n);
    if (emptyNote) emptyNote.hidden = n > 0;
  }

  function alertItem(a) {
    var li = document.createElement("li");
    li.dataset.alertId = String(a.id);
    li.setAttribute("data-testid", "site-alert");
    var level = document.createElement("span");
    level.setAttribute("data-alert-level", "");
    li.appendChild(level);
    li.appendChild(document.createTextNode(" "));
    var rule = document.createElement(a.url ? "a" : "b");
    if (a.url) rule.href = a.url;
    rule.setAttribute("data-alert-rule", "");
    li.appendChild(rule);
    li.appendChild(document.createTextNode(" · "));
    var device = document.createElement("span");
    device.setAttribute("data-alert-device", "");
    li.appendChild(device);
    li.appendChild(document.createTextNode(" "));
    var message = document.createElement("span");
    message.className = "site-alert-message";
    message.setAttribute("data-alert-message", "");
    li.appendChild(message);
    li.appendChild(document.createTextNode(" "));
    var meta = document.createElement("span");
    meta.className = "small muted";
    var since = document.createElement("time");
    since.setAttribute("datetime", a.opened_at);
    since.textContent = formatTime(Date.parse(a.opened_at), "short");
    var count = document.createElement("span");
    count.setAttribute("data-alert-count", "");
    meta.appendChild(document.createTextNode((labels.since || "") + " "));
    meta.appendChild(since);
    meta.appendChild(document.createTextNode(" · " + labels.count + " "));
    meta.appendChild(count);
    li.appendChild(meta);
    return li;
  }

  function fillAlert(li, a) {
    li.className = "site-alert level-" + a.level;
    li.dataset.level = a.level;
    var level = li.querySelector("[data-alert-level]");
    level.className = "tag " + (a.level === "alarm" ? "tag-red" : "tag-amber");
    level.textContent = a.level_label;
    li.querySelector("[data-alert-rule]").textContent = a.rule_label;
    li.querySelector("[data-alert-device]").textContent = a.device_name;
    li.querySelector("[data-alert-message]").textContent = a.message;
    li.querySelector("[data-alert-count]").textContent = String(a.count);
  }

  function place(li, level) {
    // alarms first; a new alert goes first within its level (the most recent first)
    if (level === "alarm") {
      list.insertBefore(li, list.firstChild);
      return;
    }
    var firstWarning = null;
    list.querySelectorAll("[data-alert-id]").forEach(function (item) {
      if (!firstWarning && item !== li && item.dataset.level !== "alarm") firstWarning = item;
    });
    list.insertBefore(li, firstWarning);
  }

  function onAlert(a) {
    bump("alerts");
    if (!list) return;
    var li = list.querySelector('[data-alert-id="' + a.id + '"]');
    if (a.state !== "open") {
      if (li) li.parentNode.removeChild(li);
      refreshTotal();
      return;
    }
    var shown = li ? [li.dataset.level, li.querySelector("[data-alert-message]").textContent,
                      li.querySelector("[data-alert-count]").textContent].join("|") : null;
    var now = [a.level, a.message, String(a.count)].join("|");
    if (shown === now) return;  // had it already
    var moved = !li || li.dataset.level !== a.level;
    if (!li) li = alertItem(a);
    fillAlert(li, a);
    if (moved) place(li, a.level);
    flash(li);
    refreshTotal();
  }

  // ----------------------------------------------------------------------------------------------- stream
  var status = root.querySelector("[data-stream-status]");
  var streamUrl = root.dataset.streamUrl;
  var reconnectTimer = null;

  function setState(state, text) {
    root.dataset.stream = state;
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  }

  function parse(event, handle) {
    try {
      handle(JSON.parse(event.data));
    } catch (error) {
      if (window.console) window.console.error(error);
    }
  }

  if (streamUrl && "EventSource" in window) {
    var source = new EventSource(streamUrl);
    source.addEventListener("open", function () {
      window.clearTimeout(reconnectTimer);
      setState("live", labels.live);
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        setState("closed", labels.closed);
        return;
      }
      // the server ends each stream after a minute and the browser reconnects at once: say so only if it lasts
      window.clearTimeout(reconnectTimer);
      reconnectTimer = window.setTimeout(function () {
        if (source.readyState !== EventSource.OPEN) setState("reconnecting", labels.reconnecting);
      }, 3000);
    });
    source.addEventListener("reading", function (e) { parse(e, onReading); });
    source.addEventListener("alert", function (e) { parse(e, onAlert); });
    source.addEventListener("stale", function () {
      source.close();
      window.location.reload();
    });
  }
})();
