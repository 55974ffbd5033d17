// Charts drawn by Apache ECharts (served by the ledger from the npm package, see docs/dashboard.md),
// canvas renderer, no animation. Numbers given here are for geometry only: every label shown is the
// API's own text, formatted (figures.js).

const charts = new Map();

function library() {
  if (!window.echarts) throw new Error("图表库 ECharts 未加载（运行 make install）");
  return window.echarts;
}

function draw(container, option) {
  let chart = charts.get(container);
  if (!chart) {
    chart = library().init(container, null, { renderer: "canvas" });
    charts.set(container, chart);
  }
  chart.setOption({ animation: false, textStyle: { fontFamily: "WenQuanYi Micro Hei, sans-serif" }, ...option },
                  { notMerge: true });
  container.dataset.rendered = "echarts";
}

export function clearChart(container) {
  const chart = charts.get(container);
  if (chart) chart.clear();
  delete container.dataset.rendered;
}

window.addEventListener("resize", () => { for (const chart of charts.values()) chart.resize(); });

const TOOLTIP = { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } };

/** Horizontal bars: [{label, colour, value (geometry), text (shown)}], one per row, in the given order. */
export function barChart(container, bars, title) {
  draw(container, {
    aria: { enabled: true, label: { description: title } },
    grid: { left: 8, right: 96, top: 8, bottom: 8, containLabel: true },
    tooltip: { ...TOOLTIP, formatter: (items) => items.map((i) => `${i.name}：${bars[i.dataIndex].text}`).join("\n") },
    xAxis: { type: "value", axisLabel: { show: false }, splitLine: { lineStyle: { color: "#e5e9ee" } } },
    yAxis: { type: "category", inverse: true, data: bars.map((b) => b.label), axisTick: { show: false },
             axisLabel: { color: "#1d2733", width: 110, overflow: "truncate" } },
    series: [{
      type: "bar", barMaxWidth: 18,
      data: bars.map((b) => ({ value: b.value, itemStyle: { color: b.colour } })),
      label: { show: true, position: "right", color: "#1d2733", formatter: (p) => bars[p.dataIndex].text },
    }],
  });
}

/** Lines over months 1..12: series [{name, colour, dashed, points: [{month, value|null, text}]}]. */
export function monthLines(container, series, title) {
  const months = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);
  draw(container, {
    aria: { enabled: true, label: { description: title } },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, data: series.map((s) => s.name) },
    tooltip: {
      ...TOOLTIP, axisPointer: { type: "line" },
      formatter: (items) => items.map((i) => `${i.seriesName} ${i.name}：${series[i.seriesIndex].points[i.dataIndex].text}`)
        .join("\n"),
    },
    xAxis: { type: "category", data: months, boundaryGap: false },
    yAxis: { type: "value", axisLabel: { formatter: (v) => (v >= 10000 ? `${v / 10000}万` : String(v)) } },
    series: series.map((s) => ({
      name: s.name, type: "line", connectNulls: false, symbolSize: 7,
      lineStyle: { color: s.colour, width: 3, type: s.dashed ? "dashed" : "solid" },
      itemStyle: { color: s.colour },
      data: s.points.map((p) => p.value),
    })),
  });
}
