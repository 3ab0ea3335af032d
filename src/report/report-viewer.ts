/**
 * The browser side of report.html, as plain ES2019 text: it reads the embedded results
 * and draws tables and ECharts charts. Kept free of build steps so the report needs
 * nothing but the file itself. Charts get zoom (drag, wheel, slider), legends that
 * toggle series, tooltips, and a "save as image" button.
 */
export const REPORT_VIEWER_SCRIPT = `
(function () {
  "use strict";
  var results = JSON.parse(document.getElementById("xenlab-results").textContent);
  var main = document.getElementById("report");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined) return "-";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
    return String(v);
  }
  function table(columns, rows) {
    var wrap = el("div", { class: "scroll" });
    var t = el("table");
    var tr = el("tr");
    columns.forEach(function (c) { tr.appendChild(el("th", null, c)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (v) { row.appendChild(el("td", null, fmt(v))); });
      t.appendChild(row);
    });
    wrap.appendChild(t);
    return wrap;
  }
  function axisName(a) { return a.unit && a.unit !== "1" ? a.label + " (" + a.unit + ")" : a.label; }

  function option(c) {
    var base = {
      animation: false,
      tooltip: { trigger: c.kind === "gantt" ? "item" : "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 70, right: 30, top: 40, bottom: 70 },
      toolbox: { feature: { saveAsImage: {}, dataZoom: {}, restore: {} } },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      xAxis: { type: c.x.log ? "log" : "value", name: axisName(c.x), nameLocation: "middle", nameGap: 28, scale: true },
      yAxis: { type: c.y.log ? "log" : "value", name: axisName(c.y), nameLocation: "middle", nameGap: 50, scale: true }
    };
    if (c.kind === "bar") {
      base.xAxis = { type: "category", data: c.categories || [], name: axisName(c.x), nameLocation: "middle", nameGap: 28 };
      base.series = c.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.points.map(function (p) { return p[1]; }) };
      });
      return base;
    }
    if (c.kind === "gantt") {
      var lanes = c.categories || [];
      base.yAxis = { type: "category", data: lanes, inverse: true };
      base.series = c.series.map(function (s) {
        return {
          name: s.name, type: "custom", encode: { x: [0, 1], y: 2 },
          data: s.points,
          renderItem: function (params, api) {
            var start = api.coord([api.value(0), api.value(2)]);
            var end = api.coord([api.value(1), api.value(2)]);
            var h = api.size([0, 1])[1] * 0.7;
            return { type: "rect", shape: { x: start[0], y: start[1] - h / 2, width: Math.max(1, end[0] - start[0]), height: h },
              style: api.style() };
          }
        };
      });
      return base;
    }
    base.series = c.series.map(function (s) {
      return {
        name: s.name,
        type: c.kind === "scatter" ? "scatter" : "line",
        step: c.kind === "step" || c.kind === "cdf" ? "end" : false,
        showSymbol: c.kind === "scatter",
        symbolSize: 4,
        sampling: "lttb",
        data: s.points
      };
    });
    return base;
  }

  results.tables.forEach(function (t) {
    var s = el("section");
    s.appendChild(el("h2", null, t.title));
    s.appendChild(table(t.columns.map(function (c) { return c.unit && c.unit !== "1" ? c.name + " (" + c.unit + ")" : c.name; }), t.rows));
    main.appendChild(s);
  });
  results.charts.forEach(function (c) {
    var s = el("section");
    s.appendChild(el("h2", null, c.title));
    var div = el("div", { class: "chart", id: "chart-" + c.id });
    s.appendChild(div);
    if (c.note) s.appendChild(el("p", { class: "note" }, c.note));
    main.appendChild(s);
    var chart = echarts.init(div);
    chart.setOption(option(c));
    window.addEventListener("resize", function () { chart.resize(); });
  });
  if (results.notes.length) {
    var ns = el("section");
    ns.appendChild(el("h2", null, "Notes"));
    results.notes.forEach(function (n) { ns.appendChild(el("p", { class: "note" }, n)); });
    main.appendChild(ns);
  }
  var ms = el("section");
  ms.appendChild(el("h2", null, "All metrics"));
  ms.appendChild(table(["entity", "metric", "value", "unit", "95% CI ±", "expected"], results.metrics.map(function (m) {
    return [m.entity, m.name, m.value, m.unit, m.ci95, m.expected];
  })));
  main.appendChild(ms);
})();
`;
