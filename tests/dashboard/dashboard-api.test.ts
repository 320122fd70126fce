/**
 * The dashboard's API without a browser: the real handler, reading over postgres.js as the
 * signed-in user (PGlite over the wire protocol, or a throwaway database on `DATABASE_URL`'s
 * server), against seeded calls of two users and of no user.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import {
  type AsUser,
  createAsUser,
  ReadTimeoutError,
} from "../../supabase/functions/_shared/dashboard/as-user.ts";
import { createAssetReader } from "../../supabase/functions/_shared/dashboard/assets.ts";
import { readCallsPage } from "../../supabase/functions/_shared/dashboard/call-queries.ts";
import { parseDashboardQuery } from "../../supabase/functions/_shared/dashboard/dashboard-query.ts";
import { createDashboardHandler } from "../../supabase/functions/_shared/dashboard/dashboard-handler.ts";
import { createTokenVerifier } from "../../supabase/functions/_shared/http/verify-jwt.ts";
import {
  LOCAL_JWT_SECRET,
  SAMPLE_ACCOUNTS,
  type SampleAccount,
  signLocalToken,
} from "../../tools/dev/local-auth.ts";
import { dashboardRows, insertRows, OTHER_USER } from "../fixtures/dashboard-seed.ts";
import { openUrlDatabase } from "./dashboard-database.ts";
import { sqlTotals } from "./sql-totals.ts";

const USER = SAMPLE_ACCOUNTS.user;
const ADMIN = SAMPLE_ACCOUNTS.admin;
const BOB: SampleAccount = { id: OTHER_USER.id, email: "bob@example.test", admin: false };
const USER_CLAIMS = { sub: USER.id, role: "authenticated", exp: Date.now() / 1000 + 3600 };

const db = await openUrlDatabase();
const sql = postgres(db.url, { prepare: false, max: 1, onnotice: () => {} });
const rows = dashboardRows({ userId: USER.id, now: new Date() });
await insertRows(sql, rows);
const asUser = createAsUser(postgres(db.url, { prepare: false, max: 1, onnotice: () => {} }));
const handle = createDashboardHandler({
  verify: createTokenVerifier({ secret: LOCAL_JWT_SECRET, jwks: "", remote: null }),
  asUser,
  readAsset: createAssetReader(),
  signIn: { authUrl: null, publishableKey: null, localSignIn: true },
  logError: () => {},
});

// deno-lint-ignore no-explicit-any
async function api(path: string, account?: SampleAccount | string): Promise<[number, any]> {
  const token = typeof account === "string" ? account : account && await signLocalToken(account);
  const response = await handle(
    new Request(`http://localhost/llm-dashboard/api/${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }),
  );
  return [response.status, await response.json()];
}

Deno.test.afterAll(async () => {
  await sql.end();
  await db.close();
});

Deno.test("a user's totals equal SQL's sums over their own rows only", async () => {
  for (const range of ["24h", "7d", "30d"]) {
    const [status, body] = await api(`totals?range=${range}`, USER);
    assert.equal(status, 200);
    const expected = await sqlTotals(sql, { ...body.range, userId: USER.id });
    assert.ok(expected.calls > 0);
    assert.equal(body.totals.calls, expected.calls, range);
    assert.equal(body.totals.failed, expected.failed, range);
    assert.equal(Number(body.totals.costUsd), Number(expected.cost), range);
    assert.equal(body.totals.totalTokens, expected.totalTokens, range);
  }
});

Deno.test("an admin's totals cover every user, and one user when filtered", async () => {
  const [, all] = await api("totals?range=30d", ADMIN);
  const everyone = await sqlTotals(sql, all.range);
  assert.equal(all.totals.calls, everyone.calls);
  assert.equal(Number(all.totals.costUsd), Number(everyone.cost));
  const [, bob] = await api(`totals?range=30d&user=${OTHER_USER.id}`, ADMIN);
  assert.equal(
    bob.totals.calls,
    (await sqlTotals(sql, { ...bob.range, userId: OTHER_USER.id })).calls,
  );
});

Deno.test("a user asking for another user's rows still gets only their own", async () => {
  const [, mine] = await api("totals?range=30d", USER);
  const [, asked] = await api(`totals?range=30d&user=${OTHER_USER.id}`, USER);
  assert.deepEqual(asked.totals, mine.totals);
  const [, top] = await api("top?by=user_id&range=30d", USER);
  assert.deepEqual(top.entries, []);
  const [, options] = await api("options?range=30d", USER);
  assert.ok(!options.models.includes(OTHER_USER.model));
  assert.deepEqual(options.users, []);
});

Deno.test("RLS, not the query, hides other users' calls from a user", async () => {
  const q = parseDashboardQuery(new URLSearchParams("range=30d"));
  const claims = { sub: USER.id, role: "authenticated", exp: Date.now() / 1000 + 60 };
  // The query is told the viewer is an admin, so it adds no user filter: RLS must still apply.
  const page = await asUser(
    claims,
    (tx) => readCallsPage(tx, q, { userId: USER.id, admin: true }, null),
  );
  assert.ok(page.calls.length > 0);
  assert.ok(page.calls.every((call) => call.userId === USER.id));
});

Deno.test("the calls table pages by keyset through exactly the viewer's calls, newest first", async () => {
  for (const [account, owner] of [[USER, USER.id], [BOB, OTHER_USER.id]] as const) {
    const ids: string[] = [];
    let cursor: string | null = "";
    for (let guard = 0; cursor !== null && guard < 20; guard++) {
      const [status, page] = await api(
        `calls?range=30d&cursor=${encodeURIComponent(cursor)}`,
        account,
      );
      assert.equal(status, 200);
      assert.ok(page.calls.length <= 25);
      ids.push(...page.calls.map((c: { id: string }) => c.id));
      cursor = page.next;
    }
    const expected = rows.filter((r) => r.user_id === owner)
      .toSorted((a, b) => b.created_at!.localeCompare(a.created_at!) || b.id!.localeCompare(a.id!))
      .map((r) => r.id);
    assert.deepEqual(ids, expected);
  }
});

Deno.test("a call opens in full for its owner and is not found for anyone else", async () => {
  const call = rows.find((r) => r.user_id === USER.id && r.status === "failed")!;
  const [status, body] = await api(`calls/${call.id}?at=${call.created_at}`, USER);
  assert.equal(status, 200);
  assert.deepEqual(body.call.request_messages, call.request_messages);
  assert.deepEqual(body.call.error_details, call.error_details);
  assert.equal(body.call.generation_id, call.generation_id);
  assert.equal(body.call.prompt_tokens, call.prompt_tokens);
  assert.equal(body.call.error_message, call.error_message);
  assert.equal((await api(`calls/${call.id}`, BOB))[0], 404);
  assert.equal((await api(`calls/${call.id}`, ADMIN))[0], 200);
});

Deno.test("filters narrow the totals as SQL's where clause does", async () => {
  const [, body] = await api("totals?range=30d&model=openai/gpt-4o-mini&status=completed", ADMIN);
  const [expected] = await sql`select count(*)::int as calls from public.llm_call_logs
    where created_at >= ${body.range.from} and created_at < ${body.range.to}
      and model = 'openai/gpt-4o-mini' and status = 'completed'`;
  assert.equal(body.totals.calls, expected.calls);
});

Deno.test("the series add up to the totals", async () => {
  const [, totals] = await api("totals?range=7d", USER);
  const [, series] = await api("series?range=7d", USER);
  // deno-lint-ignore no-explicit-any
  const calls = series.points.reduce((sum: number, p: any) => sum + p.calls, 0);
  assert.equal(calls, totals.totals.calls);
  assert.equal(series.range.bucket, "day");
});

Deno.test("the API refuses missing, expired, forged and non-user tokens", async () => {
  assert.equal((await api("totals"))[0], 401);
  assert.equal((await api("totals", await signLocalToken(USER, { expiresIn: -1 })))[0], 401);
  const forged = await signLocalToken(ADMIN, { secret: "not-the-local-secret" });
  assert.equal((await api("totals", forged))[0], 401);
  assert.equal((await api("totals", "not-a-jwt"))[0], 401);
  const [status, body] = await api("me", USER);
  assert.equal(status, 200);
  assert.deepEqual(body, { userId: USER.id, email: USER.email, admin: false });
});

Deno.test("a bad range is a 400 that says what is wrong", async () => {
  const [status, body] = await api("totals?range=custom&from=2026-11-02&to=2026-11-01", USER);
  assert.equal(status, 400);
  assert.match(body.error.message, /"to" must be after "from"/);
});

Deno.test("malformed query values and paths are a 4xx that says what is wrong, never a 500", async () => {
  const id = "00000000-0000-4000-8000-000000000000";
  const bad: [path: string, status: number, type: string, message: RegExp][] = [
    ["totals?range=constructor", 400, "invalid_query", /Unknown range "constructor"/],
    ["totals?range=__proto__", 400, "invalid_query", /Unknown range/],
    ["totals?range=toString", 400, "invalid_query", /Unknown range/],
    ["totals?range=custom&from=-001000-01-01&to=-001000-02-01", 400, "invalid_query", /years 1/],
    [
      "totals?range=custom&from=%2B275760-01-01&to=%2B275760-09-01",
      400,
      "invalid_query",
      /years 1/,
    ],
    ["totals?range=custom&from=2026-01-01&to=%2B275760-01-01", 400, "invalid_query", /"to"/],
    ["totals?range=30d&model=%00", 400, "invalid_query", /"model" holds a character/],
    ["calls?range=30d&model=a%00b", 400, "invalid_query", /"model"/],
    ["series?range=30d&edge_function=%00", 400, "invalid_query", /"edge_function"/],
    ["top?by=model&range=30d&user=%00", 400, "invalid_query", /"user"/],
    [`calls?range=30d&cursor=2026-13-45T99:99:99Z|${id}`, 400, "invalid_query", /"cursor"/],
    [`calls?range=30d&cursor=2026-02-30T00:00:00Z|${id}`, 400, "invalid_query", /"cursor"/],
    [`calls?range=30d&cursor=0000-01-01T00:00:00Z|${id}`, 400, "invalid_query", /"cursor"/],
    [`calls?range=30d&cursor=2026-01-01T::::Z|${id}`, 400, "invalid_query", /"cursor"/],
    [
      `calls?range=30d&cursor=2026-01-01T00:00:00Z|${"-".repeat(36)}`,
      400,
      "invalid_query",
      /"cursor"/,
    ],
    ["calls?range=30d&cursor=not-a-cursor", 400, "invalid_query", /"cursor"/],
    [`calls/${id}?at=%2B275760-01-01T00:00:00Z`, 400, "invalid_query", /"at"/],
    [`calls/${id}?at=1`, 400, "invalid_query", /"at"/],
    ["calls/%ZZ", 404, "not_found", /No such call/],
  ];
  for (const account of [USER, ADMIN]) {
    for (const [path, status, type, message] of bad) {
      const [got, body] = await api(path, account);
      assert.equal(got, status, `${path} as ${account.email}: ${JSON.stringify(body)}`);
      assert.equal(body.error.type, type, path);
      assert.match(body.error.message, message, path);
    }
  }
});

Deno.test("a read runs under the configured statement timeout, 8s unless told, local to its transaction", async () => {
  const claims = USER_CLAIMS;
  const setting = (tx: postgres.Sql | postgres.TransactionSql) =>
    tx`select current_setting('statement_timeout') as value`.then(([row]) => row.value);
  const reader = postgres(db.url, { prepare: false, max: 1, onnotice: () => {} });
  try {
    assert.equal(await createAsUser(reader)(claims, setting), "8s");
    assert.equal(
      await createAsUser(reader, { statementTimeout: "250ms" })(claims, setting),
      "250ms",
    );
    assert.equal(await setting(reader), "0", "the timeout must not outlive the transaction");
  } finally {
    await reader.end();
  }
  assert.throws(() => createAsUser(reader, { statementTimeout: "8 seconds" }), RangeError);
});

/** The handler over `read`, signed in as the admin, asking for the calls table. */
async function callsThrough(
  read: AsUser,
): Promise<[number, { error: { type: string; message: string } }]> {
  const handler = createDashboardHandler({
    verify: createTokenVerifier({ secret: LOCAL_JWT_SECRET, jwks: "", remote: null }),
    asUser: read,
    readAsset: createAssetReader(),
    signIn: { authUrl: null, publishableKey: null, localSignIn: false },
    logError: () => {},
  });
  const response = await handler(
    new Request("http://localhost/llm-dashboard/api/calls?range=30d", {
      headers: { authorization: `Bearer ${await signLocalToken(ADMIN)}` },
    }),
  );
  return [response.status, await response.json()];
}

