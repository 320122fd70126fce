// What the migrations schedule where pg_cron runs. pg_cron serves one database per server
// (cron.database_name), so this needs CRON_DATABASE_URL: that database, with pg_cron 1.5+ (or a
// control file pinning `schema = pg_catalog`) and the migrations applied by the Supabase CLI.
// `.ci/run` provides two: one where the migrations enabled pg_cron, and one where pg_cron was
// enabled before them (a hosted project that already had it, where the first maintenance
// migration used to schedule a daily drop). Both must end the same.
import assert from "node:assert/strict";
import postgres from "postgres";

const url = Deno.env.get("CRON_DATABASE_URL");
if (!url) {
  console.log(
    "cron-jobs.test.ts: skipped; run with CRON_DATABASE_URL=<the cron.database_name database, " +
      "migrated with supabase migration up> (.ci/run does)",
  );
}

interface Job {
  job_name: string;
  schedule: string;
  command: string;
  active: boolean;
}

async function withDatabase(fn: (sql: postgres.Sql) => Promise<void>): Promise<void> {
  const sql = postgres(url!, { max: 1, onnotice: () => {} });
  try {
    await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function jobs(sql: postgres.Sql): Promise<Job[]> {
  return [...await sql<Job[]>`select * from private.llm_call_logs_cron_jobs()`];
}

const PARTITION_JOB: Job = {
  job_name: "llm-call-logs-create-partitions",
  schedule: "7 0 1 * *",
  command: "select private.llm_call_logs_create_partitions(3, 1)",
  active: true,
};

const FOLD_JOB: Job = {
  job_name: "llm-call-logs-fold-usage",
  schedule: "* * * * *",
  command: "select private.llm_usage_fold_pending()",
  active: true,
};

/** What the migrations schedule by themselves: partitions and the usage fold, never retention. */
const DEFAULT_JOBS = [PARTITION_JOB, FOLD_JOB];

Deno.test({
  name:
    "after the migrations pg_cron sits in pg_catalog and only partition creation and the usage fold are scheduled",
  ignore: !url,
  fn: () =>
    withDatabase(async (sql) => {
      const [ext] = await sql`
        select extnamespace::regnamespace::text as schema from pg_extension
        where extname = 'pg_cron'`;
      assert.equal(ext?.schema, "pg_catalog");
      assert.deepEqual(await jobs(sql), DEFAULT_JOBS);
      const [{ n }] = await sql`
        select count(*)::int as n from cron.job where command like '%apply_retention%'`;
      assert.equal(n, 0, "a retention job exists that nobody opted in to");
    }),
});

Deno.test({
  name: "opting in schedules retention, and unscheduling removes it again",
  ignore: !url,
  fn: () =>
    withDatabase(async (sql) => {
      try {
        const scheduled = await sql<Job[]>`
          select * from private.llm_call_logs_schedule_retention(6, 'archive')`;
        const retention: Job = {
          job_name: "llm-call-logs-retention",
          schedule: "17 3 * * *",
          command: "select private.llm_call_logs_apply_retention(6, 'archive')",
          active: true,
        };
        assert.deepEqual([...scheduled], [retention]);
        assert.deepEqual(await jobs(sql), [...DEFAULT_JOBS, retention]);

        // Calling it again replaces the job instead of adding one.
        await sql`select * from private.llm_call_logs_schedule_retention(12, 'drop', '0 4 * * 0')`;
        assert.deepEqual(await jobs(sql), [...DEFAULT_JOBS, {
          job_name: "llm-call-logs-retention",
          schedule: "0 4 * * 0",
          command: "select private.llm_call_logs_apply_retention(12, 'drop')",
          active: true,
        }]);

        const [{ removed }] = await sql`
          select private.llm_call_logs_unschedule_retention() as removed`;
        assert.equal(removed, true);
        assert.deepEqual(await jobs(sql), DEFAULT_JOBS);
      } finally {
        await sql`select private.llm_call_logs_unschedule_retention()`;
      }
    }),
});

Deno.test({
  name: "the scheduled partition job's command runs",
  ignore: !url,
  fn: () =>
    withDatabase(async (sql) => {
      await sql.unsafe(PARTITION_JOB.command);
      const [{ n }] = await sql`
        select count(*)::int as n from private.llm_call_logs_partitions() where not is_default`;
      assert.ok(n >= 5, `expected at least 5 monthly partitions, found ${n}`);
    }),
});

Deno.test({
  name: "the scheduled fold job's command moves pending calls into the per-user rollup",
  ignore: !url,
  fn: () =>
    withDatabase(async (sql) => {
      // In one transaction, rolled back: the real job, running every minute on this database,
      // cannot see these rows, so what is folded here was folded by this command.
      const user = `cron-fold-${crypto.randomUUID()}`;
      const rolledBack = new Error("roll back");
      await sql.begin(async (tx) => {
        await tx`
          insert into public.llm_call_logs
            (request_id, method_type, model, status, user_id, request_messages, request_params)
          select gen_random_uuid()::text, 'chat_completion', 'm', 'completed', ${user},
            '[]'::jsonb, '{}'::jsonb
          from generate_series(1, 3)`;
        const pending = () =>
          tx`select count(*)::int as n from private.llm_usage_pending where user_id = ${user}`;
        assert.equal((await pending())[0].n, 3);
        await tx.unsafe(FOLD_JOB.command);
        assert.equal((await pending())[0].n, 0);
        const [{ calls }] = await tx`
          select sum(calls)::int as calls from private.llm_usage_hourly_folded
          where user_id = ${user}`;
        assert.equal(calls, 3);
        throw rolledBack;
      }).catch((error) => {
        if (error !== rolledBack) throw error;
      });
    }),
});
