import assert from "node:assert/strict";
import postgres from "postgres";
import { createSqlSink } from "../../supabase/functions/_shared/llm-service.ts";
import { migrationFiles, supabaseStandInSql } from "../../tools/supabase-local/migrations.ts";
import {
  restartThrowawayPostgres,
  startThrowawayPostgres,
} from "../../tools/throwaway-postgres.ts";
import { openTestDatabase } from "../harness/database.ts";
import { accountFor, runSoak, type SoakReport } from "../harness/soak.ts";

function assertAccountedFor(report: SoakReport): void {
  const { duplicates, missing, both } = accountFor(report);
  assert.deepEqual(duplicates, [], "no row is stored or printed twice");
  assert.deepEqual(both, [], "no row is both stored and printed");
  assert.deepEqual(missing, [], "every call has its row");
  assert.equal(report.stored.length + report.printed.length, report.calls);
  for (const kind of ["completed", "failed", "streamed", "cancelled", "transport_failed"]) {
    assert.ok(report.kinds[kind] > 0, `the mix has ${kind} calls`);
  }
  assert.ok(report.writes.failed_before > 0 && report.writes.failed_after > 0);
  assert.ok(report.writes.timed_out > 0, "some writes outlived their attempt");
}

Deno.test("soak: 1,000 mixed calls at concurrency 100, a sink failing 30% of writes: every row written or printed, once", async () => {
  await using db = await openTestDatabase();
  const report = await runSoak({
    sink: createSqlSink((text, params) => db.query(text, params)),
    storedRequestIds: async () =>
      (await db.query<{ request_id: string }>(`select request_id from llm_call_logs`))
        .map((row) => row.request_id),
  });
  assertAccountedFor(report);
});

const haveServer = await postgresBinaries();
// On Deno 2.1 (the Edge Runtime's), postgres.js over node:net stalls this soak after the restart
// (seen 2026-11-29, not yet understood); the SQL sink itself runs on 2.1 in sinks.test.ts.
const [major, minor] = Deno.version.deno.split(".").map(Number);
const newEnoughDeno = major > 2 || (major === 2 && minor >= 2);

Deno.test({
  name: "soak: the SQL sink against a real PostgreSQL restarted mid-run loses and doubles nothing",
  ignore: !haveServer || !newEnoughDeno,
  async fn() {
    await using server = await startThrowawayPostgres();
    const sql = postgres(server.url, { max: 4, onnotice: () => {}, connect_timeout: 5 });
    globalThis.addEventListener("error", ignorePostgresWriteAfterClose);
    globalThis.addEventListener("unhandledrejection", ignorePostgresWriteAfterClose);
    try {
      await sql.unsafe(await supabaseStandInSql());
      for (const file of await migrationFiles()) await sql.unsafe(file.sql);
      let restarts = 0;
      const report = await runSoak({
        sink: createSqlSink((text, params) => sql.unsafe(text, params as string[])),
        storedRequestIds: async () =>
          (await sql.unsafe(`select request_id from llm_call_logs`)).map((r) => r.request_id),
        midway: async () => {
          await restartThrowawayPostgres(server.dir);
          restarts++;
        },
        writer: { maxAttempts: 20, retryDelayMs: 50 },
      });
      assert.equal(restarts, 1);
      assertAccountedFor(report);
    } finally {
      await sql.end({ timeout: 5 });
      globalThis.removeEventListener("error", ignorePostgresWriteAfterClose);
      globalThis.removeEventListener("unhandledrejection", ignorePostgresWriteAfterClose);
    }
  },
});

/**
 * postgres.js 3.4.9 (the latest) can write to a connection the restarted server has already
 * closed, from a `setImmediate` where nothing can catch it (porsager/postgres#1154, fix proposed in
 * #1176; denoland/deno#34667); its other writes (the terminate message of `end()`) can meet the
 * same closed socket. It surfaces as an uncaught error or, from a loaded full run, as an unhandled
 * rejection. The query on that connection has already been rejected, so the writer retries its
 * batch; the soak's accounting below still proves that no row is lost or doubled. While the
 * server restarts, a socket error of postgres.js's connections (`ECONNREFUSED` on reconnecting,
 * `ECONNRESET` on reading) can also surface as an unhandled rejection from Deno's `node:net`
 * itself, with no postgres.js frame in its stack (each about 1 run in 12 on 2026-11-30, Deno
 * 2.9.6); postgres.js has already failed the query on it. Only these, thrown from inside
 * postgres.js or Deno's `node:` sockets, are let through; anything else stays uncaught.
 */
function ignorePostgresWriteAfterClose(event: ErrorEvent | PromiseRejectionEvent): void {
  const error = "reason" in event ? event.reason : event.error;
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const writeAfterClose = /ended by the other party|reading 'write'/.test(String(error?.message)) &&
    /postgres[/@]3\.4\.9/.test(stack);
  const socketError = ["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(error?.code) &&
    /ext:deno_node\/(net|internal\/stream_base_commons)\.ts/.test(stack);
  if (writeAfterClose || socketError) event.preventDefault();
}
if (!haveServer) {
  console.log("soak against PostgreSQL skipped: no PostgreSQL binaries (install postgresql-15)");
} else if (!newEnoughDeno) {
  console.log(`soak against PostgreSQL skipped on Deno ${Deno.version.deno}: run it on Deno 2.9`);
}

async function postgresBinaries(): Promise<boolean> {
  try {
    const out = await new Deno.Command("pg_config", { args: ["--bindir"], stdout: "piped" })
      .output();
    const bin = new TextDecoder().decode(out.stdout).trim();
    return out.success && (await Deno.stat(`${bin}/initdb`)).isFile;
  } catch {
    return false;
  }
}
