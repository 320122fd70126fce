import assert from "node:assert/strict";
import {
  createSqlLimitsSource,
  createSupabaseLimitsSource,
  type LimitUsage,
  parseLimitRows,
} from "../../supabase/functions/_shared/llm/limits-source.ts";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { INSERT_ROWS_SQL } from "../../supabase/functions/_shared/llm/internal.ts";
import { createPostgrestStandIn } from "../../tools/supabase-local/postgrest-stand-in.ts";
import { logRow } from "../fixtures/log-rows.ts";
import {
  type JwtClaims,
  openTestDatabase,
  type Queryable,
  type TestDatabase,
} from "../harness/database.ts";

const alice = "00000000-0000-4000-8000-00000000a11c";
const bob = "00000000-0000-4000-8000-000000000b0b";
const asAlice: JwtClaims = { sub: alice };
const asMallory: JwtClaims = { sub: crypto.randomUUID(), user_metadata: { role: "admin" } };
const asAdmin: JwtClaims = { sub: crypto.randomUUID(), app_metadata: { role: "admin" } };
const permissionDenied = (error: { code?: string }) => error.code === "42501";

/** The moment the usage tests read at: 2026-11-29 14:30:15 UTC. */
const AT = "2026-11-29T14:30:15Z";

async function addLimit(db: Queryable, values: string): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `insert into public.llm_limits (scope, scope_value, period, max_cost_usd, max_calls, max_tokens)
     values ${values} returning id`,
  );
  return row.id;
}

/** A logged call at `at` with `cost` dollars and `tokens` total tokens. */
function call(at: string, over: Partial<LLMCallLogRow> = {}): LLMCallLogRow {
  return logRow({ created_at: at, completed_at: at, cost_usd: "0.25", total_tokens: 100, ...over });
}

Deno.test("llm_limits refuses limits that make no sense", async (t) => {
  await using db = await openTestDatabase();
  const refused: [string, string][] = [
    ["a model limit without a model", `('model', null, 'day', 1, null, null)`],
    ["a global limit naming something", `('global', 'chat', 'day', 1, null, null)`],
    ["an unknown scope", `('team', 'a', 'day', 1, null, null)`],
    ["an unknown window", `('global', null, 'week', 1, null, null)`],
    ["no maximum at all", `('global', null, 'day', null, null, null)`],
    ["a negative maximum", `('global', null, 'day', null, -1, null)`],
    ["a blank user", `('user', ' ', 'day', null, 1, null)`],
  ];
  for (const [name, values] of refused) {
    await t.step(name, async () => {
      await assert.rejects(addLimit(db, values), (e: { code?: string }) => e.code === "23514");
    });
  }
  await t.step("a second limit of the same scope and window", async () => {
    await addLimit(db, `('each_user', null, 'day', 1, null, null)`);
    await assert.rejects(
      addLimit(db, `('each_user', null, 'day', null, 5, null)`),
      (e: { code?: string }) => e.code === "23505",
    );
  });
});

async function seededLimits(): Promise<TestDatabase & { ids: Record<string, string> }> {
  const db = await openTestDatabase();
  const ids = {
    global: await addLimit(db, `('global', null, 'month', 100, null, null)`),
    each: await addLimit(db, `('each_user', null, 'day', 1, null, null)`),
    alice: await addLimit(db, `('user', '${alice}', 'day', 5, null, null)`),
    bob: await addLimit(db, `('user', '${bob}', 'day', 0.5, null, null)`),
  };
  return Object.assign(db, { ids });
}

const visibleIds = (db: TestDatabase, claims: JwtClaims) =>
  db.asUser(claims, (tx) => tx.query<{ id: string }>(`select id from public.llm_limits`))
    .then((rows) => rows.map((r) => r.id).sort());

Deno.test("a user reads the limits that apply to them, never another user's override", async () => {
  await using db = await seededLimits();
  const { global, each, alice: own, bob: other } = db.ids;
  assert.deepEqual(await visibleIds(db, asAlice), [global, each, own].sort());
  assert.ok(!(await visibleIds(db, asMallory)).includes(other), "user_metadata grants nothing");
  assert.deepEqual(await visibleIds(db, asAdmin), [global, each, own, other].sort());
  await assert.rejects(
    db.asAnon((tx) => tx.query(`select id from public.llm_limits`)),
    permissionDenied,
  );
});

