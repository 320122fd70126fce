import assert from "node:assert/strict";
import { openTestDatabase } from "./database.ts";

const alice = "00000000-0000-4000-8000-00000000a11c";
const bob = "00000000-0000-4000-8000-000000000b0b";

Deno.test("the test database enforces row-level security the way PostgREST requests do", async () => {
  await using db = await openTestDatabase();
  await db.exec(`
    create table harness_secrets (owner uuid not null, secret text not null);
    alter table harness_secrets enable row level security;
    create policy owner_reads on harness_secrets for select to authenticated
      using (owner = (select auth.uid()));
    grant select on harness_secrets to authenticated, service_role;
  `);
  await db.query(`insert into harness_secrets values ($1, 'alice''s'), ($2, 'bob''s')`, [
    alice,
    bob,
  ]);

  const asBob = await db.asUser(
    { sub: bob },
    (tx) => tx.query(`select secret from harness_secrets`),
  );
  assert.deepEqual(asBob.map((r) => r.secret), ["bob's"]);

  const asStranger = await db.asUser(
    { sub: crypto.randomUUID() },
    (tx) => tx.query(`select secret from harness_secrets`),
  );
  assert.deepEqual(asStranger, []);

  const asService = await db.asServiceRole((tx) =>
    tx.query<{ secret: string }>(`select secret from harness_secrets order by secret`)
  );
  assert.deepEqual(asService.map((r) => r.secret), ["alice's", "bob's"]);

  await assert.rejects(
    db.asAnon((tx) => tx.query(`select secret from harness_secrets`)),
    /permission denied/,
  );
});

Deno.test("role and claims are transaction-local and do not leak into later statements", async () => {
  await using db = await openTestDatabase();
  const inside = await db.asUser(
    { sub: alice },
    (tx) =>
      tx.query<{ role: string; uid: string | null; jwt_role: string }>(
        `select current_user::text as role, auth.uid()::text as uid, auth.role() as jwt_role`,
      ),
  );
  assert.deepEqual(inside, [{ role: "authenticated", uid: alice, jwt_role: "authenticated" }]);

  const after = await db.query<{ role: string; uid: string | null }>(
    `select current_user::text as role, auth.uid()::text as uid`,
  );
  assert.equal(after[0].uid, null);
  assert.notEqual(after[0].role, "authenticated");
});

Deno.test("a failing statement rolls the whole transaction back", async () => {
  await using db = await openTestDatabase();
  await db.exec(
    `create table harness_counter (n int); grant all on harness_counter to service_role;`,
  );
  await assert.rejects(
    db.asServiceRole(async (tx) => {
      await tx.query(`insert into harness_counter values (1)`);
      await tx.query(`select 1/0`);
    }),
    /division by zero/,
  );
  const rows = await db.query<{ n: number }>(`select count(*)::int as n from harness_counter`);
  assert.equal(rows[0].n, 0);
});

Deno.test("the stand-in's auth helpers read claims like Supabase's", async () => {
  await using db = await openTestDatabase();
  const claims = { sub: alice, email: "a@example.com", app_metadata: { role: "admin" } };
  const [row] = await db.asUser(claims, (tx) =>
    tx.query<{ email: string; admin: string }>(
      `select auth.email() as email, (select auth.jwt()) -> 'app_metadata' ->> 'role' as admin`,
    ));
  assert.deepEqual(row, { email: "a@example.com", admin: "admin" });
  const [anon] = await db.asAnon((tx) =>
    tx.query<{ uid: string | null; role: string }>(`select auth.uid() as uid, auth.role() as role`)
  );
  assert.deepEqual(anon, { uid: null, role: "anon" });
});
