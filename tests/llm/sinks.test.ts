import assert from "node:assert/strict";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { LOG_COLUMNS } from "../../supabase/functions/_shared/llm/internal.ts";
import { LogWriteError } from "../../supabase/functions/_shared/llm/log-sink.ts";
import { createSqlSink } from "../../supabase/functions/_shared/llm/sql-sink.ts";
import { createSupabaseSink } from "../../supabase/functions/_shared/llm/supabase-sink.ts";
import { openTestDatabase, type TestDatabase } from "../harness/database.ts";
import { createPostgrestStandIn } from "../../tools/supabase-local/postgrest-stand-in.ts";
import { logRow } from "../fixtures/log-rows.ts";

const SERVICE_KEY = "sb_secret_test_service_key_0123456789";
/** The row as stored, with values normalised to what the service sent. */
async function storedRow(database: TestDatabase, id: string): Promise<Record<string, unknown>> {
  const [row] = await database.query<{ row: Record<string, unknown> }>(
    `select to_jsonb(l) as row from llm_call_logs l where id = $1`,
    [id],
  );
  assert.ok(row, `row ${id} was not stored`);
  const stored = typeof row.row === "string" ? JSON.parse(row.row) : row.row;
  for (const key of ["created_at", "completed_at"]) {
    if (stored[key]) stored[key] = new Date(stored[key]).toISOString();
  }
  if (stored.cost_usd !== null) stored.cost_usd = String(stored.cost_usd);
  return stored;
}

/** A Supabase sink whose requests the PostgREST stand-in executes on `db`. */
function supabaseSinkOver(db: TestDatabase, key = SERVICE_KEY) {
  const postgrest = createPostgrestStandIn(db, { serviceKey: SERVICE_KEY });
  const sink = createSupabaseSink({ url: "http://supabase.test", key, fetch: postgrest.fetch });
  return { postgrest, sink };
}

Deno.test("log sinks write rows that land whole in llm_call_logs", async (t) => {
  await using db = await openTestDatabase();

  await t.step(
    "the Supabase sink sends what PostgREST expects and the rows land whole",
    async () => {
      const { postgrest, sink } = supabaseSinkOver(db);
      const rows = [
        logRow(),
        logRow({
          status: "failed",
          http_status: 429,
          error_type: "rate_limited",
          error_message: "Rate limit exceeded; provider: OpenAI",
          error_details: { code: 429, metadata: { provider_name: "OpenAI" } },
          cost_usd: null,
          cost_source: null,
          prompt_tokens: null,
        }),
      ];
      await sink.write(rows);

      assert.equal(postgrest.calls.length, 1, "one batch, one request");
      const [call] = postgrest.calls;
      assert.equal(call.method, "POST");
      assert.equal(call.url.pathname, "/rest/v1/llm_call_logs");
      assert.equal(call.headers.get("apikey"), SERVICE_KEY);
      assert.equal(call.headers.get("authorization"), `Bearer ${SERVICE_KEY}`);
      assert.deepEqual(
        call.url.searchParams.get("columns")?.split(",").map((c) => c.replaceAll('"', "")).sort(),
        LOG_COLUMNS.map((c) => c.name).sort(),
      );
      assert.equal(call.status, 201);
      for (const row of rows) assert.deepEqual(await storedRow(db, row.id), row);
    },
  );

  await t.step(
    "the Supabase sink rejects with a permanent error when PostgREST refuses the rows",
    async () => {
      const { postgrest, sink } = supabaseSinkOver(db);
      const invalid = { ...logRow(), status: "exploded" } as unknown as LLMCallLogRow;
      const error = await sink.write([invalid]).then(() => null, (e) => e);
      assert.ok(error instanceof LogWriteError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /HTTP 400/);
      assert.match(error.message, /23514/);
      assert.deepEqual(postgrest.calls.map((c) => c.status), [400], "sent once, refused once");
    },
  );

  await t.step(
    "the Supabase sink rejects a key that is not the service key, without retry",
    async () => {
      const { sink } = supabaseSinkOver(db, "anon");
      const error = await sink.write([logRow()]).then(() => null, (e) => e);
      assert.ok(error instanceof LogWriteError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /HTTP 401/);
    },
  );

  await t.step("the Supabase sink reports an unreachable database as retryable", async () => {
    const sink = createSupabaseSink({
      url: "http://supabase.test",
      key: SERVICE_KEY,
      fetch: () => Promise.reject(new TypeError("connection refused")),
    });
    const error = await sink.write([logRow()]).then(() => null, (e) => e);
    assert.ok(error instanceof LogWriteError);
    assert.equal(error.retryable, true);
  });

  await t.step(
    "the Supabase sink never forwards a user's session: only the service key is sent",
    async () => {
      const seen: Headers[] = [];
      const sink = createSupabaseSink({
        url: "http://supabase.test",
        key: SERVICE_KEY,
        fetch: (input, init) => {
          seen.push(new Request(input, init).headers);
          return Promise.resolve(new Response(null, { status: 201 }));
        },
      });
      await sink.write([logRow()]);
      await sink.write([logRow()]);
      assert.equal(seen.length, 2);
      for (const headers of seen) {
        assert.equal(headers.get("authorization"), `Bearer ${SERVICE_KEY}`);
      }
    },
  );

  await t.step("the SQL sink writes a batch in one statement and the rows land whole", async () => {
    const statements: string[] = [];
    const sink = createSqlSink((text, params) => {
      statements.push(text);
      return db.query(text, params);
    });
    const rows = [
      logRow(),
      logRow({ method_type: "stream_completion", time_to_first_token_ms: 42 }),
    ];
    await sink.write(rows);
    assert.equal(statements.length, 1);
    for (const row of rows) assert.deepEqual(await storedRow(db, row.id), row);
  });

  await t.step(
    "the SQL sink marks constraint violations permanent and other failures retryable",
    async () => {
      const sink = createSqlSink((text, params) => db.query(text, params));
      const invalid = { ...logRow(), cost_source: "guessed" } as unknown as LLMCallLogRow;
      const permanent = await sink.write([invalid]).then(() => null, (e) => e);
      assert.ok(permanent instanceof LogWriteError);
      assert.equal(permanent.retryable, false);
      assert.match(permanent.message, /SQLSTATE 23514/);

      const down = createSqlSink(() => Promise.reject(new Error("Connection terminated")));
      const retryable = await down.write([logRow()]).then(() => null, (e) => e);
      assert.ok(retryable instanceof LogWriteError);
      assert.equal(retryable.retryable, true);
    },
  );

  await t.step("rows with far-past and far-future dates still land", async () => {
    const sink = createSqlSink((text, params) => db.query(text, params));
    const rows = [
      logRow({ created_at: "1990-01-01T00:00:00.000Z", completed_at: "1990-01-01T00:00:01.000Z" }),
      logRow({ created_at: "2100-06-15T00:00:00.000Z", completed_at: "2100-06-15T00:00:01.000Z" }),
    ];
    await sink.write(rows);
    for (const row of rows) assert.deepEqual(await storedRow(db, row.id), row);
  });
});