Deno.test("a user cannot raise their own limit, create one or delete one; an admin can", async () => {
  await using db = await seededLimits();
  const raise = (claims: JwtClaims) =>
    db.asUser(
      claims,
      (tx) =>
        tx.query(`update public.llm_limits set max_cost_usd = 1000 where id = $1 returning id`, [
          db.ids.alice,
        ]),
    );
  assert.deepEqual(await raise(asAlice), [], "RLS: no row to update");
  assert.deepEqual(await raise(asMallory), []);
  await assert.rejects(
    db.asUser(asAlice, (tx) => addLimit(tx, `('user', '${alice}', 'hour', 1000, null, null)`)),
    permissionDenied,
  );
  assert.deepEqual(
    await db.asUser(asAlice, (tx) => tx.query(`delete from public.llm_limits returning id`)),
    [],
  );
  const [{ max_cost_usd }] = await db.query<{ max_cost_usd: string }>(
    `select max_cost_usd::text from public.llm_limits where id = $1`,
    [db.ids.alice],
  );
  assert.equal(max_cost_usd, "5");
  assert.equal((await raise(asAdmin)).length, 1, "an admin may");
  await db.asUser(
    asAdmin,
    (tx) => addLimit(tx, `('model', 'openai/gpt-4o', 'hour', 2, null, null)`),
  );
  await assert.rejects(
    db.asUser(
      asAdmin,
      (tx) => tx.query(`update public.llm_limits set created_at = now() - interval '1 year'`),
    ),
    permissionDenied,
    "the timestamps are the database's",
  );
});

Deno.test("only the service role may call llm_limit_usage", async () => {
  await using db = await seededLimits();
  for (
    const run of [(f: (tx: Queryable) => Promise<unknown>) => db.asUser(asAdmin, f), db.asAnon]
  ) {
    await assert.rejects(
      run((tx) => tx.query(`select * from llm_limit_usage(null)`)),
      permissionDenied,
    );
  }
  assert.equal(
    (await db.asServiceRole((tx) => tx.query(`select * from llm_limit_usage(null)`))).length,
    4,
  );
});

/** Limits of every scope and window, and calls in and out of their windows. */
async function usageDatabase(): Promise<TestDatabase & { ids: Record<string, string> }> {
  const db = await openTestDatabase();
  const ids = {
    global: await addLimit(db, `('global', null, 'month', 10, null, null)`),
    fn: await addLimit(db, `('edge_function', 'summarise', 'hour', null, 50, null)`),
    model: await addLimit(db, `('model', 'openai/gpt-4o', 'day', null, null, 10000)`),
    minute: await addLimit(db, `('global', null, 'minute', null, 100, null)`),
    eachDay: await addLimit(db, `('each_user', null, 'day', 1, null, null)`),
    eachMinute: await addLimit(db, `('each_user', null, 'minute', null, 3, null)`),
    bob: await addLimit(db, `('user', '${bob}', 'day', 2, null, null)`),
  };
  const rows = [
    call("2026-11-29T14:30:01Z", { user_id: alice }), // this minute
    call("2026-11-29T14:30:05Z", {
      user_id: alice,
      status: "failed",
      cost_usd: null,
      cost_source: null,
      total_tokens: null,
    }),
    call("2026-11-29T14:29:59Z", { user_id: alice, edge_function: "summarise" }), // this hour
    call("2026-11-29T13:59:59Z", { user_id: bob, edge_function: "summarise" }), // today
    call("2026-11-29T01:00:00Z", { user_id: bob, model: "openai/gpt-4o", total_tokens: 4000 }),
    call("2026-11-02T00:00:00Z", { user_id: alice }), // this month
    call("2026-10-31T23:59:59Z", { user_id: alice }), // last month: outside every window
  ];
  await db.query(INSERT_ROWS_SQL, [JSON.stringify(rows)]);
  return Object.assign(db, { ids });
}

const usage = (db: TestDatabase, user: string | null) =>
  db.asServiceRole((tx) => tx.query(`select * from llm_limit_usage($1, $2)`, [user, AT]));

function byId(rows: LimitUsage[]): Record<string, LimitUsage> {
  return Object.fromEntries(rows.map((r) => [r.limitId, r]));
}

Deno.test("llm_limit_usage sums each window from the rollups, and the current minute from the raw rows", async () => {
  await using db = await usageDatabase();
  const rows = byId(parseLimitRows(await usage(db, alice)));
  const { ids } = db;
  const used = (id: string) => rows[id].used;
  // 6 calls this month (one failed: it counts no call and had no cost), 0.25 each.
  assert.deepEqual(used(ids.global), { costUsd: 1.25, calls: 5, tokens: 4400 });
  assert.deepEqual(used(ids.fn), { costUsd: 0.25, calls: 1, tokens: 100 }, "summarise, this hour");
  assert.deepEqual(used(ids.model), { costUsd: 0.25, calls: 1, tokens: 4000 }, "gpt-4o today");
  assert.deepEqual(used(ids.minute), { costUsd: 0.25, calls: 1, tokens: 100 }, "14:30 only");
  assert.deepEqual(used(ids.eachDay), { costUsd: 0.5, calls: 2, tokens: 200 }, "alice today");
  assert.deepEqual(used(ids.eachMinute), { costUsd: 0.25, calls: 1, tokens: 100 });
  assert.equal(rows[ids.bob].used, null, "bob's override: no usage for alice's reading");
  assert.equal(rows[ids.eachDay].usageUserId, alice);
  assert.equal(rows[ids.minute].windowEnd, Date.parse("2026-11-29T14:31:00Z"));
  assert.equal(rows[ids.global].windowStart, Date.parse("2026-11-01T00:00:00Z"));
  assert.equal(rows[ids.global].windowEnd, Date.parse("2026-12-01T00:00:00Z"));

  const forBob = byId(parseLimitRows(await usage(db, bob)));
  assert.deepEqual(forBob[ids.bob].used, { costUsd: 0.5, calls: 2, tokens: 4100 });
  const shared = byId(parseLimitRows(await usage(db, null)));
  assert.equal(shared[ids.eachDay].used, null, "no user asked: no per-user usage");
  assert.deepEqual(shared[ids.global].used, used(ids.global));
});

