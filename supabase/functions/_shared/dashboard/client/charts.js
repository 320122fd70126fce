/**
 * Stacked bar charts drawn as SVG with DOM calls: bars per time bucket, one colour per series,
 * a y axis in the chart's unit, and a legend. Each bar has a `<title>` (the browser's tooltip)
 * and the chart an `aria-label` summary. No chart library: the two charts need little, and this
 * keeps the page free of third-party code.
 *
 * @module
 */
import { h, svg } from "./dom.js";
import { formatDay, formatShortTime } from "./format.js";

/**
 * @typedef {{ name: string, values: number[] }} Series
 * @typedef {{ buckets: string[], series: Series[], format: (n: number) => string,
 *   label: string, classes?: string[], bucket?: "hour" | "day" }} ChartData
 */

const HEIGHT = 210;
const MARGIN = { top: 8, right: 8, bottom: 22, left: 64 };

/**
 * Draws (or redraws) a stacked bar chart into `container`, sized to its width.
 *
 * @param {HTMLElement} container
 * @param {ChartData} data
 * @example drawStackedBars(body, { buckets, series: [{ name: "gpt", values }], format: formatUsd, label: "Cost" })
 */
export function drawStackedBars(container, data) {
  const width = Math.max(container.clientWidth, 260);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = data.buckets.map((_, i) =>
    data.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)
  );
  const max = niceMax(Math.max(0, ...totals));
  const step = plotW / Math.max(data.buckets.length, 1);
  const barW = Math.max(1, step * 0.78);
  const y = (/** @type {number} */ v) => MARGIN.top + plotH - (max ? (v / max) * plotH : 0);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${HEIGHT}`,
    role: "img",
    "aria-label": `${data.label}: ${
      data.format(totals.reduce((a, b) => a + b, 0))
    } in total over ` +
      `${data.buckets.length} periods`,
  });
  for (const tick of [0, 0.5, 1]) {
    const v = max * tick;
    chart.append(
      svg("line", { class: "grid", x1: MARGIN.left, x2: width - MARGIN.right, y1: y(v), y2: y(v) }),
      svg(
        "text",
        { class: "axis", x: MARGIN.left - 6, y: y(v) + 3, "text-anchor": "end" },
        data.format(v),
      ),
    );
  }
  data.buckets.forEach((bucket, i) => {
    let base = 0;
    const x = MARGIN.left + i * step + (step - barW) / 2;
    data.series.forEach((series, s) => {
      const v = series.values[i] ?? 0;
      if (v <= 0) return;
      const top = y(base + v);
      chart.append(svg("rect", {
        x,
        y: top,
        width: barW,
        height: Math.max(0.5, y(base) - top),
        class: seriesClass(data, s),
      }, svg("title", {}, `${formatShortTime(bucket)} · ${series.name}: ${data.format(v)}`)));
      base += v;
    });
  });
  for (const i of labelIndexes(data.buckets.length, Math.floor(plotW / 90))) {
    chart.append(svg("text", {
      class: "axis",
      x: MARGIN.left + i * step + step / 2,
      y: HEIGHT - 6,
      "text-anchor": "middle",
    }, data.bucket === "day" ? formatDay(data.buckets[i]) : formatShortTime(data.buckets[i])));
  }
  const legend = h(
    "div",
    { class: "legend" },
    ...data.series.map((series, s) => h("span", { class: seriesClass(data, s) }, series.name)),
  );
  container.replaceChildren(chart, legend);
}

/**
 * The CSS class that colours a series (SVG presentation attributes cannot read CSS variables,
 * and the page's CSP allows no inline styles).
 *
 * @param {ChartData} data
 * @param {number} index
 */
function seriesClass(data, index) {
  return data.classes?.[index] ?? `series-${index % 7}`;
}

/** @param {number} max */
function niceMax(max) {
  if (max <= 0) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= max) return m * magnitude;
  return 10 * magnitude;
}

/**
 * @param {number} count
 * @param {number} room
 */
function labelIndexes(count, room) {
  if (count === 0) return [];
  const every = Math.max(1, Math.ceil(count / Math.max(room, 1)));
  const indexes = [];
  for (let i = 0; i < count; i += every) indexes.push(i);
  return indexes;
}

/**
 * The start of every bucket of a range, so empty periods still take their place.
 *
 * @param {{ from: string, to: string, bucket: "hour" | "day" }} range
 * @returns {string[]}
 */
export function bucketStarts(range) {
  const size = range.bucket === "hour" ? 3_600_000 : 86_400_000;
  const starts = [];
  for (
    let t = Date.parse(range.from);
    t < Date.parse(range.to) && starts.length < 1000;
    t += size
  ) {
    starts.push(new Date(t).toISOString());
  }
  return starts;
}
