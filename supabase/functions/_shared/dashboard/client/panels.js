/**
 * The panels that read the rollups: totals, the two charts and the top lists. Each panel owns
 * its loading state (`aria-busy`, a placeholder of the same size) and its error state (the
 * message and a Retry button), so one failing read never blanks the page.
 *
 * @module
 */
import { ApiError } from "./api.js";
import { bucketStarts, drawStackedBars } from "./charts.js";
import { h, replace } from "./dom.js";
import { formatCount, formatMs, formatPercent, formatUsd } from "./format.js";

/**
 * @typedef {(path: string, params?: Record<string, string | undefined>) => Promise<any>} Get
 * @typedef {{ section: HTMLElement, body: HTMLElement, refresh: () => Promise<void> }} Panel
 */

/**
 * Wires a panel: `load` fetches, `render` draws into the panel's `.body`. A newer refresh
 * supersedes an older one still in flight.
 *
 * @param {HTMLElement} section
 * @param {() => Promise<any>} load
 * @param {(body: HTMLElement, data: any) => void} render
 * @param {(error: unknown) => boolean} [handled] true when the error was dealt with elsewhere
 * @returns {Panel}
 */
export function createPanel(section, load, render, handled = () => false) {
  const body = /** @type {HTMLElement} */ (section.querySelector(".body"));
  let generation = 0;
  const refresh = async () => {
    const mine = ++generation;
    section.setAttribute("aria-busy", "true");
    try {
      const data = await load();
      if (mine !== generation) return;
      render(body, data);
      section.dataset.state = "ready";
    } catch (error) {
      if (mine !== generation || handled(error)) return;
      const retry = h("button", { type: "button" }, "Retry");
      retry.addEventListener("click", () => refresh());
      const message = error instanceof ApiError ? error.message : "Something went wrong";
      replace(body, h("p", { class: "panel-error", role: "alert" }, message, " ", retry));
      section.dataset.state = "error";
    } finally {
      if (mine === generation) section.removeAttribute("aria-busy");
    }
  };
  return { section, body, refresh };
}

/**
 * One figure of the totals panel. `data-stat` and `data-value` (the exact value) let tests and
 * scripts read the figures without parsing formatted text.
 *
 * @param {string} stat
 * @param {string} label
 * @param {string | number | null} value
 * @param {string} shown
 * @param {string} [sub]
 */
function stat(stat, label, value, shown, sub = "") {
  return h(
    "div",
    { class: "stat", "data-stat": stat, "data-value": value === null ? "" : String(value) },
    h("span", { class: "label" }, label),
    h("span", { class: "value" }, shown),
    h("span", { class: "sub" }, sub),
  );
}

/**
 * Draws the totals.
 *
 * @param {HTMLElement} body
 * @param {{ totals: any }} data
 */
export function renderTotals(body, { totals: t }) {
  const errorRate = t.calls ? t.failed / t.calls : null;
  replace(
    body,
    stat(
      "cost",
      "Cost",
      t.costUsd,
      formatUsd(t.costUsd),
      t.costUnknownCalls
        ? `${formatCount(t.costUnknownCalls)} ${
          t.costUnknownCalls === 1 ? "call" : "calls"
        } of unknown cost`
        : "USD",
    ),
    stat(
      "calls",
      "Calls",
      t.calls,
      formatCount(t.calls),
      `${formatCount(t.failed)} failed · ${formatCount(t.cancelled)} cancelled`,
    ),
    stat("error-rate", "Error rate", errorRate, formatPercent(errorRate), "failed / calls"),
    stat(
      "tokens",
      "Tokens",
      t.totalTokens,
      formatCount(t.totalTokens),
      `${formatCount(t.promptTokens)} in · ${formatCount(t.completionTokens)} out`,
    ),
    stat(
      "cached-tokens",
      "Cached · reasoning",
      t.cachedTokens,
      formatCount(t.cachedTokens),
      `${formatCount(t.reasoningTokens)} reasoning tokens`,
    ),
    stat(
      "response-p50",
      "Response time p50",
      t.responseTimeP50Ms,
      formatMs(t.responseTimeP50Ms),
      `p95 ${formatMs(t.responseTimeP95Ms)} · avg ${formatMs(t.responseTimeAvgMs)}`,
    ),
    stat(
      "ttft-p50",
      "First token p50",
      t.ttftP50Ms,
      formatMs(t.ttftP50Ms),
      `p95 ${formatMs(t.ttftP95Ms)} (streams)`,
    ),
  );
}