Deno.test("a disabled limit is not returned", async () => {
  await using db = await usageDatabase();
  await db.query(`update public.llm_limits set enabled = false where id = $1`, [db.ids.fn]);
  const rows = byId(parseLimitRows(await usage(db, null)));
  assert.equal(rows[db.ids.fn], undefined);
  assert.ok(rows[db.ids.global]);
});

Deno.test("the Supabase path (supabase-js .rpc) and the SQL path read the same limits", async () => {
  await using db = await usageDatabase();
  const serviceKey = "sb_secret_limits_test_0123456789";
  const postgrest = createPostgrestStandIn(db, { serviceKey });
  const viaApi = await createSupabaseLimitsSource({
    url: "http://supabase.test",
    key: serviceKey,
    fetch: postgrest.fetch,
  }).read(alice);
  const viaSql = await createSqlLimitsSource((text, params) =>
    db.asServiceRole((tx) => tx.query(text, params))
  ).read(alice);
  assert.equal(viaApi.length, 7);
  assert.deepEqual(sorted(viaApi), sorted(viaSql));
  const [request] = postgrest.calls;
  assert.equal(request.url.pathname, "/rest/v1/rpc/llm_limit_usage");
  assert.deepEqual(request.body, { p_user_id: alice });
  assert.equal(request.headers.get("apikey"), serviceKey);
});

Deno.test("the Supabase path reports a missing function as unreadable limits", async () => {
  await using db = await openTestDatabase();
  await db.exec(`drop function public.llm_limit_usage(text, timestamptz)`);
  const serviceKey = "sb_secret_limits_test_0123456789";
  const postgrest = createPostgrestStandIn(db, { serviceKey });
  const source = createSupabaseLimitsSource({
    url: "http://s.test",
    key: serviceKey,
    fetch: postgrest.fetch,
  });
  await assert.rejects(source.read(null), /Cannot read llm_limit_usage \(HTTP 404\): PGRST202/);
});

function sorted(rows: LimitUsage[]): LimitUsage[] {
  return [...rows].sort((a, b) => a.limitId.localeCompare(b.limitId));
}

const sqlBlocksOf = async (path: string) =>
  [...(await Deno.readTextFile(new URL(path, import.meta.url))).matchAll(/```sql\n([\s\S]*?)```/g)]
    .map((m) => m[1]);

Deno.test("the budget statements of the README and docs/budgets.md run, and the usage query shows a user their own budget", async () => {
  await using db = await openTestDatabase();
  const readme = (await sqlBlocksOf("../../README.md")).filter((b) => b.includes("llm_limits"));
  const docs = await sqlBlocksOf("../../docs/budgets.md");
  const usageQuery = docs.find((b) => b.includes("used_usd"))!;
  assert.equal(readme.length, 1);
  await db.exec(readme[0]);
  await db.exec(`delete from public.llm_limits`); // the docs start with the same limit
  for (const block of docs.filter((b) => b !== usageQuery)) await db.exec(block);
  const override = "6f1c2a9e-8a53-4a51-9d0c-3a6c1e2b7f10";
  const today = new Date().toISOString();
  await db.query(INSERT_ROWS_SQL, [JSON.stringify([
    call(today, { user_id: alice, cost_usd: "0.125" }),
    call(today, { user_id: override, cost_usd: "1" }),
  ])]);
  const shown = (sub: string) =>
    db.asUser({ sub }, (tx) => tx.query<{ max_cost_usd: string; used_usd: string }>(usageQuery));
  assert.deepEqual(
    (await shown(alice)).map((r) => [Number(r.max_cost_usd), Number(r.used_usd)]),
    [[0.5, 0.125]],
  );
  assert.deepEqual(
    (await shown(override)).map((r) => [Number(r.max_cost_usd), Number(r.used_usd)]),
    [[5, 1]],
    "their override, not the default",
  );
});
