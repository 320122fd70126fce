/**
 * The dashboard panels that read the hourly rollups (`llm_usage_hourly` and, for admins looking
 * at everyone, `llm_usage_hourly_all_users`): totals with latency percentiles, the series of the
 * charts, the top lists and the values the filters offer. None of them touches `llm_call_logs`.
 *
 * Amounts of money travel as decimal strings (numeric sums, never rounded to a float); counts as
 * numbers.
 *
 * @module
 */
import type { Sql } from "./as-user.ts";
import type { DashboardQuery } from "./dashboard-query.ts";

/** Who is asking: their user id, and whether the admin policies let them see everyone. */
export interface Viewer {
  userId: string;
  admin: boolean;
}

/** The totals panel. */
export interface Totals {
  calls: number;
  failed: number;
  cancelled: number;
  costUsd: string;
  costUnknownCalls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  responseTimeAvgMs: number | null;
  responseTimeP50Ms: number | null;
  responseTimeP95Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
}

/** One bucket of one series. */
export interface SeriesPoint {
  /** The bucket's start (ISO). */
  t: string;
  /** The model or edge function (`null`: none recorded). */
  key: string | null;
  costUsd: string;
  calls: number;
  failed: number;
}

/** One line of a top list. */
export interface TopEntry {
  key: string | null;
  costUsd: string;
  calls: number;
}

/**
 * The rollup a viewer reads and the filters that apply. A user reads only their own rows (the
 * explicit `user_id` filter also lets the planner use the `(user_id, hour)` index; RLS would hide
 * the rest anyway); an admin reads everyone's totals from the table without users.
 */
function source(tx: Sql, q: DashboardQuery, viewer: Viewer, perUser = false) {
  const userId = viewer.admin ? q.userId : viewer.userId;
  const table = userId === undefined && !perUser
    ? "llm_usage_hourly_all_users"
    : "llm_usage_hourly";
  return tx`public.${tx(table)} where hour >= ${q.from} and hour < ${q.to}
    ${userId === undefined ? tx`` : tx`and user_id = ${userId}`}
    ${q.edgeFunction === undefined ? tx`` : tx`and edge_function = ${q.edgeFunction}`}
    ${q.model === undefined ? tx`` : tx`and model = ${q.model}`}
    ${q.status === undefined ? tx`` : tx`and status = ${q.status}`}`;
}

/**
 * Totals over the range, with p50/p95 of the response time and time to first token from the
 * rollups' histograms, summed bucket by bucket (`llm_histogram_sum(array_agg(…))`).
 *
 * @example
 * ```ts
 * const totals = await asUser(claims, (tx) => readTotals(tx, query, viewer));
 * ```
 */
export async function readTotals(tx: Sql, q: DashboardQuery, viewer: Viewer): Promise<Totals> {
  const [row] = await tx`
    with sums as (
      select
        coalesce(sum(calls), 0)::float8 as calls,
        coalesce(sum(calls) filter (where status = 'failed'), 0)::float8 as failed,
        coalesce(sum(calls) filter (where status = 'cancelled'), 0)::float8 as cancelled,
        coalesce(sum(cost_usd), 0)::text as cost_usd,
        coalesce(sum(cost_unknown_calls), 0)::float8 as cost_unknown_calls,
        coalesce(sum(prompt_tokens), 0)::float8 as prompt_tokens,
        coalesce(sum(completion_tokens), 0)::float8 as completion_tokens,
        coalesce(sum(total_tokens), 0)::float8 as total_tokens,
        coalesce(sum(cached_tokens), 0)::float8 as cached_tokens,
        coalesce(sum(reasoning_tokens), 0)::float8 as reasoning_tokens,
        sum(response_time_ms_sum)::float8 / nullif(sum(response_time_count), 0) as rt_avg,
        public.llm_histogram_sum(array_agg(response_time_histogram)) as rt,
        public.llm_histogram_sum(array_agg(ttft_histogram)) as ft
      from ${source(tx, q, viewer)}
    )
    select *,
      public.llm_latency_percentile(rt, 0.5) as rt_p50,
      public.llm_latency_percentile(rt, 0.95) as rt_p95,
      public.llm_latency_percentile(ft, 0.5) as ft_p50,
      public.llm_latency_percentile(ft, 0.95) as ft_p95
    from sums`;
  const counts = (name: string) => Number(row?.[name] ?? 0);
  const maybe = (name: string) => (row?.[name] == null ? null : Number(row[name]));
  return {
    calls: counts("calls"),
    failed: counts("failed"),
    cancelled: counts("cancelled"),
    costUsd: String(row?.cost_usd ?? "0"),
    costUnknownCalls: counts("cost_unknown_calls"),
    promptTokens: counts("prompt_tokens"),
    completionTokens: counts("completion_tokens"),
    totalTokens: counts("total_tokens"),
    cachedTokens: counts("cached_tokens"),
    reasoningTokens: counts("reasoning_tokens"),
    responseTimeAvgMs: maybe("rt_avg"),
    responseTimeP50Ms: maybe("rt_p50"),
    responseTimeP95Ms: maybe("rt_p95"),
    ttftP50Ms: maybe("ft_p50"),
    ttftP95Ms: maybe("ft_p95"),
  };
}

