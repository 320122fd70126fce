import assert from "node:assert/strict";
import { createSqlSink } from "../../supabase/functions/_shared/llm-service.ts";
import { openLocalDatabase } from "../../tools/dev/local-database.ts";
import { logRow } from "../fixtures/log-rows.ts";

Deno.test("deno task dev's database folds the per-user usage on its own, as pg_cron does on Supabase", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const local = await openLocalDatabase(`${dir}/pglite`, { foldEveryMs: 20 });
    try {
      const query = (text: string, params?: unknown[]) =>
        local.lock.run(() => local.db.query(text, params));
      await createSqlSink(query).write([
        logRow({ user_id: "dev-user" }),
        logRow({ user_id: "dev-user" }),
      ]);
      const pending = async () =>
        (await query(`select count(*)::int as n from private.llm_usage_pending`)).rows[0] as {
          n: number;
        };
      for (let waited = 0; (await pending()).n > 0; waited += 20) {
        assert.ok(waited < 5_000, "nothing folded the pending usage within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { rows } = await query(
        `select sum(calls)::int as calls from private.llm_usage_hourly_folded
         where user_id = 'dev-user'`,
      );
      assert.deepEqual(rows, [{ calls: 2 }]);
    } finally {
      await local.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
