/**
 * Number, money, duration and time formats of the dashboard. Money arrives as decimal strings
 * (exact sums); it is shown with enough decimals to tell fractions of a cent apart.
 *
 * @module
 */

const LOCALE = undefined; // the browser's

const counts = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

/**
 * A count with thousands separators: `1234567` → `1,234,567`.
 *
 * @param {number | null | undefined} value
 * @returns {string}
 */
export function formatCount(value) {
  return value === null || value === undefined ? "—" : counts.format(value);
}

/**
 * US dollars: two decimals from $1, four from a cent, else three significant digits
 * (`"0.00001095"` → `$0.0000110`). `null` (cost unknown) is a dash.
 *
 * @param {string | number | null | undefined} value
 * @returns {string}
 */
export function formatUsd(value) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  /** @type {Intl.NumberFormatOptions} */
  const options = abs === 0 || abs >= 1
    ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
    : abs >= 0.01
    ? { minimumFractionDigits: 4, maximumFractionDigits: 4 }
    : { minimumSignificantDigits: 3, maximumSignificantDigits: 3 };
  return new Intl.NumberFormat(LOCALE, { style: "currency", currency: "USD", ...options }).format(
    n,
  );
}

/**
 * Milliseconds as `850 ms`, `1.25 s` or `2 min 5 s`.
 *
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${counts.format(Math.round(ms))} ms`;
  if (ms < 60_000) {
    return `${new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 }).format(ms / 1000)} s`;
  }
  const minutes = Math.floor(ms / 60_000);
  return `${counts.format(minutes)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * A share or rate: `0.0254` → `2.5%`.
 *
 * @param {number | null} fraction
 * @returns {string}
 */
export function formatPercent(fraction) {
  if (fraction === null || !Number.isFinite(fraction)) return "—";
  return new Intl.NumberFormat(LOCALE, {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  })
    .format(fraction);
}

const dateTime = new Intl.DateTimeFormat(LOCALE, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const shortTime = new Intl.DateTimeFormat(LOCALE, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/**
 * A timestamp in the browser's time zone, to the second.
 *
 * @param {string | null | undefined} iso
 * @returns {string}
 */
export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

/**
 * A timestamp to the minute (range labels, chart axes).
 *
 * @param {string | Date} value
 * @returns {string}
 */
export function formatShortTime(value) {
  return shortTime.format(new Date(value));
}

const day = new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric" });

/**
 * A date without the time (axes of charts by day).
 *
 * @param {string | Date} value
 * @returns {string}
 */
export function formatDay(value) {
  return day.format(new Date(value));
}
