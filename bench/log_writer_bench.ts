/**
 * Writer throughput: rows per second into a real PostgreSQL server and into PGlite, the
 * batching LogWriter against one insert per row through the same SQL sink.
 *
 * The server is `DATABASE_URL` when set; otherwise a throwaway PostgreSQL is started from the
 * machine's packages, the way CI does, and removed afterwards. Each side gets a fresh migrated
 * database.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { LLMCallLogRow } from "../supabase/functions/_shared/llm/log-row.ts";
import { LogWriter } from "../supabase/functions/_shared/llm/log-writer.ts";
import { createSqlSink, type SqlQuery } from "../supabase/functions/_shared/llm/sql-sink.ts";
import { migrationFiles, supabaseStandInSql } from "../tools/supabase-local/migrations.ts";
import { logRow } from "../tests/fixtures/log-rows.ts";
import { prepareDatabase } from "../tools/prepare-database.ts";
import { startThrowawayPostgres, stopThrowawayPostgresSync } from "../tools/throwaway-postgres.ts";

const quick = Deno.env.get("BENCH_QUICK") === "1" ? { n: 1, warmup: 0 } : {};
const ROWS = 500;

const server = Deno.env.get("DATABASE_URL") ? null : await startThrowawayPostgres();
globalThis.addEventListener("unload", () => server && stopThrowawayPostgresSync(server.dir));
const serverUrl = Deno.env.get("DATABASE_URL") ?? server!.url;
await prepareDatabase(serverUrl, "llm_bench_writer");
const target = new URL(serverUrl);
target.pathname = "/llm_bench_writer";
const sql = postgres(target.href, { max: 1, onnotice: () => {} });
const pglite = await PGlite.create();
await pglite.exec(await supabaseStandInSql());
for (const file of await migrationFiles()) await pglite.exec(file.sql);

const template = logRow({
  completion_text: "Postgres is a relational database. ".repeat(8),
  request_messages: [{ role: "system", content: "Be brief." }, {
    role: "user",
    content: "Write one short sentence about Postgres.",
  }],
});
const freshRows = (): LLMCallLogRow[] =>
  Array.from({ length: ROWS }, () => ({ ...template, id: crypto.randomUUID() }));

function benches(name: string, query: SqlQuery): void {
  const sink = createSqlSink(query);
  Deno.bench({
    name: `one insert per row (${ROWS} rows)`,
    group: `writer throughput, ${name}`,
    baseline: true,
    ...quick,
    async fn() {
      for (const row of freshRows()) await sink.write([row]);
    },
  });
  Deno.bench({
    name: `LogWriter batches (${ROWS} rows)`,
    group: `writer throughput, ${name}`,
    ...quick,
    async fn() {
      const writer = new LogWriter({ sink, batchDelayMs: 0 });
      for (const row of freshRows()) writer.enqueue(row);
      await writer.flush();
    },
  });
}

benches("PostgreSQL server", (text, params) => sql.unsafe(text, params as string[]));
benches("PGlite", (text, params) => pglite.query(text, params));
