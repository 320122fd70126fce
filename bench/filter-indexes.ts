/**
 * What the dashboard's filter indexes (`20261130140000_llm_call_logs_filter_indexes.sql`) buy and
 * cost, in one run on one database: an admin's calls page filtered on a rare, an absent and a
 * common value, and the writer's 500-row batches, with the three indexes and without them, in
 * alternating rounds (dropped and built again each round, so a slow spell of a shared machine
 * lands on both). Loads the `bench:scale` data into a throwaway PostgreSQL from the machine's
 * packages, plus a model called three times in the last 30 days.
 *
 * ```sh
 * npx -y deno@2.9.6 run -A bench/filter-indexes.ts 1000000   # rows; about 3 minutes
 * ```
 *
 * @module
 */
import postgres from "postgres";
import { INSERT_ROWS_SQL } from "../supabase/functions/_shared/llm/internal.ts";
import { logRow } from "../tests/fixtures/log-rows.ts";
import { migrationFiles, supabaseStandInSql } from "../tools/supabase-local/migrations.ts";
import { startThrowawayPostgres } from "../tools/throwaway-postgres.ts";
import { loadScaleData, scaleUserId } from "./scale-data.ts";

const INDEXES: Record<string, string> = {
  llm_call_logs_model_created_at_idx: "(model, created_at)",
  llm_call_logs_edge_function_created_at_idx: "(edge_function, created_at)",
  llm_call_logs_cancelled_created_at_idx: "(created_at) where status = 'cancelled'",
};
const FILTERS = [
  "model = 'vendor/rare'",
  "model = 'vendor/never-called'",
  "edge_function = 'rarely-run'",
  "status = 'cancelled'",
  "model = 'vendor/model-3'",
];
const ROUNDS = 4;

/** The dashboard's calls page as an admin's request sends it (readCallsPage), last 30 days. */
function page(filter: string): string {
  return `explain (analyze, format json)
    select id, created_at, model, status from public.llm_call_logs
    where created_at >= now() - interval '30 days' and created_at < now() and ${filter}
    order by created_at desc, id desc limit 26`;
}

const template = logRow({ completion_text: "Postgres is a relational database. ".repeat(8) });

function batch(): string {
  const now = Date.now();
  return JSON.stringify(Array.from({ length: 500 }, (_, i) => ({
    ...template,
    id: crypto.randomUUID(),
    created_at: new Date(now - Math.random() * 3_600_000).toISOString(),
    model: `vendor/model-${i % 20}`,
    user_id: scaleUserId(i % 100),
  })));
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

const rows = Number(Deno.args[0] ?? 1_000_000);
await using server = await startThrowawayPostgres();
const sql = postgres(server.url, { max: 1, onnotice: () => {} });
try {
  await sql.unsafe(await supabaseStandInSql());
  for (const file of await migrationFiles()) await sql.unsafe(file.sql);
  await loadScaleData(sql, { rows, backfill: true });
  await sql.unsafe(
    `insert into public.llm_call_logs (created_at, completed_at, method_type, model, status,
       request_messages)
     select now() - make_interval(days => g), now(), 'chat_completion', 'vendor/rare',
       'completed', '[]'
     from generate_series(1, 3) as g`,
  );
  const times = new Map<string, { with: number[]; without: number[] }>();
  const note = (what: string, withIndexes: boolean, ms: number) => {
    if (!times.has(what)) times.set(what, { with: [], without: [] });
    times.get(what)![withIndexes ? "with" : "without"].push(ms);
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const withIndexes of round % 2 ? [false, true] : [true, false]) {
      for (const [name, columns] of Object.entries(INDEXES)) {
        await sql.unsafe(
          withIndexes
            ? `create index if not exists ${name} on public.llm_call_logs ${columns}`
            : `drop index if exists public.${name}`,
        );
      }
      await sql.unsafe(`analyze public.llm_call_logs`);
      for (const filter of FILTERS) {
        for (let run = 0; run < 3; run++) {
          const [{ "QUERY PLAN": plan }] = await sql.unsafe(page(filter));
          const ms = (plan as { "Execution Time": number }[])[0]["Execution Time"];
          if (run > 0) note(`calls page, ${filter}`, withIndexes, ms);
        }
      }
      for (let run = 0; run < 8; run++) {
        const body = batch();
        const started = performance.now();
        await sql.unsafe(INSERT_ROWS_SQL, [body]);
        if (run >= 2) note("500-row insert batch", withIndexes, performance.now() - started);
      }
    }
  }
  // The last round ended with the indexes built: their size beside the table's.
  const [size] = await sql.unsafe<{ indexes: string; table: string }[]>(
    `select pg_size_pretty(sum(pg_relation_size(i.inhrelid))) as indexes,
       pg_size_pretty(pg_total_relation_size('public.llm_call_logs') + (
         select sum(pg_total_relation_size(relid)) from private.llm_call_logs_partitions()))
         as table
     from pg_inherits i where i.inhparent = any($1::regclass[])`,
    [Object.keys(INDEXES).map((name) => `public.${name}`)],
  );
  console.log(
    `The three indexes: ${size.indexes}; the table with all its indexes: ${size.table}\n`,
  );
  console.log(`| ${rows.toLocaleString("en")} rows, median ms | with the indexes | without |`);
  console.log("| --- | ---: | ---: |");
  for (const [what, { with: on, without: off }] of times) {
    console.log(`| ${what} | ${median(on).toFixed(2)} | ${median(off).toFixed(2)} |`);
  }
} finally {
  await sql.end();
}
