/**
 * The rollups recomputed from the raw rows, for tests: each rollup table is compared with the
 * same aggregate taken over `public.llm_call_logs` directly (every measure and every histogram
 * bucket), and the differences are returned.
 *
 * @module
 */
import type { Queryable } from "../harness/database.ts";

/** A rollup table: its time column, how raw rows map to it, and its other dimensions. */
interface Grain {
  table: string;
  time: string;
  timeFromRaw: string;
  dimensions: string[];
}

const DIMENSIONS = ["edge_function", "model", "status", "method_type"];

const GRAINS: Grain[] = [
  {
    table: "llm_usage_hourly",
    time: "hour",
    timeFromRaw: "date_trunc('hour', created_at, 'UTC')",
    dimensions: ["user_id", ...DIMENSIONS],
  },
  {
    table: "llm_usage_hourly_all_users",
    time: "hour",
    timeFromRaw: "date_trunc('hour', created_at, 'UTC')",
    dimensions: DIMENSIONS,
  },
  {
    table: "llm_usage_daily_all_users",
    time: "day",
    timeFromRaw: "(created_at at time zone 'UTC')::date",
    dimensions: DIMENSIONS,
  },
];

const MEASURES_FROM_RAW = `count(*) as calls,
  coalesce(sum(prompt_tokens), 0) as prompt_tokens,
  coalesce(sum(completion_tokens), 0) as completion_tokens,
  coalesce(sum(total_tokens), 0) as total_tokens,
  coalesce(sum(cached_tokens), 0) as cached_tokens,
  coalesce(sum(reasoning_tokens), 0) as reasoning_tokens,
  coalesce(sum(cost_usd), 0) as cost_usd,
  count(*) filter (where cost_usd is null) as cost_unknown_calls,
  coalesce(sum(response_time_ms), 0) as response_time_ms_sum,
  count(response_time_ms) as response_time_count,
  coalesce(sum(time_to_first_token_ms), 0) as ttft_ms_sum,
  count(time_to_first_token_ms) as ttft_count,
  min(created_at) as first_call_at,
  max(created_at) as last_call_at`;

const MEASURES = `calls, prompt_tokens, completion_tokens, total_tokens, cached_tokens,
  reasoning_tokens, cost_usd, cost_unknown_calls, response_time_ms_sum, response_time_count,
  ttft_ms_sum, ttft_count, first_call_at, last_call_at`;

const LOWER_BOUNDS = "array[0] || (public.llm_latency_bucket_bounds())[1:23]";

function measuresSql(grain: Grain): string {
  const keys = [grain.time, ...grain.dimensions].join(", ");
  const rawKeys = [`${grain.timeFromRaw} as ${grain.time}`, ...grain.dimensions].join(", ");
  return `
with raw as (
  select ${rawKeys}, ${MEASURES_FROM_RAW}
  from public.llm_call_logs group by ${keys}
), rolled as (
  select ${keys}, ${MEASURES} from public.${grain.table}
)
select '${grain.table}' as rollup, 'missing' as side, to_jsonb(d) as row
from (table raw except all table rolled) as d
union all
select '${grain.table}', 'extra', to_jsonb(d) from (table rolled except all table raw) as d`;
}

function histogramSql(grain: Grain, column: string, rawColumn: string): string {
  const keys = [grain.time, ...grain.dimensions].join(", ");
  const rawKeys = [`${grain.timeFromRaw} as ${grain.time}`, ...grain.dimensions].join(", ");
  return `
with raw as (
  select ${rawKeys}, width_bucket(${rawColumn}, ${LOWER_BOUNDS}) as bucket, count(*) as n
  from public.llm_call_logs where ${rawColumn} is not null
  group by ${keys}, bucket
), rolled as (
  select ${keys}, u.bucket::int, u.n
  from public.${grain.table}, unnest(${column}) with ordinality as u(n, bucket)
  where u.n > 0
)
select '${grain.table}.${column}' as rollup, 'missing' as side, to_jsonb(d) as row
from (table raw except all table rolled) as d
union all
select '${grain.table}.${column}', 'extra', to_jsonb(d) from (table rolled except all table raw) as d`;
}

