/**
 * Synthetic call logs at scale for `deno task bench:scale`, generated inside PostgreSQL with
 * `generate_series` (nothing travels row by row): calls spread evenly over the current month and
 * the 12 before it, 10,000 users, 20 models, 3 Edge Functions, 5% failed and 1% cancelled, a
 * third of them streams, and request, response and completion text about as long as a short chat
 * (about 1.7 kB a row, as in the 17 GB for 10 million rows).
 *
 * Rows go in through the parent table in time order, in chunks, so the rollup trigger sees
 * batches the way it does in production (only much larger). With `backfill` the trigger is off
 * while loading (`session_replication_role = replica`, superuser only) and the rollups are
 * back-filled afterwards, partition by partition, through the same trigger function (as the
 * rollup migration back-filled existing rows) and folded: the same rollups, several times faster
 * to load. Either way the pending per-user sums are folded at the end, as the every-minute job
 * leaves them.
 *
 * @module
 */
import type postgres from "postgres";

/** Options of {@link loadScaleData}. */
export interface ScaleDataOptions {
  /** Rows to generate. */
  rows: number;
  /** Distinct user ids. @default {10000} */
  users?: number;
  /** Rows per INSERT statement. @default {200000} */
  chunk?: number;
  /** Load with the trigger off, then back-fill the rollups per partition. @default {false} */
  backfill?: boolean;
  /** Called after each chunk with the rows written so far. */
  onProgress?: (done: number) => void;
}

/** The user id of synthetic user `n`, shaped like an `auth.users` uuid. */
export function scaleUserId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** Months of data: the current month and the 12 before it. */
export const SCALE_MONTHS = 13;

// $1 first row number, $2 last row number, $3 total rows, $4 users.
const INSERT_CHUNK_SQL = `
with span as (
  select date_trunc('month', now()) - interval '12 months' as t0,
    now() - (date_trunc('month', now()) - interval '12 months') as width
),
g as (
  select i, t0 + width * (i::double precision / $3) as created_at,
    floor(random() * $4)::int as u, (i % 20) as m, random() as r, random() as q
  from generate_series($1::bigint, $2::bigint) as i, span
)
insert into public.llm_call_logs (
  created_at, completed_at, request_id, edge_function, user_id, method_type, model,
  response_model, provider, generation_id, status, request_messages, request_params,
  response_body, completion_text, finish_reason, prompt_tokens, completion_tokens, total_tokens,
  cached_tokens, reasoning_tokens, cost_usd, cost_source, response_time_ms,
  time_to_first_token_ms, http_status, error_type, error_message, metadata
)
select
  created_at,
  created_at + make_interval(secs => 0.2 + q * 6),
  'req_' || i,
  (array['chat', 'chat-stream', 'summarize'])[1 + i % 3],
  format('00000000-0000-4000-8000-%s', lpad(u::text, 12, '0')),
  case when i % 3 = 1 then 'stream_completion' else 'chat_completion' end,
  'vendor/model-' || m,
  'vendor/model-' || m,
  'Provider ' || (m % 5),
  'gen-' || i,
  case when r < 0.05 then 'failed' when r < 0.06 then 'cancelled' else 'completed' end,
  jsonb_build_array(
    jsonb_build_object('role', 'system', 'content', 'You are a helpful assistant.'),
    jsonb_build_object('role', 'user', 'content', repeat('Tell me about Postgres. ', (10 + i % 20)::int))
  ),
  jsonb_build_object('temperature', 0.7, 'max_tokens', 512, 'usage', jsonb_build_object('include', true)),
  case when r >= 0.05 then jsonb_build_object(
    'id', 'gen-' || i, 'model', 'vendor/model-' || m,
    'choices', jsonb_build_array(jsonb_build_object('finish_reason', 'stop', 'message',
      jsonb_build_object('role', 'assistant', 'content', repeat('Postgres is a database. ', 16)))),
    'usage', jsonb_build_object('prompt_tokens', 40 + i % 300, 'completion_tokens', 20 + i % 200)
  ) end,
  case when r >= 0.05 then repeat('Postgres is a database. ', 16) end,
  case when r >= 0.06 then 'stop' end,
  case when r >= 0.05 then 40 + (i % 300)::int end,
  case when r >= 0.05 then 20 + (i % 200)::int end,
  case when r >= 0.05 then 60 + (i % 300)::int + (i % 200)::int end,
  case when r >= 0.05 then (i % 7)::int * 10 end,
  case when r >= 0.05 then 0 end,
  case when r >= 0.05 then round((0.000001 * (1 + m) * (60 + i % 500))::numeric, 8) end,
  case when r >= 0.05 then 'provider' end,
  (200 + q * q * 8000)::int,
  case when i % 3 = 1 and r >= 0.05 then (80 + q * 900)::int end,
  case when r < 0.05 then 429 else 200 end,
  case when r < 0.05 then 'api' when r < 0.06 then 'cancelled' end,
  case when r < 0.05 then 'Rate limit exceeded for model vendor/model-' || m end,
  jsonb_build_object('feature', 'bench')
from g`;