Deno.test("a read cancelled by the database (SQLSTATE 57014) is a 503 read_timeout that says to narrow the range", async () => {
  // PGlite does not enforce statement_timeout: the database raises the timeout's SQLSTATE itself.
  const [status, body] = await callsThrough((claims, run) =>
    asUser(claims, async (tx) => {
      await tx`do $$ begin
        raise exception 'canceling statement due to statement timeout' using errcode = '57014';
      end $$`;
      return await run(tx);
    })
  );
  assert.equal(status, 503);
  assert.equal(body.error.type, "read_timeout");
  assert.match(body.error.message, /took longer than 8s: narrow the range/);
});

Deno.test({
  name: "a read that outlasts the statement timeout is stopped and answered with 503 read_timeout",
  ignore: db.kind === "pglite", // PGlite does not enforce statement_timeout; Postgres does
  async fn() {
    const reader = postgres(db.url, { prepare: false, max: 1, onnotice: () => {} });
    try {
      const slow = createAsUser(reader, { statementTimeout: "100ms" });
      const started = performance.now();
      await assert.rejects(slow(USER_CLAIMS, (tx) => tx`select pg_sleep(5)`), ReadTimeoutError);
      assert.ok(performance.now() - started < 4000, "the sleep must be cut short");
      const [status, body] = await callsThrough((claims, run) =>
        slow(claims, async (tx) => {
          await tx`select pg_sleep(5)`;
          return await run(tx);
        })
      );
      assert.equal(status, 503);
      assert.match(body.error.message, /took longer than 100ms: narrow the range/);
    } finally {
      await reader.end();
    }
  },
});

