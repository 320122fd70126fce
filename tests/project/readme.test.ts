import assert from "node:assert/strict";
import {
  COST_BY_MODEL_ROLLUP_SQL,
  COST_BY_MODEL_SQL,
  ERROR_ANALYSIS_SQL,
  RECENT_CALLS_SQL,
} from "../../tools/log-queries.ts";
import { openTestDatabase } from "../harness/database.ts";

const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
// The budget section's statements are run by tests/database/llm-limits.test.ts.
const sqlBlocks = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1])
  .filter((block) => !block.includes("llm_limits"));
const normalise = (sql: string) =>
  sql.replace(/--.*$/gm, "").replace(/\s+/g, " ").replace(/;\s*$/, "").trim();

Deno.test("the README's raw queries are the seed's three, as tools/log-queries.ts keeps them", () => {
  const readmeQueries = sqlBlocks[0].split(/;\s*\n/).map(normalise).filter(Boolean);
  assert.deepEqual(readmeQueries, [
    normalise(RECENT_CALLS_SQL.replace("$1", "50")),
    normalise(COST_BY_MODEL_SQL.replace("$1::interval", "interval '24 hours'")),
    normalise(ERROR_ANALYSIS_SQL.replace("$1::interval", "interval '24 hours'")),
  ]);
});

Deno.test("the README's fast cost query is the one deno task logs runs", () => {
  const [costFromRollups] = sqlBlocks[1].split(/;\s*\n/).map(normalise);
  assert.equal(
    costFromRollups,
    normalise(COST_BY_MODEL_ROLLUP_SQL.replace("$1::interval", "interval '24 hours'")),
  );
});

Deno.test("the README's queries run on the migrated table", async () => {
  await using db = await openTestDatabase();
  for (const block of sqlBlocks.slice(0, 2)) {
    for (const query of block.split(/;\s*\n/).filter((q) => normalise(q))) {
      await db.query(query);
    }
  }
});

Deno.test("the README replays printed rows with deno task replay, not with SQL pasted by hand", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.match(readme, /deno task replay/);
  assert.equal(config.tasks.replay, "deno run --allow-all tools/replay.ts");
  assert.doesNotMatch(readme, /jsonb_populate_record\(null::llm_call_logs, '/);
});
