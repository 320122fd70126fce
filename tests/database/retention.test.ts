import assert from "node:assert/strict";
import { openTestDatabase, type Queryable, type TestDatabase } from "../harness/database.ts";

/** `YYYY_MM` of the UTC month `offset` months from now, as partition names spell it. */
async function monthName(db: Queryable, offset: number): Promise<string> {
  const [{ name }] = await db.query<{ name: string }>(
    `select to_char(date_trunc('month', now() at time zone 'UTC') + make_interval(months => $1),
       'YYYY_MM') as name`,
    [offset],
  );
  return name;
}

/** Inserts `count` rows at the middle of the UTC month `offset` months from now. */
async function insertInMonth(db: Queryable, offset: number, count = 1): Promise<void> {
  await db.query(
    `insert into public.llm_call_logs (created_at, method_type, model, status, request_messages)
     select date_trunc('month', now(), 'UTC') + make_interval(months => $1, days => 14),
       'chat_completion', 'm', 'completed', '[]'
     from generate_series(1, $2)`,
    [offset, count],
  );
}

async function insertAt(db: Queryable, createdAt: string): Promise<void> {
  await db.query(
    `insert into public.llm_call_logs (created_at, method_type, model, status, request_messages)
     values ($1::timestamptz, 'chat_completion', 'm', 'completed', '[]')`,
    [createdAt],
  );
}