// Against a real stack: `supabase start`, then SUPABASE_URL=http://127.0.0.1:54321 and
// SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEYS) from `supabase status`. Skipped otherwise.
const stackUrl = Deno.env.get("SUPABASE_URL");
const stackKey = Deno.env.get("SUPABASE_SERVICE_ROLE_KEY") ??
  Object.values(JSON.parse(Deno.env.get("SUPABASE_SECRET_KEYS") ?? "{}"))[0] as string | undefined;

Deno.test({
  name: "the Supabase sink writes to a real Supabase stack when SUPABASE_URL and a key are set",
  ignore: !stackUrl || !stackKey,
  async fn() {
    const sink = createSupabaseSink({ url: stackUrl!, key: stackKey! });
    const row = logRow({ metadata: { test: "sinks.test.ts real stack" } });
    await sink.write([row]);
    const response = await fetch(
      `${stackUrl}/rest/v1/llm_call_logs?id=eq.${row.id}&select=id,status,cost_usd,metadata`,
      { headers: { apikey: stackKey!, authorization: `Bearer ${stackKey}` } },
    );
    assert.equal(response.status, 200);
    const [stored] = await response.json();
    assert.deepEqual(stored, {
      id: row.id,
      status: row.status,
      cost_usd: Number(row.cost_usd),
      metadata: row.metadata,
    });
  },
});

/** Random text that does not compress: a value no btree index row can hold. */
function incompressible(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return btoa(String.fromCharCode(...bytes)).slice(0, length);
}

Deno.test("log sinks write idempotently and say when the rows themselves were refused", async (t) => {
  await using db = await openTestDatabase();
  const count = async (id: string) =>
    (await db.query<{ n: number }>(`select count(*)::int as n from llm_call_logs where id = $1`, [
      id,
    ]))[0].n;

  await t.step(
    "the Supabase sink upserts with ignore-duplicates as service_role, so a retried batch succeeds once",
    async () => {
      const { postgrest, sink } = supabaseSinkOver(db);
      const rows = [logRow(), logRow()];
      await sink.write(rows);
      await sink.write(rows); // the retry after a lost acknowledgement
      assert.deepEqual(postgrest.calls.map((c) => c.status), [201, 201]);
      const [call] = postgrest.calls;
      assert.equal(call.url.searchParams.get("on_conflict"), "id,created_at");
      assert.match(call.headers.get("prefer") ?? "", /resolution=ignore-duplicates/);
      for (const row of rows) assert.equal(await count(row.id), 1);
    },
  );

  await t.step("the SQL sink skips rows already stored instead of failing", async () => {
    const sink = createSqlSink((text, params) => db.query(text, params));
    const rows = [logRow(), logRow()];
    await sink.write([rows[0]]);
    await sink.write(rows);
    for (const row of rows) assert.equal(await count(row.id), 1);
  });

  await t.step("an index row too large (54000) is a content failure for both sinks", async () => {
    const huge = logRow({ user_id: incompressible(10_000) });
    const sql = createSqlSink((text, params) => db.query(text, params));
    const viaSql = await sql.write([huge]).then(() => null, (e) => e);
    assert.ok(viaSql instanceof LogWriteError);
    assert.equal(viaSql.failure, "content");
    assert.match(viaSql.message, /SQLSTATE 54000/);

    const { postgrest, sink } = supabaseSinkOver(db);
    const viaRest = await sink.write([huge]).then(() => null, (e) => e);
    assert.ok(viaRest instanceof LogWriteError);
    assert.deepEqual(postgrest.calls.map((c) => c.status), [500], "PostgREST answers 500");
    assert.equal(viaRest.failure, "content", "but the code, 54000, blames the row");
  });

  await t.step("the SQL sink stops waiting when aborted, and hands the signal on", async () => {
    let handed: AbortSignal | undefined;
    const sink = createSqlSink((_text, _params, options) => {
      handed = options?.signal;
      return new Promise(() => {}); // a statement that never returns
    });
    const controller = new AbortController();
    const writing = sink.write([logRow()], { signal: controller.signal });
    const reason = new Error("timed out");
    controller.abort(reason);
    assert.equal(await writing.then(() => null, (e) => e), reason);
    assert.equal(handed, controller.signal);
  });
});
