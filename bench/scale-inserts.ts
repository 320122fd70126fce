/**
 * The writer's batch throughput into a loaded table, with and without the rollup trigger, in
 * the same session and run: batches alternate between `session_replication_role = origin` (the
 * trigger fires) and `replica` (it does not), so a slow spell of a shared machine lands on both.
 * Then the fold of the per-user sums those batches left pending is timed once: it runs every
 * minute in its own transaction, not in the writer's, but it is work the database does for them.
 *
 * @module
 */
import type postgres from "postgres";
import { INSERT_ROWS_SQL } from "../supabase/functions/_shared/llm/internal.ts";
import type { LLMCallLogRow } from "../supabase/functions/_shared/llm/log-row.ts";
import { logRow } from "../tests/fixtures/log-rows.ts";
import { scaleUserId } from "./scale-data.ts";

/** Medians of one scenario. */
export interface BatchTiming {
  name: string;
  withoutMs: number;
  withMs: number;
  withoutRowsPerSecond: number;
  withRowsPerSecond: number;
  /** The every-minute fold of the per-user sums these batches left pending, outside the writer. */
  foldMs: number;
  foldedCalls: number;
}

const ROWS = 500;
const WARMUP = 3;
const RUNS = 15;

const template = logRow({
  completion_text: "Postgres is a relational database. ".repeat(8),
  request_messages: [{ role: "system", content: "Be brief." }, {
    role: "user",
    content: "Write one short sentence about Postgres.",
  }],
});

/** A batch of calls made in the last hour by `users` users over 20 models. */
function batch(users: number): LLMCallLogRow[] {
  const now = Date.now();
  return Array.from({ length: ROWS }, (_, i) => ({
    ...template,
    id: crypto.randomUUID(),
    created_at: new Date(now - Math.random() * 3_600_000).toISOString(),
    user_id: scaleUserId(Math.floor(Math.random() * users)),
    model: `vendor/model-${i % 20}`,
    response_time_ms: Math.floor(200 + Math.random() * 4000),
  }));
}

async function scenario(sql: postgres.Sql, name: string, users: number): Promise<BatchTiming> {
  const times = { origin: [] as number[], replica: [] as number[] };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const mode of i % 2 ? ["origin", "replica"] as const : ["replica", "origin"] as const) {
      await sql.unsafe(`set session_replication_role = ${mode}`);
      const rows = JSON.stringify(batch(users));
      const start = performance.now();
      await sql.unsafe(INSERT_ROWS_SQL, [rows]);
      if (i >= WARMUP) times[mode].push(performance.now() - start);
    }
  }
  await sql.unsafe(`set session_replication_role = origin`);
  const foldStart = performance.now();
  const [{ calls }] = await sql.unsafe<{ calls: string }[]>(
    `select private.llm_usage_fold_pending() as calls`,
  );
  const foldMs = performance.now() - foldStart;
  const withoutMs = median(times.replica);
  const withMs = median(times.origin);
  return {
    name,
    withoutMs,
    withMs,
    withoutRowsPerSecond: ROWS / withoutMs * 1000,
    withRowsPerSecond: ROWS / withMs * 1000,
    foldMs,
    foldedCalls: Number(calls),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Times 500-row batches for one user (the writer benchmark's rows) and for 10,000 users (every
 * call a new per-user rollup row: the worst case).
 *
 * @example
 * ```ts
 * console.table(await timeBatches(sql));
 * ```
 */
export async function timeBatches(sql: postgres.Sql): Promise<BatchTiming[]> {
  return [
    await scenario(sql, "1 user, 20 models", 1),
    await scenario(sql, "10,000 users, 20 models", 10_000),
  ];
}