async function partitionNames(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select table_name as name from private.llm_call_logs_partitions() order by table_name`,
  );
  return rows.map((row) => row.name);
}

/** Rows per table holding them, as `{ "llm_call_logs_p2026_11": 3, ... }`. */
async function rowsByTable(db: Queryable): Promise<Record<string, number>> {
  const rows = await db.query<{ name: string; n: number }>(
    `select c.relname as name, count(*)::int as n
     from public.llm_call_logs l join pg_class c on c.oid = l.tableoid
     group by c.relname`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.n]));
}

/** A database with monthly partitions from 15 months ago and one row in each of them. */
async function databaseWithHistory(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  try {
    for (let offset = -15; offset <= -2; offset++) {
      await db.query(
        `select * from private.llm_call_logs_create_partition(
           now() + make_interval(months => $1))`,
        [offset],
      );
    }
    for (let offset = -15; offset <= 3; offset++) await insertInMonth(db, offset);
    await insertAt(db, "1990-06-01T00:00:00Z");
    await insertAt(db, "2100-06-01T00:00:00Z");
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

Deno.test("the migration creates partitions from last month to three months ahead, and a default one", async () => {
  await using db = await openTestDatabase();
  const expected = ["llm_call_logs_default"];
  for (let offset = -1; offset <= 3; offset++) {
    expected.push(`llm_call_logs_p${await monthName(db, offset)}`);
  }
  assert.deepEqual(await partitionNames(db), expected.sort());
  const [bounds] = await db.query<{ utc_midnights: boolean; contiguous: boolean }>(
    `select bool_and(range_start = date_trunc('month', range_start, 'UTC')) as utc_midnights,
       bool_and(range_end = range_start + interval '1 month') as contiguous
     from private.llm_call_logs_partitions() where not is_default`,
  );
  assert.deepEqual(bounds, { utc_midnights: true, contiguous: true });
});

Deno.test("creating partitions again creates nothing and returns nothing", async () => {
  await using db = await openTestDatabase();
  const before = await partitionNames(db);
  assert.deepEqual(await db.query(`select * from private.llm_call_logs_create_partitions()`), []);
  assert.deepEqual(await partitionNames(db), before);
});

Deno.test("creating partitions further ahead adds only the missing months", async () => {
  await using db = await openTestDatabase();
  const created = await db.query<{ table_name: string; rows_moved: number }>(
    `select table_name, rows_moved::int from private.llm_call_logs_create_partitions(5, 0)`,
  );
  assert.deepEqual(created, [
    { table_name: `llm_call_logs_p${await monthName(db, 4)}`, rows_moved: 0 },
    { table_name: `llm_call_logs_p${await monthName(db, 5)}`, rows_moved: 0 },
  ]);
});

Deno.test("rows dated 1990 or 2100 are stored in the default partition instead of failing", async () => {
  await using db = await openTestDatabase();
  await db.asServiceRole(async (tx) => {
    await insertAt(tx, "1990-01-01T00:00:00Z");
    await insertAt(tx, "2100-12-31T23:59:59Z");
  });
  await insertInMonth(db, 0);
  assert.deepEqual(await rowsByTable(db), {
    llm_call_logs_default: 2,
    [`llm_call_logs_p${await monthName(db, 0)}`]: 1,
  });
});

Deno.test("creating a month's partition moves that month's rows out of the default partition", async () => {
  await using db = await openTestDatabase();
  await insertAt(db, "2100-01-01T00:00:00Z");
  await insertAt(db, "2100-01-31T23:59:59.999Z");
  await insertAt(db, "2100-02-01T00:00:00Z");
  const created = await db.query<{ table_name: string; rows_moved: number }>(
    `select table_name, rows_moved::int
     from private.llm_call_logs_create_partition('2100-01-20T12:00:00Z')`,
  );
  assert.deepEqual(created, [{ table_name: "llm_call_logs_p2100_01", rows_moved: 2 }]);
  assert.deepEqual(await rowsByTable(db), {
    llm_call_logs_p2100_01: 2,
    llm_call_logs_default: 1,
  });
  // The moved-into partition is a full partition: each parent index has its twin, no grants.
  const [shape] = await db.query<{ attached: number; parent: number; acl: string | null }>(
    `select
       (select count(*)::int from pg_index i join pg_inherits h on h.inhrelid = i.indexrelid
        where i.indrelid = c.oid
          and h.inhparent in (select indexrelid from pg_index where indrelid = 'public.llm_call_logs'::regclass)
       ) as attached,
       (select count(*)::int from pg_index where indrelid = 'public.llm_call_logs'::regclass) as parent,
       c.relacl::text as acl
     from pg_class c where c.oid = 'llm_logs_partitions.llm_call_logs_p2100_01'::regclass`,
  );
  assert.equal(shape.attached, shape.parent);
  assert.equal(shape.parent, 7); // the primary key and six indexes
  assert.doesNotMatch(shape.acl ?? "", /anon|authenticated|service_role/);
});

Deno.test("retention in drop mode drops exactly the months older than the window", async () => {
  await using db = await databaseWithHistory();
  const result = await db.query<{ action: string; table_name: string; rows_affected: number }>(
    `select action, table_name, rows_affected::int
     from private.llm_call_logs_apply_retention(12, 'drop')`,
  );
  // Keeping 12 months keeps this month and the 12 before it: months -15, -14, -13 go.
  assert.deepEqual(result, [
    {
      action: "dropped",
      table_name: `llm_call_logs_p${await monthName(db, -15)}`,
      rows_affected: null,
    },
    {
      action: "dropped",
      table_name: `llm_call_logs_p${await monthName(db, -14)}`,
      rows_affected: null,
    },
    {
      action: "dropped",
      table_name: `llm_call_logs_p${await monthName(db, -13)}`,
      rows_affected: null,
    },
    { action: "deleted default rows", table_name: "llm_call_logs_default", rows_affected: 1 },
  ]);
  const names = await partitionNames(db);
  assert.equal(names.includes(`llm_call_logs_p${await monthName(db, -13)}`), false);
  assert.equal(names.includes(`llm_call_logs_p${await monthName(db, -12)}`), true);
  const [left] = await db.query<{ oldest: string; rows: number; far_future: number }>(
    `select to_char(min(created_at) at time zone 'UTC', 'YYYY_MM') as oldest, count(*)::int as rows,
       count(*) filter (where created_at >= '2100-01-01')::int as far_future
     from public.llm_call_logs`,
  );
  assert.deepEqual(left, { oldest: await monthName(db, -12), rows: 16 + 1, far_future: 1 });
  assert.deepEqual(
    await db.query(
      `select to_regclass('llm_logs_archive.llm_call_logs_p' || $1) as archived`,
      [await monthName(db, -13)],
    ),
    [{ archived: null }],
  );
});

Deno.test("retention in archive mode moves the old months to llm_logs_archive, rows intact", async () => {
  await using db = await databaseWithHistory();
  const result = await db.query<{ action: string; table_name: string }>(
    `select action, table_name from private.llm_call_logs_apply_retention(6, 'archive')`,
  );
  const archivedMonths = [];
  for (let offset = -15; offset <= -7; offset++) archivedMonths.push(await monthName(db, offset));
  assert.deepEqual(result, [
    ...archivedMonths.map((month) => ({
      action: "archived",
      table_name: `llm_call_logs_p${month}`,
    })),
    { action: "archived default rows", table_name: "llm_call_logs_default" },
  ]);
  const archive = await db.query<{ name: string; n: number }>(
    `select report.table_name as name, report.row_count::int as n
     from private.llm_call_logs_storage_report(true) report
     where report.is_archived order by report.table_name`,
  );
  assert.deepEqual(archive, [
    { name: "llm_call_logs_default_archive", n: 1 },
    ...archivedMonths.map((month) => ({ name: `llm_call_logs_p${month}`, n: 1 })),
  ]);
  const [live] = await db.query<{ rows: number }>(
    `select count(*)::int as rows from public.llm_call_logs`,
  );
  assert.equal(live.rows, 19 + 2 - 9 - 1);
  const [archivedDefault] = await db.query<{ has_primary_key: boolean }>(
    `select exists (select from pg_index
       where indrelid = 'llm_logs_archive.llm_call_logs_default_archive'::regclass
         and indisprimary) as has_primary_key`,
  );
  assert.deepEqual(archivedDefault, { has_primary_key: true });
  for (const role of ["anon", "authenticated", "service_role"]) {
    await assert.rejects(
      db.asUser(
        { role, sub: crypto.randomUUID(), app_metadata: { role: "admin" } },
        (tx) => tx.query(`select count(*) from llm_logs_archive.llm_call_logs_default_archive`),
      ),
      (error: { code?: string }) => error.code === "42501",
      role,
    );
  }
});

Deno.test("a dry run reports what retention would remove and changes nothing", async () => {
  await using db = await databaseWithHistory();
  const before = await rowsByTable(db);
  const result = await db.query<{ action: string; rows_affected: number | null }>(
    `select action, rows_affected::int from private.llm_call_logs_apply_retention(12, 'drop', true)`,
  );
  assert.deepEqual(result.map((row) => row.action), [
    "would drop",
    "would drop",
    "would drop",
    "would drop default rows",
  ]);
  assert.equal(result[3].rows_affected, 1);
  assert.deepEqual(await rowsByTable(db), before);
});

Deno.test("retention refuses a window under one month or an unknown mode", async () => {
  await using db = await openTestDatabase();
  for (const call of [`apply_retention(0, 'drop')`, `apply_retention(12, 'truncate')`]) {
    await assert.rejects(
      db.query(`select * from private.llm_call_logs_${call}`),
      (error: { code?: string }) => error.code === "22023",
      call,
    );
  }
});

Deno.test("the storage report gives rows and bytes for every partition", async () => {
  await using db = await databaseWithHistory();
  const report = await db.query<{
    table_name: string;
    row_count: number;
    table_bytes: number;
    index_bytes: number;
    total_bytes: number;
  }>(
    `select table_name, row_count::int, table_bytes::int, index_bytes::int, total_bytes::int
     from private.llm_call_logs_storage_report(true)`,
  );
  const counted = await rowsByTable(db);
  assert.deepEqual(
    Object.fromEntries(
      report.filter((r) => r.row_count > 0).map((r) => [r.table_name, r.row_count]),
    ),
    counted,
  );
  assert.deepEqual(report.map((r) => r.table_name).sort(), await partitionNames(db));
  for (const row of report) {
    assert.ok(row.index_bytes > 0, row.table_name);
    assert.ok(row.total_bytes >= row.table_bytes + row.index_bytes, row.table_name);
    if (row.row_count > 0) assert.ok(row.table_bytes > 0, row.table_name);
  }
  // Estimates come from the statistics; after analyze they match on tables this small.
  await db.exec(`analyze public.llm_call_logs`);
  const estimated = await db.query<{ table_name: string; row_count: number; exact: boolean }>(
    `select table_name, row_count::int, row_count_is_exact as exact
     from private.llm_call_logs_storage_report()`,
  );
  for (const row of estimated) {
    assert.equal(row.exact, false, row.table_name);
    assert.equal(row.row_count, counted[row.table_name] ?? 0, row.table_name);
  }
});
