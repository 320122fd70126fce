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
    from = inPostgresRange(floorHour(date(params.get("from"), "from")), "from");
    to = inPostgresRange(ceilHour(date(params.get("to"), "to")), "to");
    if (to <= from) throw new InvalidQueryError('"to" must be after "from"');
    if (to.getTime() - from.getTime() > MAX_HOURS * HOUR) {
      throw new InvalidQueryError(`A custom range spans at most ${MAX_HOURS / 24} days`);
    }
  } else if (Object.hasOwn(PRESETS, range)) {
    // An own-property check: `in` would also take "constructor" or "__proto__" for a preset.
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
  // Postgres text cannot hold NUL, so no row matches one. (Lone surrogates cannot arrive:
  // URLSearchParams turns them into U+FFFD.)
  if (value.includes("\0")) {
    throw new InvalidQueryError(`"${name}" holds a character no value can contain`);
  }
  return value;
}

/** The first and the last hour a range may touch: years 1 to 9999. */
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:00:00Z");

/**
 * Dates outside years 1 to 9999 are valid in JavaScript, but their ISO strings ("-001000-…",
 * "+275760-…") are not a form Postgres reads as a timestamptz.
 */
function inPostgresRange(date: Date, name: string): Date {
  if (date.getTime() < EARLIEST || date.getTime() > LATEST) {
    throw new InvalidQueryError(`"${name}" must fall between the years 1 and 9999`);
  }
  return date;
}

const TIMESTAMP =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d{1,6})?(?:Z|[+-](?:0\d|1[0-5]):?[0-5]\d)$/;

/**
 * Checks a timestamp the API handed out (a call's `createdAt`, a cursor's time) before it goes to
 * Postgres as text, microseconds and all: an ISO 8601 date-time with seconds and a `Z` or an
 * offset, a real day and time of the years 1 to 9999. Returns it unchanged.
 *
 * @example
 * ```ts
 * validTimestamp("2026-11-01T10:30:00.123456Z", "at"); // "2026-11-01T10:30:00.123456Z"
 * validTimestamp("2026-13-45T99:99:99Z", "at"); // throws InvalidQueryError
 * ```
 */
export function validTimestamp(value: string, name: string): string {
  const match = value.match(TIMESTAMP);
  // Date.parse rolls Feb 30 over to March in some engines: the fields must read back unchanged.
  const fields = match?.[1];
  const parsed = fields === undefined ? NaN : Date.parse(`${fields}Z`);
  if (
    fields === undefined || fields.startsWith("0000") || Number.isNaN(parsed) ||
    new Date(parsed).toISOString().slice(0, 19) !== fields
  ) {
    throw new InvalidQueryError(
      `"${name}" must be a date-time such as 2026-11-01T10:30:00.123456Z, in the years 1 to 9999`,
    );
  }
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
