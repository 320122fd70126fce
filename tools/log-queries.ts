/**
 * The everyday questions about `public.llm_call_logs`, as SQL with positional parameters.
 *
 * Each query filters or orders on `created_at`, so Postgres prunes the monthly partitions and
 * uses the indexes the migration creates; `tests/database/query-plans.test.ts` checks the plans
 * on a few hundred thousand rows. Run them as `postgres` or `service_role` to see every row, or
 * as a signed-in user to see what RLS lets that user read.
 *
 * @example
 * ```ts
 * import postgres from "npm:postgres@3.4.9";
 * import { COST_BY_MODEL_SQL } from "./tools/log-queries.ts";
 * const sql = postgres(Deno.env.get("DATABASE_URL")!);
 * console.table(await sql.unsafe(COST_BY_MODEL_SQL, ["24 hours"]));
 * ```
 *
 * @module
 */

/** The latest calls, newest first. `$1`: how many rows (such as `50`). */
export const RECENT_CALLS_SQL = `select id, created_at, edge_function, user_id, method_type, model,
  status, http_status, total_tokens, cost_usd, response_time_ms, error_message
from public.llm_call_logs
order by created_at desc
limit $1`;

/**
 * Calls, tokens and cost per model over completed calls of a recent window, costliest first.
 * `$1`: the window as an interval (such as `'24 hours'`).
 */
export const COST_BY_MODEL_SQL = `select model,
  count(*) as calls,
  sum(prompt_tokens) as prompt_tokens,
  sum(completion_tokens) as completion_tokens,
  sum(total_tokens) as total_tokens,
  sum(cost_usd) as cost_usd,
  round(avg(response_time_ms)) as avg_response_time_ms
from public.llm_call_logs
where created_at > now() - $1::interval
  and status = 'completed'
group by model
order by cost_usd desc nulls last, calls desc`;

/**
 * Failed calls of a recent window grouped by message, model and Edge Function, most frequent
 * first. `$1`: the window as an interval (such as `'24 hours'`).
 */
export const ERROR_ANALYSIS_SQL = `select error_message, model, edge_function,
  count(*) as failures,
  max(created_at) as last_seen
from public.llm_call_logs
where created_at > now() - $1::interval
  and status = 'failed'
group by error_message, model, edge_function
order by failures desc, last_seen desc`;

/**
 * {@link COST_BY_MODEL_SQL} from the hourly rollups: the same columns, for every user, in
 * milliseconds at any table size. The window starts at the top of the hour `$1` ago, so it
 * covers up to one hour more than `$1`. Reads `llm_usage_hourly_all_users`, which only admins,
 * `service_role` and `postgres` may read.
 */
export const COST_BY_MODEL_ROLLUP_SQL = `select model,
  sum(calls) as calls,
  sum(prompt_tokens) as prompt_tokens,
  sum(completion_tokens) as completion_tokens,
  sum(total_tokens) as total_tokens,
  case when sum(calls) > sum(cost_unknown_calls) then sum(cost_usd) end as cost_usd,
  round(sum(response_time_ms_sum) / nullif(sum(response_time_count), 0)) as avg_response_time_ms
from public.llm_usage_hourly_all_users
where hour >= date_trunc('hour', now() - $1::interval)
  and status = 'completed'
group by model
order by cost_usd desc nulls last, calls desc`;