// The rollups of one partition, through the trigger function, as 20261129120000 back-filled.
const BACKFILL_SQL = (partition: string) => `
create temporary table llm_usage_backfill (
  created_at timestamptz, edge_function text, model text, user_id text, status text,
  method_type text, prompt_tokens integer, completion_tokens integer, total_tokens integer,
  cached_tokens integer, reasoning_tokens integer, cost_usd numeric, response_time_ms integer,
  time_to_first_token_ms integer
);
create trigger llm_usage_backfill_roll_up after insert on pg_temp.llm_usage_backfill
  referencing new table as new_rows for each statement
  execute function private.llm_usage_roll_up();
insert into pg_temp.llm_usage_backfill
select created_at, edge_function, model, user_id, status, method_type, prompt_tokens,
  completion_tokens, total_tokens, cached_tokens, reasoning_tokens, cost_usd, response_time_ms,
  time_to_first_token_ms
from ${partition};
drop table pg_temp.llm_usage_backfill;`;

async function backfillRollups(sql: postgres.Sql): Promise<void> {
  const partitions = await sql.unsafe<{ name: string }[]>(
    `select p.relid::regclass::text as name from private.llm_call_logs_partitions() p`,
  );
  for (const { name } of partitions) {
    await sql.unsafe(BACKFILL_SQL(name));
    await sql.unsafe(`select private.llm_usage_fold_pending()`);
  }
}

/**
 * Creates the monthly partitions of the last 13 months (and 3 ahead), then generates `rows`
 * calls into `public.llm_call_logs` through the parent, in chunks, and analyzes the table.
 *
 * @example
 * ```ts
 * await loadScaleData(sql, { rows: 100_000, onProgress: (n) => console.error(n) });
 * ```
 */
export async function loadScaleData(sql: postgres.Sql, options: ScaleDataOptions): Promise<void> {
  const users = options.users ?? 10_000;
  const chunk = options.chunk ?? 200_000;
  if (!Number.isInteger(options.rows) || options.rows < 1) {
    throw new RangeError(`Invalid row count: ${options.rows} (expected a positive integer)`);
  }
  await sql.unsafe(
    `select private.llm_call_logs_create_partition(date_trunc('month', now()) + make_interval(months => m))
     from generate_series(-${SCALE_MONTHS - 1}, 3) as m`,
  );
  if (options.backfill) await sql.unsafe(`set session_replication_role = replica`);
  for (let first = 1; first <= options.rows; first += chunk) {
    const last = Math.min(first + chunk - 1, options.rows);
    await sql.unsafe(INSERT_CHUNK_SQL, [first, last, options.rows, users]);
    options.onProgress?.(last);
  }
  if (options.backfill) {
    await sql.unsafe(`set session_replication_role = origin`);
    await backfillRollups(sql);
  }
  // What the every-minute job does in production: nothing is left pending once it has run.
  await sql.unsafe(`select private.llm_usage_fold_pending()`);
  await sql.unsafe(`vacuum (analyze) public.llm_call_logs`);
  await sql.unsafe(
    `vacuum (analyze) private.llm_usage_hourly_folded, private.llm_usage_user_totals_folded,
       private.llm_usage_pending, public.llm_usage_hourly_all_users,
       public.llm_usage_daily_all_users, public.llm_usage_daily_by_model`,
  );
}
