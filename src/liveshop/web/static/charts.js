// Small SVG charts for the big screen and the wall: no library, nothing downloaded.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// A line (optionally filled) over points [{x, y}], x and y numbers; labels via fmtX / fmtY.
function lineChart(container, points, { fmtX = String, fmtY = String, color = "#ff2d55", fill = true, height = 180 } = {}) {
  const width = Math.max(container.clientWidth || 480, 240);
  const pad = { l: 56, r: 10, t: 10, b: 22 };
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", height, class: "line-chart" });
  container.replaceChildren(svg);
  if (!points.length) return;
  if (points.length === 1) points = [{ x: points[0].x - 60, y: 0 }, points[0]];  // the first minute: from nothing
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y1 = Math.max(...ys, 1);
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y) => height - pad.b - (y / y1) * (height - pad.t - pad.b);
  for (const f of [0, 0.5, 1]) {
    const y = sy(y1 * f);
    svg.append(svgEl("line", { x1: pad.l, x2: width - pad.r, y1: y, y2: y, class: "grid" }));
    const label = svgEl("text", { x: pad.l - 6, y: y + 4, "text-anchor": "end", class: "axis" });
    label.textContent = fmtY(y1 * f);
    svg.append(label);
  }
  for (const x of [x0, x1]) {
    const label = svgEl("text", { x: sx(x), y: height - 4, "text-anchor": x === x0 ? "start" : "end", class: "axis" });
    label.textContent = fmtX(x);
    svg.append(label);
  }
  const path = points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join("");
  if (fill) {
    svg.append(svgEl("path", { d: `${path}L${sx(points.at(-1).x)},${sy(0)}L${sx(points[0].x)},${sy(0)}Z`,
      fill: color, "fill-opacity": "0.18" }));
  }
  svg.append(svgEl("path", { d: path, fill: "none", stroke: color, "stroke-width": 2.5 }));
}

// A tiny line without axes (the wall's tiles).
function sparkline(container, values, color = "#ff2d55") {
  const width = 160, height = 36;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "sparkline" });
  container.replaceChildren(svg);
  if (values.length < 2) return;
  const top = Math.max(...values, 1);
  const d = values.map((v, i) => `${i ? "L" : "M"}${(i / (values.length - 1)) * width},${height - 2 - (v / top) * (height - 4)}`).join("");
  svg.append(svgEl("path", { d, fill: "none", stroke: color, "stroke-width": 2 }));
}

// Horizontal bars: rows [{label, value, text}] scaled to the largest value.
function bars(container, rows) {
  const top = Math.max(...rows.map((r) => r.value), 1);
  container.replaceChildren(...rows.map((r) => {
    const fill = el("span", { class: "bar-fill" });
    fill.style.width = `${(100 * r.value / top).toFixed(1)}%`;  // CSSOM: allowed by the page's CSP
    return el("div", { class: "bar-row" }, el("span", { class: "bar-label" }, r.label),
      el("span", { class: "bar" }, fill), el("span", { class: "bar-value" }, r.text ?? String(r.value)));
  }));
}

// Axis labels: short money (¥20.8k) so big amounts fit beside the chart.
function shortMoney(cents, currency) {
  const units = cents / 100;
  if (Math.abs(units) < 10000) return money(Math.round(cents), currency);
  const symbol = { CNY: "¥", USD: "$", EUR: "€" }[currency] || currency + " ";
  return `${symbol}${(units / 1000).toFixed(units < 100000 ? 1 : 0)}k`;
}

function pct(x) { return x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`; }
function clockTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
}
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return m ? `${m}:${String(s).padStart(2, "0")}` : `${s}${T.seconds_unit}`;
}
