/**
 * Writer throughput: rows per second into a real PostgreSQL server and into PGlite, the
 * batching BatchWriter against one insert per row through the same SQL sink.
 *
 * The server is `DATABASE_URL` when set; otherwise a throwaway PostgreSQL is started from the
 * machine's packages, the way CI does, and removed afterwards; on a machine with neither, the
 * server group is skipped with one line saying how to run it. Each side writes to one migrated
 * database, emptied before every iteration.
 *
 * Statements are not prepared (`sql.unsafe` without `prepare`), as Supabase's transaction
 * pooler requires: with prepared statements on a direct connection, one insert per row is about
 * twice as fast (the plan of the statement is most of its cost) and the ratio halves.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { LLMCallLogRow } from "../supabase/functions/_shared/llm/log-row.ts";
import { LOG_TABLE } from "../supabase/functions/_shared/llm/internal.ts";
import { BatchWriter } from "../supabase/functions/_shared/llm/batch-writer.ts";
import { createSqlSink, type SqlQuery } from "../supabase/functions/_shared/llm/sql-sink.ts";
import { migrationFiles, supabaseStandInSql } from "../tools/supabase-local/migrations.ts";
import { logRow } from "../tests/fixtures/log-rows.ts";
import { prepareDatabase } from "../tools/prepare-database.ts";
import {
  findPostgresBinDir,
  startThrowawayPostgres,
  stopThrowawayPostgresSync,
} from "../tools/throwaway-postgres.ts";

// A run of 500 rows takes 15-250 ms, so deno bench's own choice of iterations leaves few samples
// and one slow run (a checkpoint, a stall on a shared machine) moves the mean: take 40 of each.
const quick = Deno.env.get("BENCH_QUICK") === "1" ? { n: 1, warmup: 0 } : { n: 40, warmup: 4 };
const ROWS = 500;

/** The line printed instead of the server group where no server can be had. */
const SERVER_SKIPPED =
  "writer throughput, PostgreSQL server: skipped (no DATABASE_URL and no PostgreSQL installed); " +
  "run with DATABASE_URL=postgres://postgres@127.0.0.1:54322/postgres deno task bench";

const givenUrl = Deno.env.get("DATABASE_URL");
const server = givenUrl || !findPostgresBinDir() ? null : await startThrowawayPostgres();
globalThis.addEventListener("unload", () => server && stopThrowawayPostgresSync(server.dir));
const serverUrl = givenUrl ?? server?.url;
let sql: postgres.Sql | null = null;
if (serverUrl) {
  await prepareDatabase(serverUrl, "llm_bench_writer");
  const target = new URL(serverUrl);
  target.pathname = "/llm_bench_writer";
  sql = postgres(target.href, { max: 1, onnotice: () => {} });
} else {
  console.log(SERVER_SKIPPED);
}
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

/**
 * Each iteration starts from an empty table with fresh rows, outside the timing: otherwise the
 * rows of earlier iterations grow the indexes and wake autovacuum during later ones, which
 * showed as 45-65 ms outliers in a side whose runs otherwise take 15-20 ms.
 */
function benches(name: string, query: SqlQuery): void {
  const sink = createSqlSink(query);
  const prepare = async () => {
    await query(`truncate public.${LOG_TABLE}`, []);
    return freshRows();
  };
  Deno.bench({
    name: `one insert per row (${ROWS} rows)`,
    group: `writer throughput, ${name}`,
    baseline: true,
    ...quick,
    async fn(b) {
      const rows = await prepare();
      b.start();
      for (const row of rows) await sink.write([row]);
      b.end();
    },
  });
  Deno.bench({
    name: `BatchWriter batches (${ROWS} rows)`,
    group: `writer throughput, ${name}`,
    ...quick,
    async fn(b) {
      const rows = await prepare();
      b.start();
      const writer = new BatchWriter({ sink, fallback: (line) => console.error(line) });
      for (const row of rows) writer.enqueue([{ row, settled: () => {} }]);
      await writer.flush();
      b.end();
    },
  });
}

if (sql) {
  const server = sql;
  benches("PostgreSQL server", (text, params) => server.unsafe(text, params as string[]));
}
benches("PGlite", (text, params) => pglite.query(text, params));
