import assert from "node:assert/strict";
import { openTestDatabase, type Queryable, type TestDatabase } from "../harness/database.ts";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { INSERT_ROWS_SQL } from "../../supabase/functions/_shared/llm/internal.ts";
import { createPostgrestStandIn } from "../../tools/supabase-local/postgrest-stand-in.ts";
import { logRow } from "../fixtures/log-rows.ts";
import { rollupMismatches } from "./usage-rollups-expected.ts";

const alice = "00000000-0000-4000-8000-00000000a11c";
const bob = "00000000-0000-4000-8000-000000000b0b";
const adminClaims = {
  sub: "00000000-0000-4000-8000-0000000ad814",
  app_metadata: { role: "admin" },
};

/** A varied batch: users (and none), models, functions, statuses, streams, unknown costs. */
function calls(count: number, at: (i: number) => string): LLMCallLogRow[] {
  return Array.from({ length: count }, (_, i) =>
    logRow({
      created_at: at(i),
      user_id: [alice, bob, "user_456", null][i % 4],
      model: ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "x/free"][i % 3],
      edge_function: i % 5 === 0 ? null : ["chat", "chat-stream"][i % 2],
      method_type: i % 2 ? "stream_completion" : "chat_completion",
      status: i % 7 === 0 ? "failed" : i % 11 === 0 ? "cancelled" : "completed",
      cost_usd: i % 6 === 0 ? null : `0.0000${i + 10}`,
      cost_source: i % 6 === 0 ? null : "provider",
      prompt_tokens: i % 9 === 0 ? null : 10 + i,
      response_time_ms: i % 13 === 0 ? null : 37 * i * i,
      time_to_first_token_ms: i % 2 ? 20 * i : null,
    }));
}

const hoursAgo = (hours: number, i = 0) =>
  new Date(Date.now() - hours * 3_600_000 + i * 1000).toISOString();

/** Inserts as the SQL sink does: its statement skips rows already stored (on conflict). */
function insert(db: Queryable, rows: LLMCallLogRow[]): Promise<unknown> {
  return db.query(INSERT_ROWS_SQL, [JSON.stringify(rows)]);
}

async function assertRollupsMatchRaw(db: TestDatabase): Promise<void> {
  assert.deepEqual(await rollupMismatches(db), [], "rollups differ from the raw aggregates");
}

Deno.test("rollups equal the raw aggregates after mixed batches, late rows and default-partition rows", async () => {
  await using db = await openTestDatabase();
  await insert(db, calls(40, (i) => hoursAgo(3, i)));
  await insert(db, calls(25, (i) => hoursAgo(1, i * 60)));
  // Late rows into an hour that is already rolled up, then rows far outside every partition.
  await insert(db, calls(9, (i) => hoursAgo(3, 100 + i)));
  await insert(db, calls(7, (i) => `2019-03-0${1 + (i % 3)}T23:59:0${i}Z`));
  const [{ in_default }] = await db.query<{ in_default: number }>(
    `select count(*)::int as in_default from llm_logs_partitions.llm_call_logs_default`,
  );
  assert.equal(in_default, 7);
  await assertRollupsMatchRaw(db);
});