Deno.test("the page and its assets are served with a strict content security policy", async () => {
  const page = await handle(new Request("http://localhost/llm-dashboard"));
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
  assert.match(await page.text(), /llm-dashboard\/assets\/app\.js/);
  const script = await handle(new Request("http://localhost/llm-dashboard/assets/app.js"));
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  await script.body?.cancel();
  const missing = await handle(new Request("http://localhost/llm-dashboard/assets/../index.ts"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("percentiles fall in the histogram bucket that holds SQL's percentile of the raw rows", async () => {
  const [, body] = await api("totals?range=30d", USER);
  const [bounds] = await sql`select public.llm_latency_bucket_bounds() as b`;
  const bucketOf = (ms: number) => {
    const upper = (bounds.b as (number | null)[]).findIndex((b) => b === null || ms < b);
    return [upper === 0 ? 0 : bounds.b[upper - 1], bounds.b[upper] ?? Infinity];
  };
  const checks = [
    ["response_time_ms", 0.5, body.totals.responseTimeP50Ms],
    ["response_time_ms", 0.95, body.totals.responseTimeP95Ms],
    ["time_to_first_token_ms", 0.5, body.totals.ttftP50Ms],
  ] as const;
  for (const [column, fraction, shown] of checks) {
    const [raw] = await sql`select percentile_disc(${fraction}::float8)
        within group (order by ${sql(column)}) as v
      from public.llm_call_logs
      where user_id = ${USER.id} and created_at >= ${body.range.from} and created_at < ${body.range.to}`;
    const [lower, upper] = bucketOf(Number(raw.v));
    assert.ok(
      shown >= lower && shown <= upper,
      `${column} p${fraction * 100}: ${shown} in [${lower}, ${upper}]`,
    );
  }
});
