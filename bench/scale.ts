/**
 * `deno task bench:scale`: loads N synthetic calls into a throwaway PostgreSQL, then times every
 * documented query, view and user path through RLS, retention, the storage report, and 500-row
 * batch inserts with and without the rollup trigger, and prints a Markdown table.
 *
 * ```sh
 * deno task bench:scale                       # 20,000 rows: a minute, what CI runs
 * deno task bench:scale --rows 10000000       # the 10 million (hours; ~20 GB of disk)
 * DATABASE_URL=postgres://… deno task bench:scale --rows 1000000 --reuse
 * deno task bench:scale --rows 10000000 --backfill  # load with the trigger off, then back-fill
 * ```
 *
 * Without `DATABASE_URL` a throwaway server is started from the machine's packages and removed
 * afterwards. With it, the database `llm_bench_scale` is (re)created there and left for
 * inspection; `--reuse` keeps an already loaded one. Query times are `explain analyze` execution
 * times, median of 3 after one warm-up run. Insert batches alternate between the trigger firing
 * and not (`session_replication_role = replica`, which needs a superuser) in the same session.
 *
 * @module
 */
import postgres from "postgres";
import { migrationFiles, supabaseStandInSql } from "../tools/supabase-local/migrations.ts";
import { startThrowawayPostgres, stopThrowawayPostgresSync } from "../tools/throwaway-postgres.ts";
import { loadScaleData } from "./scale-data.ts";
import { SCALE_CLAIMS, type ScaleCase, scaleCases } from "./scale-cases.ts";
import { type BatchTiming, timeBatches } from "./scale-inserts.ts";

/** The parsed command line. */
export interface ScaleArgs {
  rows: number;
  reuse: boolean;
  /** Load with the rollup trigger off, then back-fill the rollups (faster, same rollups). */
  backfill: boolean;
}

/**
 * Parses `--rows N` (default 20,000, or `SCALE_ROWS`), `--reuse` and `--backfill`.
 *
 * @example
 * ```ts
 * parseScaleArgs(["--rows", "1000000"]); // { rows: 1000000, reuse: false, backfill: false }
 * ```
 */
export function parseScaleArgs(args: readonly string[]): ScaleArgs {
  const parsed: ScaleArgs = {
    rows: Number(Deno.env.get("SCALE_ROWS") ?? 20_000),
    reuse: false,
    backfill: false,
  };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--reuse") parsed.reuse = true;
    else if (args[i] === "--backfill") parsed.backfill = true;
    else if (args[i] === "--rows") parsed.rows = Number(args[++i]?.replaceAll("_", ""));
    else {throw new TypeError(
        `Unknown argument: "${args[i]}" (expected --rows N, --reuse or --backfill)`,
      );}
  }
  if (!Number.isInteger(parsed.rows) || parsed.rows < 1) {
    throw new RangeError(`Invalid --rows: ${parsed.rows} (expected a positive integer)`);
  }
  return parsed;
}

/** One line of the printed table. */
interface Timing {
  name: string;
  role: string;
  ms: number;
  rows: number;
}

async function timeCase(sql: postgres.Sql, item: ScaleCase): Promise<Timing> {
  const runs: number[] = [];
  let rows = 0;
  for (let run = 0; run < 4; run++) {
    const plan = await sql.begin(async (tx) => {
      if (item.role !== "postgres") {
        await tx.unsafe(
          `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`,
          [JSON.stringify(SCALE_CLAIMS[item.role])],
        );
      }
      const [row] = await tx.unsafe(
        `explain (analyze, format json) ${item.sql}`,
        (item.params ?? []) as string[],
      );
      return (row["QUERY PLAN"] as { "Execution Time": number; Plan: { "Actual Rows": number } }[])[
        0
      ];
    });
    rows = plan.Plan["Actual Rows"];
    if (run > 0) runs.push(plan["Execution Time"]);
  }
  return { name: item.name, role: item.role, ms: median(runs), rows };
}

/** Thrown to roll a transaction back on purpose. */
class Rollback extends Error {}

