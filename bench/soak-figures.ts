/**
 * The figures of `docs/reliability.md`: the soak of `tests/llm/soak.test.ts`, run in three
 * variants, with where the rows went, peak memory and throughput.
 *
 * ```sh
 * deno run -A bench/soak-figures.ts            # PGlite
 * DATABASE_URL=… deno run -A bench/soak-figures.ts   # also: a server restarted mid-run
 * ```
 *
 * @module
 */
import postgres from "postgres";
import { createSqlSink } from "../supabase/functions/_shared/llm-service.ts";
import { openTestDatabase } from "../tests/harness/database.ts";
import { accountFor, runSoak, type SoakOptions, type SoakReport } from "../tests/harness/soak.ts";
import { migrationFiles, supabaseStandInSql } from "../tools/supabase-local/migrations.ts";
import { restartThrowawayPostgres, startThrowawayPostgres } from "../tools/throwaway-postgres.ts";

async function onPGlite(extra: Partial<SoakOptions> = {}): Promise<SoakReport> {
  await using db = await openTestDatabase();
  return await runSoak({
    sink: createSqlSink((text, params) => db.query(text, params)),
    storedRequestIds: async () =>
      (await db.query<{ request_id: string }>(`select request_id from llm_call_logs`))
        .map((row) => row.request_id),
    ...extra,
  });
}

async function onRestartedServer(): Promise<SoakReport> {
  await using server = await startThrowawayPostgres();
  const sql = postgres(server.url, { max: 4, onnotice: () => {} });
  try {
    await sql.unsafe(await supabaseStandInSql());
    for (const file of await migrationFiles()) await sql.unsafe(file.sql);
    return await runSoak({
      sink: createSqlSink((text, params) => sql.unsafe(text, params as string[])),
      storedRequestIds: async () =>
        (await sql.unsafe(`select request_id from llm_call_logs`)).map((r) => r.request_id),
      midway: () => restartThrowawayPostgres(server.dir),
      writer: { maxAttempts: 20, retryDelayMs: 50 },
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function line(name: string, r: SoakReport): string {
  const { duplicates, missing } = accountFor(r);
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const rate = (r.stored.length / (r.elapsedMs / 1000)).toFixed(0);
  return `| ${name} | ${r.calls} | ${r.stored.length} | ${r.printed.length} | ` +
    `${duplicates.length} / ${missing.length} | ${mb(r.peakHeap)} / ${mb(r.peakRss)} | ` +
    `${(r.elapsedMs / 1000).toFixed(1)} s (${rate} rows/s) | ${r.flushMs.toFixed(0)} ms |`;
}

console.log(
  "| variant | calls | rows written | fallback lines | duplicates / missing | peak heap / RSS | " +
    "calls to flushed | flush() |",
);
console.log("|---|---|---|---|---|---|---|---|");
console.log(line("PGlite, 30% of writes failing", await onPGlite()));
console.log(line(
  "PGlite, 30% failing, 1 row in 50 refused (23514)",
  await onPGlite({ poisoned: (id) => Number(id.slice(5)) % 50 === 7 }),
));
console.log(line("PGlite, no write failing", await onPGlite({ failureRate: 0 })));
try {
  console.log(line("PostgreSQL 15 restarted mid-run, 30% failing", await onRestartedServer()));
} catch (error) {
  console.log(`(no PostgreSQL server variant: ${(error as Error).message})`);
}
