/**
 * The recent calls table and the full call it opens: the only panels that read
 * `llm_call_logs` itself, each through an index. Pages are keyset-paged on
 * `(created_at, id)` (newest first), so page 500 costs what page 1 costs; a user's pages add
 * `user_id = <them>`, which the `(user_id, created_at)` index serves.
 *
 * @module
 */
import type { Sql } from "./as-user.ts";
import { type DashboardQuery, InvalidQueryError, validTimestamp } from "./dashboard-query.ts";
import type { Viewer } from "./usage-queries.ts";

/** A row of the calls table. */
export interface CallSummary {
  id: string;
  createdAt: string;
  edgeFunction: string | null;
  userId: string | null;
  model: string;
  methodType: string;
  status: string;
  totalTokens: number | null;
  costUsd: string | null;
  responseTimeMs: number | null;
  errorMessage: string | null;
}

/** One page, and the cursor of the next one (`null` on the last page). */
export interface CallsPage {
  calls: CallSummary[];
  next: string | null;
}

/** Rows per page. */
export const CALLS_PAGE_SIZE = 25;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A cursor is the last row's `created_at` (ISO, microseconds kept as text) and id, joined by `|`.
 * No cursor (or an empty one) is the first page; one that is not a real time and uuid is refused,
 * not sent to Postgres, and not taken for the first page either.
 */
function parseCursor(cursor: string | null): { at: string; id: string } | undefined {
  if (!cursor) return undefined;
  const [at, id, ...rest] = cursor.split("|");
  if (id === undefined || rest.length > 0 || !UUID.test(id)) {
    throw new InvalidQueryError('"cursor" must be the "next" of a previous page');
  }
  return { at: validTimestamp(at, "cursor"), id };
}

/**
 * A page of calls in the range, newest first, after `cursor`.
 *
 * @example
 * ```ts
 * const first = await asUser(claims, (tx) => readCallsPage(tx, query, viewer, null));
 * const second = await asUser(claims, (tx) => readCallsPage(tx, query, viewer, first.next));
 * ```
 */
export async function readCallsPage(
  tx: Sql,
  q: DashboardQuery,
  viewer: Viewer,
  cursor: string | null,
): Promise<CallsPage> {
  const after = parseCursor(cursor);
  const userId = viewer.admin ? q.userId : viewer.userId;
  const rows = await tx`
    select id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
      edge_function, user_id, model, method_type, status, total_tokens, cost_usd::text,
      response_time_ms, left(error_message, 300) as error_message
    from public.llm_call_logs
    where created_at >= ${q.from} and created_at < ${q.to}
      ${userId === undefined ? tx`` : tx`and user_id = ${userId}`}
      ${q.edgeFunction === undefined ? tx`` : tx`and edge_function = ${q.edgeFunction}`}
      ${q.model === undefined ? tx`` : tx`and model = ${q.model}`}
      ${q.status === undefined ? tx`` : tx`and status = ${q.status}`}
      ${after ? tx`and (created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)` : tx``}
    order by created_at desc, id desc
    limit ${CALLS_PAGE_SIZE + 1}`;
  const calls = rows.slice(0, CALLS_PAGE_SIZE).map((r) => ({
    id: String(r.id),
    createdAt: String(r.at),
    edgeFunction: r.edge_function ?? null,
    userId: r.user_id ?? null,
    model: String(r.model),
    methodType: String(r.method_type),
    status: String(r.status),
    totalTokens: r.total_tokens ?? null,
    costUsd: r.cost_usd ?? null,
    responseTimeMs: r.response_time_ms ?? null,
    errorMessage: r.error_message ?? null,
  }));
  const last = calls.at(-1);
  return {
    calls,
    next: rows.length > CALLS_PAGE_SIZE && last ? `${last.createdAt}|${last.id}` : null,
  };
}

/** Every column of one call, as stored (JSON columns as JSON, amounts as decimal strings). */
export type CallDetail = Record<string, unknown>;

/**
 * One call by id (the primary key's first column), or `null` when it does not exist or RLS
 * hides it. `at`, the row's `created_at` when known, lets Postgres look in one partition only;
 * one that is not a date-time Postgres reads is an {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * const call = await asUser(claims, (tx) => readCall(tx, id, createdAt));
 * ```
 */
export async function readCall(tx: Sql, id: string, at?: string): Promise<CallDetail | null> {
  const when = at ? validTimestamp(at, "at") : undefined;
  if (!UUID.test(id)) return null;
  const [row] = await tx`
    select *, cost_usd::text as cost_usd,
      to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
      to_char(completed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as completed_at
    from public.llm_call_logs
    where id = ${id}::uuid ${when ? tx`and created_at = ${when}::timestamptz` : tx``}
    limit 1`;
  return row ? { ...row } : null;
}