async function timeRetention(sql: postgres.Sql): Promise<Timing> {
  const runs: number[] = [];
  let rows = 0;
  for (let run = 0; run < 3; run++) {
    // Rolled back, so every run drops the same oldest month and the data stays for the rest.
    await sql.begin(async (tx) => {
      const start = performance.now();
      const result = await tx.unsafe(
        `select * from private.llm_call_logs_apply_retention(12, 'drop')`,
      );
      runs.push(performance.now() - start);
      rows = result.length;
      throw new Rollback();
    }).catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
  }
  return {
    name: "retention: drop the months past 12 (rolled back)",
    role: "postgres",
    ms: median(runs),
    rows,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function openDatabase(url: string, args: ScaleArgs): Promise<postgres.Sql> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const exists =
    (await admin.unsafe(`select from pg_database where datname = 'llm_bench_scale'`)).length;
  if (!args.reuse || !exists) {
    await admin.unsafe(`drop database if exists llm_bench_scale with (force)`);
    await admin.unsafe(`create database llm_bench_scale`);
  }
  await admin.end();
  const target = new URL(url);
  target.pathname = "/llm_bench_scale";
  const sql = postgres(target.href, { max: 1, onnotice: () => {}, idle_timeout: 0 });
  if (!args.reuse || !exists) {
    await sql.unsafe(await supabaseStandInSql());
    for (const file of await migrationFiles()) await sql.unsafe(file.sql);
  }
  return sql;
}

function formatReport(rows: number, timings: Timing[], batches: BatchTiming[]): string {
  const lines = [
    `| query (${rows.toLocaleString("en-US")} rows) | as | ms | rows out |`,
    `|---|---|---:|---:|`,
    ...timings.map((t) => `| ${t.name} | ${t.role} | ${t.ms.toFixed(2)} | ${t.rows} |`),
    ``,
    `| 500-row batch insert (INSERT_ROWS_SQL) | without rollups | with rollups | rollups' share |`,
    `|---|---:|---:|---:|`,
    ...batches.map((b) =>
      `| ${b.name} | ${b.withoutMs.toFixed(2)} ms (${
        Math.round(b.withoutRowsPerSecond)
      } rows/s) | ${b.withMs.toFixed(2)} ms (${Math.round(b.withRowsPerSecond)} rows/s) | ${
        (100 * (1 - b.withRowsPerSecond / b.withoutRowsPerSecond)).toFixed(1)
      }% of throughput |`
    ),
    ``,
    `| then the fold of what those batches left pending | calls | ms | µs per call |`,
    `|---|---:|---:|---:|`,
    ...batches.map((b) =>
      `| ${b.name} | ${b.foldedCalls} | ${b.foldMs.toFixed(1)} | ${
        (1000 * b.foldMs / Math.max(b.foldedCalls, 1)).toFixed(1)
      } |`
    ),
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const args = parseScaleArgs(Deno.args);
  const server = Deno.env.get("DATABASE_URL") ? null : await startThrowawayPostgres();
  globalThis.addEventListener("unload", () => server && stopThrowawayPostgresSync(server.dir));
  const sql = await openDatabase(Deno.env.get("DATABASE_URL") ?? server!.url, args);
  try {
    const [{ n }] = await sql.unsafe(`select count(*)::bigint as n from public.llm_call_logs`);
    if (Number(n) === 0) {
      const started = performance.now();
      await loadScaleData(sql, {
        rows: args.rows,
        backfill: args.backfill,
        onProgress: (done) =>
          console.error(
            `loaded ${done} rows (${Math.round((performance.now() - started) / 1000)} s)`,
          ),
      });
    }
    const total = Number(
      (await sql.unsafe(`select count(*)::bigint as n from public.llm_call_logs`))[0].n,
    );
    const timings: Timing[] = [];
    for (const item of scaleCases()) timings.push(await timeCase(sql, item));
    timings.push(await timeRetention(sql));
    const batches = await timeBatches(sql);
    console.log(formatReport(total, timings, batches));
  } finally {
    await sql.end();
    if (server) await server.stop();
  }
}
