import assert from "node:assert/strict";
import { openTestDatabase } from "../harness/database.ts";
import { LOG_COLUMNS, LOG_TABLE } from "../../supabase/functions/_shared/llm/internal.ts";

type ColumnInfo = {
  name: string;
  type: string;
  nullable: boolean;
};

Deno.test("llm_call_logs has exactly the columns of LOG_COLUMNS, in order, with their types and nullability", async () => {
  await using db = await openTestDatabase();
  const columns = await db.query<ColumnInfo>(
    `select column_name::text as name, data_type::text as type, is_nullable = 'YES' as nullable
     from information_schema.columns
     where table_schema = 'public' and table_name = $1
     order by ordinal_position`,
    [LOG_TABLE],
  );
  assert.deepEqual(
    columns,
    LOG_COLUMNS.map(({ name, type, nullable }) => ({ name, type, nullable })),
  );
});

Deno.test("every partition has the parent's columns, so a row type cast works on any of them", async () => {
  await using db = await openTestDatabase();
  const rows = await db.query<{ partition: string; columns: string }>(
    `select c.oid::regclass::text as partition,
       string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
         order by a.attnum) as columns
     from pg_inherits i
     join pg_class c on c.oid = i.inhrelid
     join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where i.inhparent = 'public.llm_call_logs'::regclass
     group by c.oid`,
  );
  const [parent] = await db.query<{ columns: string }>(
    `select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
       order by a.attnum) as columns
     from pg_attribute a
     where a.attrelid = 'public.llm_call_logs'::regclass and a.attnum > 0 and not a.attisdropped`,
  );
  assert.ok(rows.length >= 6, `expected the default and 5 monthly partitions, got ${rows.length}`);
  for (const row of rows) assert.equal(row.columns, parent.columns, row.partition);
});

Deno.test("defaults fill created_at, id and metadata when a row leaves them out", async () => {
  await using db = await openTestDatabase();
  const [row] = await db.query<{ has_id: boolean; recent: boolean; metadata: unknown }>(
    `insert into public.llm_call_logs (method_type, model, status, request_messages)
     values ('chat_completion', 'openai/gpt-4o-mini', 'completed', '[]')
     returning id is not null as has_id, created_at > now() - interval '1 minute' as recent,
       metadata`,
  );
  assert.deepEqual(row, { has_id: true, recent: true, metadata: {} });
});

Deno.test("cost_usd keeps exact decimals such as 0.00000735", async () => {
  await using db = await openTestDatabase();
  const [row] = await db.query<{ cost: string; sum: string }>(
    `insert into public.llm_call_logs
       (method_type, model, status, request_messages, cost_usd, cost_source)
     values ('chat_completion', 'm', 'completed', '[]', 0.00000735, 'provider')
     returning cost_usd::text as cost, (cost_usd * 3)::text as sum`,
  );
  assert.deepEqual(row, { cost: "0.00000735", sum: "0.00002205" });
});

const invalidRows: ReadonlyArray<readonly [string, string, string]> = [
  ["an unknown method_type", "method_type", "'batch_completion'"],
  ["an unknown status", "status", "'pending'"],
  ["an unknown cost_source", "cost_source", "'guessed'"],
  ["a negative token count", "reasoning_tokens", "-1"],
  ["a negative duration", "time_to_first_token_ms", "-5"],
  ["an impossible HTTP status", "http_status", "42"],
  ["metadata that is not an object", "metadata", `'["tag"]'`],
];

const validRow: Readonly<Record<string, string>> = {
  method_type: "'chat_completion'",
  model: "'openai/gpt-4o-mini'",
  status: "'completed'",
  request_messages: "'[]'",
};

for (const [what, column, value] of invalidRows) {
  Deno.test(`a row with ${what} is refused by a check constraint`, async () => {
    await using db = await openTestDatabase();
    const row = { ...validRow, [column]: value };
    await assert.rejects(
      db.query(
        `insert into public.llm_call_logs (${Object.keys(row)}) values (${Object.values(row)})`,
      ),
      (error: { code?: string }) => error.code === "23514",
    );
    await db.query(
      `insert into public.llm_call_logs (${Object.keys(validRow)})
       values (${Object.values(validRow)})`,
    );
  });
}

Deno.test("cost_source is set exactly when cost_usd is known", async () => {
  await using db = await openTestDatabase();
  const insert = (cost: string | null, source: string | null) =>
    db.query(
      `insert into public.llm_call_logs
         (method_type, model, status, request_messages, cost_usd, cost_source)
       values ('chat_completion', 'm', 'completed', '[]', $1::numeric, $2)`,
      [cost, source],
    );
  const violation = (error: { code?: string; message?: string }) =>
    error.code === "23514" && /llm_call_logs_cost_source_iff_cost_check/.test(error.message ?? "");
  await assert.rejects(insert("0.1", null), violation);
  await assert.rejects(insert(null, "estimated"), violation);
  await insert(null, null);
  await insert("0", "provider");
  await insert("0.0003", "estimated");
  const [{ n }] = await db.query<{ n: number }>(`select count(*)::int as n from llm_call_logs`);
  assert.equal(n, 3);
});
