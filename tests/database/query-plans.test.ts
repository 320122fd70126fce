import assert from "node:assert/strict";
import { openTestDatabase, type Queryable, type TestDatabase } from "../harness/database.ts";
import {
  COST_BY_MODEL_SQL,
  ERROR_ANALYSIS_SQL,
  RECENT_CALLS_SQL,
} from "../../tools/log-queries.ts";

/**
 * Rows spread evenly over the last 120 days (about 75k per monthly partition, 2.5k per day).
 * Seeding, indexing and analyzing them takes about 8 s on PGlite and 2 s on a local server.
 */
const ROWS = 300_000;
const SPAN_DAYS = 120;
const USERS = 1_000;

/** A user id of the seed; user `n` owns every 1000th row. */
function seedUser(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** Seeds the rows and returns the partitions holding many of them. */
async function seed(db: TestDatabase): Promise<string[]> {
  // Monthly partitions for the whole span, so the default partition stays empty.
  await db.query(`select * from private.llm_call_logs_create_partitions(3, 5)`);
  await db.query(
    `insert into public.llm_call_logs (
       created_at, completed_at, request_id, edge_function, user_id, method_type, model,
       status, request_messages, prompt_tokens, completion_tokens, total_tokens, cost_usd,
       cost_source, response_time_ms, http_status, error_type, error_message)
     select at, at + interval '1 second', 'req-' || g,
       (array['chat', 'chat-stream', 'summarise'])[g % 3 + 1],
       '00000000-0000-4000-8000-' || lpad((g % ${USERS})::text, 12, '0'),
       case when g % 2 = 0 then 'chat_completion' else 'stream_completion' end,
       'vendor/model-' || (g % 8), status, '[{"role":"user","content":"hi"}]',
       100 + g % 50, 20 + g % 30, 120 + g % 50 + g % 30,
       case when status = 'completed' then (g % 1000) * 0.00000735 end,
       case when status = 'completed' then 'provider' end,
       200 + g % 3000,
       case when status = 'failed' then 502 else 200 end,
       case when status = 'failed' then 'api' end,
       case when status = 'failed' then 'Provider returned error ' || g % 5 end
     from generate_series(1, $1::int) as g,
       lateral (select now() - (g * $2::float8 / $1::int) * interval '1 day' as at,
         case when g % 20 = 0 then 'failed' when g % 33 = 0 then 'cancelled'
           else 'completed' end as status) as derived`,
    [ROWS, SPAN_DAYS],
  );
  await db.exec(`analyze public.llm_call_logs`);
  // A partition holding an eighth of the rows (about 15 days) or more must never be seq scanned
  // by these queries; smaller ones (such as this month's first days) may be.
  const big = await db.query<{ name: string }>(
    `select c.relname as name
     from public.llm_call_logs l join pg_class c on c.oid = l.tableoid
     group by c.relname having count(*) >= $1::int / 8`,
    [ROWS],
  );
  assert.ok(big.length >= 3, `expected at least 3 big partitions, got ${big.length}`);
  assert.ok(!big.some((row) => row.name === "llm_call_logs_default"));
  return big.map((row) => row.name);
}

async function plan(db: Queryable, sql: string, params: unknown[]): Promise<PlanNode> {
  const [row] = await db.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${sql}`, params);
  const json = row["QUERY PLAN"];
  const parsed = typeof json === "string" ? JSON.parse(json) : json;
  return (parsed as { Plan: PlanNode }[])[0].Plan;
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

function seqScanned(root: PlanNode, partitions: string[]): string[] {
  return nodes(root)
    .filter((n) => n["Node Type"] === "Seq Scan" && partitions.includes(n["Relation Name"] ?? ""))
    .map((n) => n["Relation Name"]!);
}

/** The parent-table indexes whose partition indexes the plan uses. */
async function indexesUsed(db: Queryable, root: PlanNode): Promise<string[]> {
  const used = nodes(root).flatMap((n) => n["Index Name"] ? [n["Index Name"]] : []);
  const rows = await db.query<{ name: string }>(
    `select distinct parent.relname as name
     from pg_inherits i
     join pg_class child on child.oid = i.inhrelid
     join pg_class parent on parent.oid = i.inhparent
     where child.relname = any($1::text[])`,
    [used],
  );
  return rows.map((row) => row.name).sort();
}

const queries: ReadonlyArray<readonly [string, string, unknown[], string]> = [
  ["recent calls", RECENT_CALLS_SQL, [50], "llm_call_logs_created_at_idx"],
  ["cost per model over 24 hours", COST_BY_MODEL_SQL, ["24 hours"], "llm_call_logs_created_at_idx"],
  ["errors over 24 hours", ERROR_ANALYSIS_SQL, ["24 hours"], "llm_call_logs_failed_created_at_idx"],
];

Deno.test("the log queries use indexes, never a seq scan of a big partition", async (t) => {
  await using db = await openTestDatabase();
  const bigPartitions = await seed(db);
  const admin = { sub: seedUser(999_999), app_metadata: { role: "admin" } };
  for (const [name, sql, params, index] of queries) {
    await t.step(`${name}, as postgres and as an admin through RLS`, async () => {
      for (
        const root of [
          await plan(db, sql, params),
          await db.asUser(admin, (tx) => plan(tx, sql, params)),
        ]
      ) {
        assert.deepEqual(seqScanned(root, bigPartitions), []);
        assert.deepEqual(await indexesUsed(db, root), [index]);
      }
    });
  }

  await t.step("a user's own recent calls, filtered on user_id, use the RLS index", async () => {
    const user = seedUser(42);
    const root = await db.asUser({ sub: user }, (tx) =>
      plan(
        tx,
        `select id, created_at, model, status from public.llm_call_logs
         where user_id = $1 order by created_at desc limit 50`,
        [user],
      ));
    assert.deepEqual(seqScanned(root, bigPartitions), []);
    assert.deepEqual(await indexesUsed(db, root), ["llm_call_logs_user_id_created_at_idx"]);
  });

  await t.step(
    "an admin's calls page filtered on a rare value finds it through its index",
    async () => {
      // The dashboard's calls list (readCallsPage) as an admin sends it: a range, one filter,
      // newest first by keyset. A value absent from the range is the worst case: without an index
      // on it, every call in the range is read before the page is known to be empty.
      const page = (filter: string) =>
        `select id, created_at, model, status from public.llm_call_logs
       where created_at >= now() - interval '30 days' and created_at < now() and ${filter}
       order by created_at desc, id desc limit 26`;
      const cases: [string, string][] = [
        ["model = 'vendor/model-rare'", "llm_call_logs_model_created_at_idx"],
        ["edge_function = 'rarely-run'", "llm_call_logs_edge_function_created_at_idx"],
        ["status = 'cancelled'", "llm_call_logs_cancelled_created_at_idx"],
      ];
      for (const [filter, index] of cases) {
        const root = await db.asUser(admin, (tx) => plan(tx, page(filter), []));
        assert.deepEqual(seqScanned(root, bigPartitions), [], filter);
        assert.deepEqual(await indexesUsed(db, root), [index], filter);
      }
    },
  );

  await t.step("the queries return what was seeded", async () => {
    const recent = await db.query<{ created_at: Date }>(RECENT_CALLS_SQL, [50]);
    assert.equal(recent.length, 50);
    const costs = await db.query<{ model: string; calls: number }>(COST_BY_MODEL_SQL, ["24 hours"]);
    assert.equal(costs.length, 8);
    const errors = await db.query<{ failures: number }>(ERROR_ANALYSIS_SQL, ["24 hours"]);
    assert.ok(errors.length > 0 && errors.length <= 5 * 8 * 3);
  });
});
