// Inline SVG charts in plain DOM calls: a horizontal bar chart and a line chart over months 1..12.
// Numbers given here are for geometry only; every label shown is the API's own text, formatted.

const SVG = "http://www.w3.org/2000/svg"; // the SVG namespace name (an identifier, not fetched)

function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function frame(width, height, label) {
  return el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label });
}

/**
 * Bars: [{key, label, colour, value (number, geometry), text (shown)}], one row each, scaled to the largest.
 */
export function barChart(container, bars, label) {
  const rowHeight = 30, labelWidth = 190, barWidth = 230, width = 560;
  const svg = frame(width, bars.length * rowHeight + 8, label);
  const largest = Math.max(0, ...bars.map((bar) => bar.value));
  bars.forEach((bar, index) => {
    const y = 4 + index * rowHeight;
    const length = largest > 0 ? Math.max(0, (bar.value / largest) * barWidth) : 0;
    const row = el("g", { class: "bar", "data-payer": bar.key });
    row.append(el("text", { x: 0, y: y + 16, class: "bar-label" }, bar.label));
    row.append(el("rect", { x: labelWidth, y: y + 3, width: length.toFixed(1), height: 18, fill: bar.colour,
                            "data-payer": bar.key }));
    row.append(el("text", { x: labelWidth + length + 6, y: y + 16, class: "bar-value", "data-payer": bar.key },
                  bar.text));
    row.append(el("title", {}, `${bar.label}: ${bar.text}`));
    svg.append(row);
  });
  container.replaceChildren(svg);
}

/**
 * Line over months 1..12 on a 0-100 % axis: points [{month, value (0..1, geometry), text (shown)}],
 * only the months that have data; a month without one leaves a gap in the axis, not a zero.
 */
export function monthLineChart(container, points, label, colour) {
  const width = 560, height = 230, left = 48, right = 18, top = 22, bottom = 34;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const x = (month) => left + ((month - 1) * plotWidth) / 11;
  const y = (value) => top + (1 - Math.min(1, Math.max(0, value))) * plotHeight;
  const svg = frame(width, height, label);
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid" }));
    svg.append(el("text", { x: left - 6, y: y(tick) + 4, class: "axis", "text-anchor": "end" },
                  `${tick * 100} %`));
  }
  for (let month = 1; month <= 12; month += 1) {
    svg.append(el("text", { x: x(month), y: height - bottom + 16, class: "axis", "text-anchor": "middle" },
                  String(month)));
  }
  svg.append(el("text", { x: left + plotWidth / 2, y: height - 2, class: "axis", "text-anchor": "middle" },
                "month"));
  const drawn = points.filter((point) => point.value !== null).sort((a, b) => a.month - b.month);
  if (drawn.length > 1) {
    svg.append(el("polyline", { points: drawn.map((p) => `${x(p.month)},${y(p.value)}`).join(" "),
                                fill: "none", stroke: colour, "stroke-width": 3, class: "ratio-line" }));
  }
  for (const point of drawn) {
    const dot = el("circle", { cx: x(point.month), cy: y(point.value), r: 5, fill: colour,
                               "data-month": point.month });
    dot.append(el("title", {}, `month ${point.month}: ${point.text}`));
    svg.append(dot);
    svg.append(el("text", { x: x(point.month), y: y(point.value) - 10, class: "point-label",
                            "text-anchor": "middle", "data-month": point.month }, point.text));
  }
  container.replaceChildren(svg);
}
