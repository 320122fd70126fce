// Retention is an explicit opt-in. These tests run where pg_cron is not enabled (PGlite, or a
// throwaway database on a server: pg_cron serves only cron.database_name); what happens where it
// is enabled is in cron-jobs.test.ts.
import assert from "node:assert/strict";
import { openTestDatabase } from "../harness/database.ts";

const SCHEDULING_FUNCTIONS = [
  "private.llm_call_logs_cron_jobs()",
  "private.llm_call_logs_schedule_partitions()",
  "private.llm_call_logs_schedule_retention(integer, text, text)",
  "private.llm_call_logs_unschedule_retention()",
];

const hasCode = (code: string) => (error: { code?: string }) => error.code === code;

Deno.test("the scheduling functions exist and the API roles cannot execute them", async () => {
  await using db = await openTestDatabase();
  for (const fn of SCHEDULING_FUNCTIONS) {
    const rows = await db.query<{ role: string; allowed: boolean }>(
      `select r.role, has_function_privilege(r.role, $1::regprocedure, 'execute') as allowed
       from unnest(array['postgres', 'anon', 'authenticated', 'service_role']) as r(role)`,
      [fn],
    );
    assert.deepEqual(rows, [
      { role: "postgres", allowed: true },
      { role: "anon", allowed: false },
      { role: "authenticated", allowed: false },
      { role: "service_role", allowed: false },
    ], fn);
  }
});

Deno.test("without pg_cron, opting in to retention fails with 55000 and lists nothing", async () => {
  await using db = await openTestDatabase();
  await assert.rejects(
    db.query(`select * from private.llm_call_logs_schedule_retention(12, 'drop')`),
    (error: { code?: string; message?: string }) =>
      error.code === "55000" &&
      error.message === "Cannot schedule retention: pg_cron is not enabled in this database",
  );
  await assert.rejects(
    db.query(`select private.llm_call_logs_unschedule_retention()`),
    hasCode("55000"),
  );
  assert.deepEqual(await db.query(`select * from private.llm_call_logs_cron_jobs()`), []);
});

Deno.test("opting in to retention rejects bad arguments with 22023 and says which", async () => {
  await using db = await openTestDatabase();
  const cases: [string, RegExp][] = [
    [`0, 'drop'`, /keep_months must be from 1 to 1200, got 0$/],
    [`1201, 'archive'`, /keep_months must be from 1 to 1200, got 1201$/],
    [`null, 'drop'`, /keep_months must be from 1 to 1200, got null$/],
    [`12, 'truncate'`, /mode must be "drop" or "archive", got 'truncate'$/],
    [`12, null`, /mode must be "drop" or "archive", got null$/],
    [`12, 'drop', ' '`, /schedule must be a cron expression/],
  ];
  for (const [args, message] of cases) {
    await assert.rejects(
      db.query(`select * from private.llm_call_logs_schedule_retention(${args})`),
      (error: { code?: string; message?: string }) =>
        error.code === "22023" && message.test(error.message ?? ""),
      args,
    );
  }
});