/**
 * Draws the cost chart: stacked by model or function, the six biggest and "other".
 *
 * @param {HTMLElement} body
 * @param {{ range: any, points: any[] }} data
 */
export function renderCostChart(body, { range, points }) {
  const buckets = bucketStarts(range);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const costByKey = new Map();
  for (const p of points) {
    const key = p.key ?? "(none)";
    costByKey.set(key, (costByKey.get(key) ?? 0) + Number(p.costUsd));
  }
  const ranked = [...costByKey.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const shown = ranked.slice(0, 6);
  const names = ranked.length > 6 ? [...shown, "other"] : shown;
  const series = names.map((name) => ({ name, values: buckets.map(() => 0) }));
  for (const p of points) {
    const i = index.get(p.t);
    if (i === undefined) continue;
    const key = p.key ?? "(none)";
    series[shown.includes(key) ? shown.indexOf(key) : names.length - 1].values[i] += Number(
      p.costUsd,
    );
  }
  drawResponsive(body, { buckets, series, format: formatUsd, label: "Cost", bucket: range.bucket });
}

/**
 * Draws the calls chart: calls that did not fail, and failures on top.
 *
 * @param {HTMLElement} body
 * @param {{ range: any, points: any[] }} data
 */
export function renderCallsChart(body, { range, points }) {
  const buckets = bucketStarts(range);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const calls = { name: "completed or cancelled", values: buckets.map(() => 0) };
  const failed = { name: "failed", values: buckets.map(() => 0) };
  for (const p of points) {
    const i = index.get(p.t);
    if (i === undefined) continue;
    calls.values[i] += p.calls - p.failed;
    failed.values[i] += p.failed;
  }
  drawResponsive(body, {
    buckets,
    series: [calls, failed],
    format: formatCount,
    label: "Calls",
    classes: ["series-ok", "series-error"],
    bucket: range.bucket,
  });
}

/**
 * Draws a chart now and again whenever the window changes width.
 *
 * @param {HTMLElement} body
 * @param {import("./charts.js").ChartData} data
 */
function drawResponsive(body, data) {
  const redraw = () => drawStackedBars(body, data);
  redraw();
  resizeRedraw.set(body, redraw);
}

/** The latest redraw of each chart, run again when the window changes width. */
const resizeRedraw = new Map();
let lastWidth = globalThis.innerWidth;
globalThis.addEventListener("resize", () => {
  if (globalThis.innerWidth === lastWidth) return;
  lastWidth = globalThis.innerWidth;
  for (const redraw of resizeRedraw.values()) redraw();
});

/**
 * Draws a top list with each entry's share of the cost.
 *
 * @param {HTMLElement} body
 * @param {{ entries: any[] }} data
 * @param {number} totalCost the range's total, for the shares
 * @param {string} noun what the entries are, for the empty note
 */
export function renderTop(body, { entries }, totalCost, noun) {
  if (!entries.length) {
    replace(body, h("p", { class: "empty-note" }, `No ${noun} in this range.`));
    return;
  }
  const rows = entries.map((e) => {
    const share = totalCost > 0 ? Number(e.costUsd) / totalCost : null;
    const bar = h("span", { class: "share", "aria-hidden": "true" });
    bar.style.width = `${Math.round((share ?? 0) * 100)}%`;
    return h(
      "tr",
      { "data-key": e.key ?? "" },
      h("td", { class: "key", title: e.key ?? "(none)" }, e.key ?? "(none)", bar),
      h("td", { class: "num", "data-value": e.costUsd }, formatUsd(e.costUsd)),
      h("td", { class: "num" }, formatPercent(share)),
      h("td", { class: "num" }, formatCount(e.calls)),
    );
  });
  replace(
    body,
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, noun.replace(/^./, (c) => c.toUpperCase())),
          h("th", { scope: "col", class: "num" }, "Cost"),
          h("th", { scope: "col", class: "num" }, "Share"),
          h("th", { scope: "col", class: "num" }, "Calls"),
        ),
      ),
      h("tbody", {}, ...rows),
    ),
  );
}