Deno.test("folding pending per-user sums changes nothing anyone reads, and later batches add to the folded rows", async () => {
  await using db = await openTestDatabase();
  const pending = async () =>
    (await db.query<{ n: number }>(`select count(*)::int as n from private.llm_usage_pending`))[0]
      .n;
  const read = () =>
    db.query(
      `select to_jsonb(h) as row from public.llm_usage_hourly h
       order by hour, user_id nulls first, model, edge_function nulls first, status, method_type`,
    );
  await insert(db, calls(40, (i) => hoursAgo(2, i)));
  await insert(db, calls(12, (i) => hoursAgo(2, 200 + i)));
  assert.ok(await pending() > 0, "a batch leaves its per-user sums pending");
  const before = await read();

  const [{ folded }] = await db.query<{ folded: number }>(
    `select private.llm_usage_fold_pending()::int as folded`,
  );
  assert.equal(folded, 52, "the fold reports the calls it summed");
  assert.equal(await pending(), 0);
  assert.deepEqual(await read(), before);
  await assertRollupsMatchRaw(db);

  // The same user-hour keys again, now split between folded and pending: still one row per key.
  await insert(db, calls(40, (i) => hoursAgo(2, 400 + i)));
  const [{ rows, keys }] = await db.query<{ rows: number; keys: number }>(
    `select count(*)::int as rows,
       count(distinct (user_id, hour, model, edge_function, status, method_type))::int as keys
     from public.llm_usage_hourly`,
  );
  assert.equal(rows, keys, "a key folded and pending at once is still one row");
  await assertRollupsMatchRaw(db);
  await db.query(`select private.llm_usage_fold_pending()`);
  await assertRollupsMatchRaw(db);
  const [{ again }] = await db.query<{ again: number }>(
    `select private.llm_usage_fold_pending()::int as again`,
  );
  assert.equal(again, 0, "nothing is left to fold twice");
});

Deno.test("batches written while folds run are each counted once", async () => {
  await using db = await openTestDatabase();
  // On a server each query may take its own connection: writers and the fold really overlap.
  const writer = async (w: number) => {
    for (let i = 0; i < 8; i++) {
      await insert(
        db,
        calls(30, (j) => hoursAgo(1, w * 500 + i * 40 + j)),
      );
    }
  };
  const folder = async () => {
    for (let i = 0; i < 8; i++) await db.query(`select private.llm_usage_fold_pending()`);
  };
  await Promise.all([writer(0), writer(1), writer(2), folder()]);
  await assertRollupsMatchRaw(db);
  await db.query(`select private.llm_usage_fold_pending()`);
  await assertRollupsMatchRaw(db);
});

Deno.test("a retried batch skipped by on conflict do nothing is not counted twice", async () => {
  await using db = await openTestDatabase();
  const first = calls(12, (i) => hoursAgo(2, i));
  await insert(db, first);
  await insert(db, [...first, ...calls(3, (i) => hoursAgo(2, 50 + i))]);
  const [{ calls: counted }] = await db.query<{ calls: number }>(
    `select sum(calls)::int as calls from public.llm_usage_hourly_all_users`,
  );
  assert.equal(counted, 15);
  await assertRollupsMatchRaw(db);
});

Deno.test("rows written through the PostgREST stand-in (json_to_recordset) are rolled up", async () => {
  await using db = await openTestDatabase();
  const standIn = createPostgrestStandIn(db, { serviceKey: "service-key" });
  const rows = calls(10, (i) => hoursAgo(5, i));
  const response = await standIn.fetch(
    `http://localhost/rest/v1/llm_call_logs?columns=${Object.keys(rows[0]).join(",")}`,
    {
      method: "POST",
      headers: { apikey: "service-key", authorization: "Bearer service-key" },
      body: JSON.stringify(rows),
    },
  );
  assert.equal(response.status, 201);
  const [{ calls: counted }] = await db.query<{ calls: number }>(
    `select sum(calls)::int as calls from public.llm_usage_hourly`,
  );
  assert.equal(counted, 10);
  await assertRollupsMatchRaw(db);
});

Deno.test("retention drops raw months but the rollups keep their history", async () => {
  await using db = await openTestDatabase();
  await db.query(
    `select private.llm_call_logs_create_partition(date_trunc('month', now()) - interval '14 months')`,
  );
  const old = (i: number) =>
    new Date(
      Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 14, 3, 10, i),
    ).toISOString();
  await insert(db, calls(20, old));
  await insert(db, calls(5, (i) => `2019-05-01T00:0${i}:00Z`));
  await insert(db, calls(10, (i) => hoursAgo(1, i)));
  const snapshot = () =>
    db.query(
      `select to_jsonb(h) as row from public.llm_usage_hourly h
       order by hour, user_id nulls first, model, edge_function nulls first, status, method_type`,
    );
  const before = await snapshot();
  await db.query(`select * from private.llm_call_logs_apply_retention(12, 'drop')`);
  const [{ left }] = await db.query<{ left: number }>(
    `select count(*)::int as left from public.llm_call_logs`,
  );
  assert.equal(left, 10, "retention removes the old month and the old default-partition rows");
  assert.deepEqual(await snapshot(), before);
});

