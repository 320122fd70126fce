import assert from "node:assert/strict";
import {
  type JwtClaims,
  openTestDatabase,
  type Queryable,
  type TestDatabase,
} from "../harness/database.ts";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { logRow } from "../fixtures/log-rows.ts";

const alice = "00000000-0000-4000-8000-00000000a11c";
const bob = "00000000-0000-4000-8000-000000000b0b";
const mallory = "00000000-0000-4000-8000-0000000ba115";
const admin = "00000000-0000-4000-8000-0000000ad814";

/** Who calls, as PostgREST would run their request. */
interface Caller {
  name: string;
  run<T>(db: TestDatabase, fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

function user(name: string, claims: JwtClaims): Caller {
  return { name, run: (db, fn) => db.asUser(claims, fn) };
}

const anon: Caller = { name: "anon", run: (db, fn) => db.asAnon(fn) };
const serviceRole: Caller = { name: "service_role", run: (db, fn) => db.asServiceRole(fn) };
const asAlice = user("alice", { sub: alice });
/** Sets `user_metadata.role`, which any user can write about themselves: it grants nothing. */
const asMallory = user("mallory (user_metadata.role = admin)", {
  sub: mallory,
  user_metadata: { role: "admin" },
});
const asAdmin = user("an admin (app_metadata.role = admin)", {
  sub: admin,
  app_metadata: { role: "admin", provider: "email" },
});

/** The rows every test starts from: whose they are, by request_id. */
const seeded: ReadonlyArray<readonly [string, string | null]> = [
  ["alice-1", alice],
  ["alice-2", alice],
  ["bob-1", bob],
  ["mallory-1", mallory],
  ["app-user-1", "user_456"],
  ["anonymous-1", null],
];
const everyRequest = seeded.map(([request]) => request).sort();

/** A logged call made for `userId`, told apart by its request id. */
function callBy(requestId: string, userId: string | null): LLMCallLogRow {
  const now = new Date().toISOString();
  return logRow({
    created_at: now,
    completed_at: now,
    request_id: requestId,
    user_id: userId,
    generation_id: `gen-${requestId}`,
  });
}

/** Inserts rows the way the log writer does: one JSON parameter mapped onto the row type. */
function insertRows(tx: Queryable, rows: LLMCallLogRow[]): Promise<unknown[]> {
  return tx.query(
    `insert into public.llm_call_logs
     select * from jsonb_populate_recordset(null::public.llm_call_logs, $1::text::jsonb)
     returning id`,
    [JSON.stringify(rows)],
  );
}

async function seededDatabase(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  try {
    await insertRows(db, seeded.map(([request, userId]) => callBy(request, userId)));
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

async function visibleRequests(db: TestDatabase, caller: Caller): Promise<string[]> {
  const rows = await caller.run(db, (tx) =>
    tx.query<{ request_id: string }>(
      `select request_id from public.llm_call_logs order by request_id`,
    ));
  return rows.map((row) => row.request_id);
}

const permissionDenied = (error: { code?: string }) => error.code === "42501";

const readers: ReadonlyArray<readonly [Caller, string[]]> = [
  [asAlice, ["alice-1", "alice-2"]],
  [asMallory, ["mallory-1"]],
  [asAdmin, everyRequest],
  [serviceRole, everyRequest],
];

for (const [caller, expected] of readers) {
  Deno.test(`${caller.name} reads exactly ${expected.length} of the 6 rows`, async () => {
    await using db = await seededDatabase();
    assert.deepEqual(await visibleRequests(db, caller), expected);
  });
}

Deno.test("anon cannot read llm_call_logs at all: permission denied", async () => {
  await using db = await seededDatabase();
  await assert.rejects(visibleRequests(db, anon), permissionDenied);
});

Deno.test("a signed-in user with no rows reads nothing, without an error", async () => {
  await using db = await seededDatabase();
  assert.deepEqual(await visibleRequests(db, user("a stranger", { sub: crypto.randomUUID() })), []);
});

Deno.test("a token without a sub reads nothing, not even the rows without a user_id", async () => {
  await using db = await seededDatabase();
  assert.deepEqual(await visibleRequests(db, user("no sub", { app_metadata: {} })), []);
});

Deno.test("only the service role inserts; everyone else gets permission denied", async () => {
  await using db = await seededDatabase();
  for (const caller of [anon, asAlice, asMallory, asAdmin]) {
    await assert.rejects(
      caller.run(db, (tx) => insertRows(tx, [callBy(`by-${caller.name}`, alice)])),
      permissionDenied,
      caller.name,
    );
  }
  const inserted = await serviceRole.run(db, (tx) => insertRows(tx, [callBy("service-1", alice)]));
  assert.equal(inserted.length, 1);
  assert.deepEqual(await visibleRequests(db, asAlice), ["alice-1", "alice-2", "service-1"]);
});

Deno.test("nobody updates or deletes through the API, not even the service role or an admin", async () => {
  await using db = await seededDatabase();
  for (const caller of [anon, asAlice, asMallory, asAdmin, serviceRole]) {
    await assert.rejects(
      caller.run(
        db,
        (tx) =>
          tx.query(`update public.llm_call_logs set status = 'failed' where user_id = $1`, [alice]),
      ),
      permissionDenied,
      `update by ${caller.name}`,
    );
    await assert.rejects(
      caller.run(
        db,
        (tx) => tx.query(`delete from public.llm_call_logs where user_id = $1`, [alice]),
      ),
      permissionDenied,
      `delete by ${caller.name}`,
    );
  }
  const [{ n }] = await db.query<{ n: number }>(
    `select count(*)::int as n from public.llm_call_logs where status = 'completed'`,
  );
  assert.equal(n, seeded.length);
});

Deno.test("no API role can read, write or even see a partition directly", async () => {
  await using db = await seededDatabase();
  // A partition created later by the maintenance function is locked down the same way.
  await db.query(`select * from private.llm_call_logs_create_partition('2100-01-15')`);
  const partitions = await db.query<{ name: string }>(
    `select format('%I.%I', schema_name, table_name) as name
     from private.llm_call_logs_partitions()`,
  );
  assert.ok(partitions.some((p) => p.name === "llm_logs_partitions.llm_call_logs_p2100_01"));
  for (const caller of [anon, asAlice, asAdmin, serviceRole]) {
    for (const { name } of partitions) {
      await assert.rejects(
        caller.run(db, (tx) => tx.query(`select count(*) from ${name}`)),
        permissionDenied,
        `${caller.name} reading ${name}`,
      );
      await assert.rejects(
        caller.run(db, (tx) =>
          tx.query(
            `insert into ${name} (method_type, model, status, request_messages)
             values ('chat_completion', 'm', 'completed', '[]')`,
          )),
        permissionDenied,
        `${caller.name} writing ${name}`,
      );
    }
  }
  const exposed = await db.query(
    `select c.oid::regclass::text as partition, r.role
     from pg_inherits i
     join pg_class c on c.oid = i.inhrelid
     cross join unnest(array['anon', 'authenticated', 'service_role']) as r(role)
     where i.inhparent = 'public.llm_call_logs'::regclass
       and (has_table_privilege(r.role, c.oid, 'select, insert, update, delete, truncate')
         or has_schema_privilege(r.role, c.relnamespace, 'usage'))`,
  );
  assert.deepEqual(exposed, []);
});

Deno.test("the maintenance functions cannot be called by any API role", async () => {
  await using db = await seededDatabase();
  const calls = [
    `select * from private.llm_call_logs_create_partitions()`,
    `select * from private.llm_call_logs_create_partition(now())`,
    `select * from private.llm_call_logs_apply_retention(1, 'drop')`,
  ];
  for (const caller of [anon, asAlice, asAdmin, serviceRole]) {
    for (const call of calls) {
      await assert.rejects(caller.run(db, (tx) => tx.query(call)), permissionDenied, caller.name);
    }
  }
});

Deno.test("the usage views show each caller only the rows RLS lets them read", async () => {
  await using db = await seededDatabase();
  const byUser = (caller: Caller) =>
    caller.run(db, (tx) =>
      tx.query<{ user_id: string | null; calls: number; cost: string }>(
        `select user_id, calls::int, cost_usd::text as cost
         from public.llm_usage_by_user order by user_id collate "C" nulls last`,
      ));
  const daily = (caller: Caller) =>
    caller.run(db, (tx) =>
      tx.query<{ calls: number; tokens: number }>(
        `select sum(calls)::int as calls, sum(total_tokens)::int as tokens
         from public.llm_usage_daily`,
      ));

  assert.deepEqual(await byUser(asAlice), [{ user_id: alice, calls: 2, cost: "0.00001470" }]);
  assert.deepEqual(await byUser(asMallory), [{ user_id: mallory, calls: 1, cost: "0.00000735" }]);
  assert.deepEqual((await byUser(asAdmin)).map((row) => [row.user_id, row.calls]), [
    [bob, 1],
    [alice, 2],
    [mallory, 1],
    ["user_456", 1],
    [null, 1],
  ]);
  assert.deepEqual(await byUser(serviceRole), await byUser(asAdmin));
  assert.deepEqual(await daily(asAlice), [{ calls: 2, tokens: 20 }]);
  assert.deepEqual(await daily(asAdmin), [{ calls: 6, tokens: 60 }]);
  await assert.rejects(byUser(anon), permissionDenied);
  await assert.rejects(daily(anon), permissionDenied);
});

Deno.test("llm_usage_by_user counts a user's failed calls as failures", async () => {
  await using db = await seededDatabase();
  const failed = { ...callBy("alice-3", alice), status: "failed" as const, error_type: "timeout" };
  await serviceRole.run(db, (tx) => insertRows(tx, [failed]));
  const rows = await asAlice.run(db, (tx) =>
    tx.query<{ calls: number; failures: number }>(
      `select calls::int, failures::int from public.llm_usage_by_user`,
    ));
  assert.deepEqual(rows, [{ calls: 3, failures: 1 }]);
});

Deno.test("the storage report is for admins and the service role only", async () => {
  await using db = await seededDatabase();
  await db.exec(`analyze public.llm_call_logs`);
  const report = (caller: Caller) =>
    caller.run(
      db,
      (tx) =>
        tx.query<{ rows: number }>(`select sum(row_count)::int as rows from llm_call_logs_storage`),
    );
  for (const caller of [anon, asAlice, asMallory]) {
    await assert.rejects(report(caller), permissionDenied, caller.name);
  }
  assert.deepEqual(await report(asAdmin), [{ rows: seeded.length }]);
  assert.deepEqual(await report(serviceRole), [{ rows: seeded.length }]);
  const exact = (caller: Caller) =>
    caller.run(db, (tx) =>
      tx.query<{ rows: number }>(
        `select sum(row_count)::int as rows from private.llm_call_logs_storage_report(true)`,
      ));
  assert.deepEqual(await exact(asAdmin), [{ rows: seeded.length }]);
  assert.deepEqual(await exact(serviceRole), [{ rows: seeded.length }]);
  // Calling the function directly does not get around the check.
  await assert.rejects(
    asAlice.run(db, (tx) => tx.query(`select * from private.llm_call_logs_storage_report(true)`)),
    permissionDenied,
  );
});

Deno.test("the reporting views run as the caller (security_invoker), not as their owner", async () => {
  await using db = await openTestDatabase();
  const views = await db.query<{ name: string; options: string[] | null }>(
    `select c.relname as name, c.reloptions as options
     from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'v'
       and c.relname in ('llm_usage_daily', 'llm_usage_by_user', 'llm_call_logs_storage')
     order by c.relname`,
  );
  assert.deepEqual(views, [
    { name: "llm_call_logs_storage", options: ["security_invoker=true"] },
    { name: "llm_usage_by_user", options: ["security_invoker=true"] },
    { name: "llm_usage_daily", options: ["security_invoker=true"] },
  ]);
});
