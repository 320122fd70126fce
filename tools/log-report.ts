/**
 * The report of `deno task logs`: the README's three queries (recent calls, cost by model from
 * the hourly rollups, error analysis) run on any SQL client, their rows normalised to plain JSON
 * values (drivers differ on `bigint`, `numeric` and `timestamptz`), and rendered as aligned text
 * tables (long cells cut with `…`, costs with enough decimals to see a fraction of a cent).
 *
 * @module
 */
import { COST_BY_MODEL_ROLLUP_SQL, ERROR_ANALYSIS_SQL, RECENT_CALLS_SQL } from "./log-queries.ts";

/** Anything that runs one statement with positional parameters (PGlite, postgres.js, tests). */
export interface SqlClient {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** A row of the recent calls. */
export interface RecentCall {
  id: string;
  created_at: string;
  edge_function: string | null;
  user_id: string | null;
  method_type: string;
  model: string;
  status: string;
  http_status: number | null;
  total_tokens: number | null;
  /** Exact decimal, as stored. */
  cost_usd: string | null;
  response_time_ms: number | null;
  error_message: string | null;
}

/** A row of cost by model. */
export interface ModelCost {
  model: string;
  calls: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  cost_usd: string | null;
  avg_response_time_ms: number | null;
}

/** A row of the error analysis. */
export interface ErrorGroup {
  error_message: string | null;
  model: string;
  edge_function: string | null;
  failures: number;
  last_seen: string;
}

/** The three results. */
export interface LogReport {
  limit: number;
  since: string;
  recent_calls: RecentCall[];
  cost_by_model: ModelCost[];
  error_analysis: ErrorGroup[];
}

/** The columns that are counts (drivers may return `bigint` and `numeric` as strings). */
const NUMBERS = new Set(
  ("http_status total_tokens prompt_tokens completion_tokens response_time_ms " +
    "avg_response_time_ms calls failures").split(" "),
);
const TIMES = new Set(["created_at", "last_seen"]);

/**
 * Runs the three queries of `tools/log-queries.ts`, one after the other: the latest `limit`
 * calls (default 20), cost and errors over `since` (a Postgres interval, default `24 hours`).
 */
export async function runLogQueries(
  client: SqlClient,
  options: { limit?: number; since?: string } = {},
): Promise<LogReport> {
  const limit = options.limit ?? 20;
  const since = options.since ?? "24 hours";
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Invalid limit: ${limit} (expected a positive integer)`);
  }
  const recent = await client.query(RECENT_CALLS_SQL, [limit]);
  const costs = await client.query(COST_BY_MODEL_ROLLUP_SQL, [since]);
  const errors = await client.query(ERROR_ANALYSIS_SQL, [since]);
  return {
    limit,
    since,
    recent_calls: recent.map(normalize) as unknown as RecentCall[],
    cost_by_model: costs.map(normalize) as unknown as ModelCost[],
    error_analysis: errors.map(normalize) as unknown as ErrorGroup[],
  };
}

/** Plain JSON values: numbers for counts, ISO strings for times, exact strings for costs. */
function normalize(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === null || value === undefined) out[key] = null;
    else if (NUMBERS.has(key)) out[key] = Number(value);
    else if (TIMES.has(key)) out[key] = new Date(value as string | Date).toISOString();
    else if (key === "cost_usd") out[key] = String(value);
    else out[key] = value;
  }
  return out;
}

const RECENT_COLUMNS: Column<RecentCall>[] = [
  { header: "time (UTC)", value: (r) => formatTimestamp(r.created_at) },
  { header: "id", value: (r) => r.id.slice(0, 8) },
  { header: "function", value: (r) => r.edge_function, maxWidth: 20 },
  { header: "method", value: (r) => r.method_type.replace(/_completion$/, "") },
  { header: "model", value: (r) => r.model, maxWidth: 30 },
  { header: "status", value: (r) => r.status },
  { header: "http", value: (r) => r.http_status, align: "right" },
  { header: "tokens", value: (r) => r.total_tokens, align: "right" },
  { header: "cost_usd", value: (r) => formatDecimal(r.cost_usd), align: "right" },
  { header: "ms", value: (r) => r.response_time_ms, align: "right" },
  { header: "error", value: (r) => r.error_message, maxWidth: 48 },
];

const COST_COLUMNS: Column<ModelCost>[] = [
  { header: "model", value: (r) => r.model, maxWidth: 40 },
  { header: "calls", value: (r) => r.calls, align: "right" },
  { header: "prompt", value: (r) => r.prompt_tokens, align: "right" },
  { header: "completion", value: (r) => r.completion_tokens, align: "right" },
  { header: "total", value: (r) => r.total_tokens, align: "right" },
  { header: "cost_usd", value: (r) => formatDecimal(r.cost_usd), align: "right" },
  { header: "avg ms", value: (r) => r.avg_response_time_ms, align: "right" },
];

const ERROR_COLUMNS: Column<ErrorGroup>[] = [
  { header: "error", value: (r) => r.error_message, maxWidth: 60 },
  { header: "model", value: (r) => r.model, maxWidth: 30 },
  { header: "function", value: (r) => r.edge_function, maxWidth: 20 },
  { header: "failures", value: (r) => r.failures, align: "right" },
  { header: "last seen (UTC)", value: (r) => formatTimestamp(r.last_seen) },
];

/** The report as three titled text tables. */
export function formatLogReport(report: LogReport): string {
  return [
    `Recent calls (latest ${report.limit})`,
    formatTable(report.recent_calls, RECENT_COLUMNS),
    "",
    `Cost by model (completed calls, last ${report.since}, counted in whole hours)`,
    formatTable(report.cost_by_model, COST_COLUMNS),
    "",
    `Errors (failed calls, last ${report.since})`,
    formatTable(report.error_analysis, ERROR_COLUMNS),
  ].join("\n");
}

/** One column of {@link formatTable}. */
export interface Column<T> {
  header: string;
  /** The cell's value; `null` and `undefined` print as empty. */
  value: (row: T) => string | number | null | undefined;
  /** @default {"left"} */
  align?: "left" | "right";
  /** Longer cells are cut to this many characters, ending with `…`. @default {Infinity} */
  maxWidth?: number;
}

/**
 * Formats rows as an aligned table with a header and a rule, or `(no rows)`.
 *
 * @example
 * ```ts
 * formatTable([{ model: "openai/gpt-4o-mini", calls: 3 }], [
 *   { header: "model", value: (r) => r.model },
 *   { header: "calls", value: (r) => r.calls, align: "right" },
 * ]);
 * // model               calls
 * // ------------------  -----
 * // openai/gpt-4o-mini      3
 * ```
 */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (!rows.length) return "(no rows)";
  const cells = rows.map((row) =>
    columns.map(({ value, maxWidth = Infinity }) => {
      const text = String(value(row) ?? "").replace(/\s+/g, " ").trim();
      return text.length > maxWidth ? `${text.slice(0, Math.max(0, maxWidth - 1))}…` : text;
    })
  );
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i].length))
  );
  const line = (values: string[]) =>
    values.map((value, i) =>
      columns[i].align === "right" ? value.padStart(widths[i]) : value.padEnd(widths[i])
    ).join("  ").trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
  ].join("\n");
}

/**
 * A decimal string (as Postgres returns `numeric`) with at least `minDecimals` decimals and
 * no float rounding: `"0.0000219"` → `"0.00002190"`.
 *
 * @example
 * ```ts
 * formatDecimal("0.00001095"); // "0.00001095"
 * formatDecimal("3");          // "3.00000000"
 * ```
 */
export function formatDecimal(value: string | number | null | undefined, minDecimals = 8): string {
  if (value === null || value === undefined || value === "") return "";
  const text = typeof value === "number" ? value.toFixed(12) : value;
  const match = /^(-?\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return text;
  const decimals = (match[2] ?? "").replace(/0+$/, "");
  return `${match[1] || "0"}.${decimals.padEnd(minDecimals, "0")}`;
}

/** A normalised (ISO, UTC) timestamp as `YYYY-MM-DD HH:MM:SS`. */
function formatTimestamp(iso: string): string {
  return iso.slice(0, 19).replace("T", " ");
}