const USER_TOTALS_SQL = `
with raw as (
  select user_id, count(*) as calls,
    count(*) filter (where status = 'failed') as failed_calls,
    count(*) filter (where status = 'cancelled') as cancelled_calls,
    coalesce(sum(prompt_tokens), 0) as prompt_tokens,
    coalesce(sum(completion_tokens), 0) as completion_tokens,
    coalesce(sum(total_tokens), 0) as total_tokens,
    coalesce(sum(cached_tokens), 0) as cached_tokens,
    coalesce(sum(reasoning_tokens), 0) as reasoning_tokens,
    coalesce(sum(cost_usd), 0) as cost_usd,
    count(*) filter (where cost_usd is null) as cost_unknown_calls,
    min(created_at) as first_call_at, max(created_at) as last_call_at
  from public.llm_call_logs group by 1
), rolled as (
  select user_id, calls, failed_calls, cancelled_calls, prompt_tokens, completion_tokens,
    total_tokens, cached_tokens, reasoning_tokens, cost_usd, cost_unknown_calls, first_call_at,
    last_call_at
  from public.llm_usage_user_totals
)
select 'llm_usage_user_totals' as rollup, 'missing' as side, to_jsonb(d) as row
from (table raw except all table rolled) as d
union all
select 'llm_usage_user_totals', 'extra', to_jsonb(d) from (table rolled except all table raw) as d`;

const DAILY_BY_MODEL_SQL = `
with raw as (
  select (created_at at time zone 'UTC')::date as day, model, count(*) as calls,
    count(*) filter (where status = 'failed') as failed_calls,
    count(*) filter (where status = 'cancelled') as cancelled_calls,
    coalesce(sum(prompt_tokens), 0) as prompt_tokens,
    coalesce(sum(completion_tokens), 0) as completion_tokens,
    coalesce(sum(total_tokens), 0) as total_tokens,
    coalesce(sum(cost_usd), 0) as cost_usd,
    count(*) filter (where cost_usd is null) as cost_unknown_calls,
    coalesce(sum(response_time_ms), 0) as response_time_ms_sum,
    count(response_time_ms) as response_time_count
  from public.llm_call_logs l group by 1, 2
), rolled as (
  select day, model, calls, failed_calls, cancelled_calls, prompt_tokens, completion_tokens,
    total_tokens, cost_usd, cost_unknown_calls, response_time_ms_sum, response_time_count
  from public.llm_usage_daily_by_model
)
select 'llm_usage_daily_by_model' as rollup, 'missing' as side, to_jsonb(d) as row
from (table raw except all table rolled) as d
union all
select 'llm_usage_daily_by_model', 'extra', to_jsonb(d) from (table rolled except all table raw) as d`;

/**
 * Rows where a rollup table differs from the aggregate of the raw rows (an empty list when they
 * agree). Run it as postgres: it reads every row.
 *
 * @example
 * ```ts
 * assert.deepEqual(await rollupMismatches(db), []);
 * ```
 */
export async function rollupMismatches(db: Queryable): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (const grain of GRAINS) {
    found.push(...await db.query(measuresSql(grain)));
    found.push(
      ...await db.query(histogramSql(grain, "response_time_histogram", "response_time_ms")),
    );
    found.push(...await db.query(histogramSql(grain, "ttft_histogram", "time_to_first_token_ms")));
  }
  found.push(...await db.query(USER_TOTALS_SQL));
  found.push(...await db.query(DAILY_BY_MODEL_SQL));
  const byModel: Grain = {
    table: "llm_usage_daily_by_model",
    time: "day",
    timeFromRaw: "(created_at at time zone 'UTC')::date",
    dimensions: ["model"],
  };
  found.push(
    ...await db.query(histogramSql(byModel, "response_time_histogram", "response_time_ms")),
  );
  return found;
}