/**
 * Cost, calls and failures per chart bucket and per model (or edge function), oldest first.
 * Buckets are counted from the range's start, so the last one ends where the range ends.
 *
 * @example
 * ```ts
 * const points = await asUser(claims, (tx) => readSeries(tx, query, viewer));
 * ```
 */
export async function readSeries(
  tx: Sql,
  q: DashboardQuery,
  viewer: Viewer,
): Promise<SeriesPoint[]> {
  const width = q.bucket === "hour" ? "1 hour" : "1 day";
  const rows = await tx`
    select date_bin(${width}::interval, hour, ${q.from}::timestamptz) as t,
      ${tx(q.stackBy)} as key,
      coalesce(sum(cost_usd), 0)::text as cost_usd,
      sum(calls)::float8 as calls,
      coalesce(sum(calls) filter (where status = 'failed'), 0)::float8 as failed
    from ${source(tx, q, viewer)}
    group by 1, 2
    order by 1, 2`;
  return rows.map((r) => ({
    t: new Date(r.t).toISOString(),
    key: r.key ?? null,
    costUsd: String(r.cost_usd),
    calls: Number(r.calls),
    failed: Number(r.failed),
  }));
}

/** The dimensions a top list can rank; `user_id` is for admins only. */
export type TopDimension = "model" | "edge_function" | "user_id";

/**
 * The ten biggest models, edge functions or (admins) users by cost, then by calls.
 *
 * @example
 * ```ts
 * const models = await asUser(claims, (tx) => readTop(tx, query, viewer, "model"));
 * ```
 */
export async function readTop(
  tx: Sql,
  q: DashboardQuery,
  viewer: Viewer,
  dimension: TopDimension,
): Promise<TopEntry[]> {
  if (dimension === "user_id" && !viewer.admin) return [];
  const rows = await tx`
    select ${tx(dimension)} as key, coalesce(sum(cost_usd), 0)::text as cost_usd,
      sum(calls)::float8 as calls
    from ${source(tx, q, viewer, dimension === "user_id")}
    group by 1 order by sum(cost_usd) desc nulls last, sum(calls) desc limit 10`;
  return rows.map((r) => ({
    key: r.key ?? null,
    costUsd: String(r.cost_usd),
    calls: Number(r.calls),
  }));
}

/** What the filters offer over the range (whatever the other filters say). */
export interface FilterOptions {
  edgeFunctions: string[];
  models: string[];
  /** Admins only; empty for a user. */
  users: string[];
}

/**
 * The distinct edge functions, models and (admins) users with calls in the range.
 *
 * @example
 * ```ts
 * const options = await asUser(claims, (tx) => readFilterOptions(tx, query, viewer));
 * ```
 */
export async function readFilterOptions(
  tx: Sql,
  q: DashboardQuery,
  viewer: Viewer,
): Promise<FilterOptions> {
  const all = { ...q, edgeFunction: undefined, model: undefined, status: undefined };
  const unfiltered = viewer.admin ? { ...all, userId: undefined } : all;
  const rows = await tx`select distinct edge_function, model from ${
    source(tx, unfiltered, viewer)
  }`;
  const users = viewer.admin
    ? await tx`select distinct user_id from ${source(tx, unfiltered, viewer, true)}
        and user_id is not null order by 1 limit 500`
    : [];
  const sorted = (values: unknown[]) =>
    [...new Set(values.filter((v): v is string => typeof v === "string"))].sort();
  return {
    edgeFunctions: sorted(rows.map((r) => r.edge_function)),
    models: sorted(rows.map((r) => r.model)),
    users: sorted(users.map((r) => r.user_id)),
  };
}
