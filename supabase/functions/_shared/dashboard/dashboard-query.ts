/**
 * The time range and filters of a dashboard request, read from its query string: what every
 * panel is asked for. Ranges are whole UTC hours, the grain of the rollups, so a panel reading
 * rollups and a panel reading raw rows cover exactly the same calls.
 *
 * @module
 */

/** The preset ranges the page offers; `custom` takes `from` and `to`. */
export type RangeName = "24h" | "7d" | "30d" | "custom";

/** Which dimension the stacked cost chart splits by. */
export type StackBy = "model" | "edge_function";

/** A parsed request. */
export interface DashboardQuery {
  range: RangeName;
  /** Inclusive, on an hour boundary. */
  from: Date;
  /** Exclusive, on an hour boundary. */
  to: Date;
  /** The width of one chart bucket. */
  bucket: "hour" | "day";
  edgeFunction?: string;
  model?: string;
  /** Honoured for admins only; a user always sees their own rows. */
  userId?: string;
  status?: "completed" | "failed" | "cancelled";
  stackBy: StackBy;
}

/** Thrown for a query string the dashboard cannot serve; answered with 400. */
export class InvalidQueryError extends Error {
  override name = "InvalidQueryError";
}

const HOUR = 3_600_000;
const PRESETS: Record<Exclude<RangeName, "custom">, number> = { "24h": 24, "7d": 168, "30d": 720 };
const MAX_HOURS = 24 * 400;
const STATUSES = new Set(["completed", "failed", "cancelled"]);

/**
 * Reads the range and filters. Presets end with the current hour (included); a custom range
 * is widened to whole hours.
 *
 * @example
 * ```ts
 * const query = parseDashboardQuery(new URL(request.url).searchParams);
 * // ?range=7d&model=openai/gpt-4o-mini → 168 hours ending with the current one, by day
 * ```
 */
export function parseDashboardQuery(
  params: URLSearchParams,
  now: Date = new Date(),
): DashboardQuery {
  const range = (params.get("range") ?? "24h") as RangeName;
  let from: Date;
  let to: Date;
  if (range === "custom") {
    from = floorHour(date(params.get("from"), "from"));
    to = ceilHour(date(params.get("to"), "to"));
    if (to <= from) throw new InvalidQueryError('"to" must be after "from"');
    if (to.getTime() - from.getTime() > MAX_HOURS * HOUR) {
      throw new InvalidQueryError(`A custom range spans at most ${MAX_HOURS / 24} days`);
    }
  } else if (range in PRESETS) {
    to = new Date(floorHour(now).getTime() + HOUR);
    from = new Date(to.getTime() - PRESETS[range as keyof typeof PRESETS] * HOUR);
  } else {
    throw new InvalidQueryError(`Unknown range "${String(range).slice(0, 20)}"`);
  }
  const status = text(params, "status");
  if (status !== undefined && !STATUSES.has(status)) {
    throw new InvalidQueryError(`Unknown status "${status.slice(0, 20)}"`);
  }
  const stackBy = params.get("stack") === "edge_function" ? "edge_function" : "model";
  return {
    range,
    from,
    to,
    bucket: to.getTime() - from.getTime() <= 48 * HOUR ? "hour" : "day",
    edgeFunction: text(params, "edge_function"),
    model: text(params, "model"),
    userId: text(params, "user"),
    status: status as DashboardQuery["status"],
    stackBy,
  };
}

function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  if (value === null || value === "") return undefined;
  if (value.length > 200) throw new InvalidQueryError(`"${name}" is longer than 200 characters`);
  return value;
}

function date(value: string | null, name: string): Date {
  const parsed = value ? new Date(value) : new Date(NaN);
  if (Number.isNaN(parsed.getTime())) {
    throw new InvalidQueryError(`"${name}" must be a date or date-time, such as 2026-11-01`);
  }
  return parsed;
}

function floorHour(date: Date): Date {
  return new Date(Math.floor(date.getTime() / HOUR) * HOUR);
}

function ceilHour(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / HOUR) * HOUR);
}