Deno.test("a user reads only their own rollup rows; admins read all; anon nothing", async () => {
  await using db = await openTestDatabase();
  await insert(db, calls(24, (i) => hoursAgo(2, i)));
  await db.query(`select private.llm_usage_fold_pending()`);
  await insert(db, calls(24, (i) => hoursAgo(2, 100 + i)));
  const users = (q: Queryable, table: string) =>
    q.query<{ user_id: string | null }>(`select distinct user_id from public.${table}`);
  const own = await db.asUser({ sub: alice }, (q) => users(q, "llm_usage_hourly"));
  assert.deepEqual(own.map((r) => r.user_id), [alice]);
  const everyone = await db.asUser(adminClaims, (q) => users(q, "llm_usage_hourly"));
  assert.equal(everyone.length, 4);
  const totals = await db.asUser({ sub: alice }, (q) => users(q, "llm_usage_user_totals"));
  assert.deepEqual(totals.map((r) => r.user_id), [alice]);
  for (
    const table of [
      "llm_usage_hourly_all_users",
      "llm_usage_daily_all_users",
      "llm_usage_daily_by_model",
    ]
  ) {
    const rows = await db.asUser({ sub: alice }, (q) => q.query(`select * from public.${table}`));
    assert.equal(rows.length, 0, `a plain user reads nothing from ${table}`);
    const all = await db.asUser(adminClaims, (q) => q.query(`select * from public.${table}`));
    assert.ok(all.length > 0, `an admin reads ${table}`);
  }
  const viaMetadata = await db.asUser(
    { sub: bob, user_metadata: { role: "admin" } },
    (q) => users(q, "llm_usage_hourly"),
  );
  assert.deepEqual(viaMetadata.map((r) => r.user_id), [bob], "user_metadata grants nothing");
  await assert.rejects(db.asAnon((q) => q.query(`select * from public.llm_usage_hourly`)), {
    code: "42501",
  });
});

Deno.test("no API role may insert, update or delete rollup rows", async () => {
  await using db = await openTestDatabase();
  await insert(db, calls(4, (i) => hoursAgo(1, i)));
  // The per-user rollups are views that sum two tables: Postgres refuses to write through them
  // (55000) before it checks privileges; the tables themselves refuse every API role (42501).
  const writes: [string, string][] = [
    [
      `insert into public.llm_usage_hourly (hour, model, status, method_type)
     values (date_trunc('hour', now()), 'm', 'completed', 'chat_completion')`,
      "55000",
    ],
    [`update public.llm_usage_hourly set calls = calls + 1`, "55000"],
    [`delete from public.llm_usage_user_totals`, "55000"],
    [`delete from public.llm_usage_hourly_all_users`, "42501"],
    [`update public.llm_usage_daily_all_users set cost_usd = 0`, "42501"],
    [`update public.llm_usage_daily_by_model set calls = 0`, "42501"],
    [`delete from private.llm_usage_pending`, "42501"],
    [`update private.llm_usage_hourly_folded set calls = 0`, "42501"],
    [`delete from private.llm_usage_user_totals_folded`, "42501"],
    [`select private.llm_usage_fold_pending()`, "42501"],
  ];
  const roles: [string, (fn: (q: Queryable) => Promise<unknown>) => Promise<unknown>][] = [
    ["anon", (fn) => db.asAnon(fn)],
    ["a user", (fn) => db.asUser({ sub: alice }, fn)],
    ["an admin", (fn) => db.asUser(adminClaims, fn)],
    ["service_role", (fn) => db.asServiceRole(fn)],
  ];
  for (const [name, as] of roles) {
    for (const [sql, code] of writes) {
      await assert.rejects(as((q) => q.query(sql)), { code }, `${name}: ${sql}`);
    }
  }
  await assertRollupsMatchRaw(db);
});
