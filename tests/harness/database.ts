/**
 * Test databases with the project's migrations applied.
 *
 * By default each database is an embedded PGlite instance, in-process, so the suite needs no
 * server. With `DATABASE_URL` set, each database is a throwaway database created on that server
 * (a local Postgres, or the database server of a `supabase start` stack at port 54322) and
 * dropped on close, so the suite leaves the server as it found it and can run twice in a row.
 *
 * The helpers `asAnon`, `asUser` and `asServiceRole` run SQL the way PostgREST does: inside one
 * transaction, with a transaction-local role and JWT claims, so row-level security applies for
 * real.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { migrationFiles, supabaseStandInSql } from "../../tools/supabase-local/migrations.ts";

/** A row as a database client returns it. */
export type Row = Record<string, unknown>;

/** Anything that runs one SQL statement with positional parameters. */
export interface Queryable {
  /** Runs one statement; pass JSON as a string and cast it as `$1::text::jsonb` (clients differ on `$1::jsonb`). */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** JWT claims as Supabase Auth issues them; `role` defaults to `authenticated`. */
export interface JwtClaims {
  sub?: string;
  role?: string;
  email?: string;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
  [claim: string]: unknown;
}

/** A migrated test database. Close it (or `await using` it) when the test file is done. */
export interface TestDatabase extends Queryable, AsyncDisposable {
  /** `pglite` for the embedded default, `postgres` when `DATABASE_URL` is set. */
  readonly kind: "pglite" | "postgres";
  /** Runs several statements at once (no parameters). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in a transaction as `anon`, with no JWT claims. */
  asAnon<T>(fn: (db: Queryable) => Promise<T>): Promise<T>;
  /** Runs `fn` in a transaction as `authenticated` (or `claims.role`) with these claims. */
  asUser<T>(claims: JwtClaims, fn: (db: Queryable) => Promise<T>): Promise<T>;
  /** Runs `fn` in a transaction as `service_role`, as the service key does. */
  asServiceRole<T>(fn: (db: Queryable) => Promise<T>): Promise<T>;
  /** Closes the connection and, for a server, drops the throwaway database. */
  close(): Promise<void>;
}

/** One raw connection-level capability the helpers are built on. */
interface Driver {
  kind: TestDatabase["kind"];
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens a fresh, migrated database: PGlite by default, or a throwaway database on the server
 * named by `DATABASE_URL`.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const url = Deno.env.get("DATABASE_URL");
  const driver = url ? await openServerDatabase(url) : await openPGliteDatabase();
  return wrapDriver(driver);
}

function wrapDriver(driver: Driver): TestDatabase {
  const as = <T>(role: string, claims: JwtClaims | null, fn: (db: Queryable) => Promise<T>) =>
    driver.transaction(async (tx) => {
      await tx.query(`select set_config('role', $1, true)`, [role]);
      if (claims) {
        await tx.query(`select set_config('request.jwt.claims', $1, true)`, [
          JSON.stringify(claims),
        ]);
      }
      return await fn(tx);
    });
  const close = () => driver.close();
  return {
    kind: driver.kind,
    query: <T extends Row>(sql: string, params?: readonly unknown[]) =>
      driver.query(sql, params) as Promise<T[]>,
    exec: (sql) => driver.exec(sql),
    asAnon: (fn) => as("anon", { role: "anon" }, fn),
    asUser: (claims, fn) => {
      const full = { role: "authenticated", aud: "authenticated", ...claims };
      return as(full.role, full, fn);
    },
    asServiceRole: (fn) => as("service_role", { role: "service_role" }, fn),
    close,
    [Symbol.asyncDispose]: close,
  };
}

let pgliteTemplate: Promise<Blob> | undefined;

/** Builds the migrated PGlite data directory once per process; each database loads a copy. */
async function openPGliteDatabase(): Promise<Driver> {
  pgliteTemplate ??= (async () => {
    const db = await PGlite.create();
    try {
      await db.exec(await supabaseStandInSql());
      for (const file of await migrationFiles()) await db.exec(file.sql);
      return await db.dumpDataDir("none");
    } finally {
      await db.close();
    }
  })();
  const db = await PGlite.create({ loadDataDir: await pgliteTemplate });
  const wrap = (q: PGlite | Parameters<Parameters<PGlite["transaction"]>[0]>[0]): Queryable => ({
    query: async <T extends Row>(sql: string, params?: readonly unknown[]) =>
      (await q.query<T>(sql, params as unknown[])).rows,
  });
  return {
    kind: "pglite",
    query: (sql, params) => wrap(db).query(sql, params),
    exec: async (sql) => void await db.exec(sql),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}

/** Creates a uniquely named database on the server, migrates it, and drops it on close. */
async function openServerDatabase(url: string): Promise<Driver> {
  const quiet = { onnotice: () => {}, max: 1 };
  const admin = postgres(url, quiet);
  const name = `llm_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin.unsafe(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const sql = postgres(target.href, { ...quiet, max: 4 });
  const drop = async () => {
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  };
  try {
    await sql.unsafe(await supabaseStandInSql());
    for (const file of await migrationFiles()) await sql.unsafe(file.sql);
  } catch (error) {
    await drop();
    throw error;
  }
  const wrap = (q: postgres.Sql | postgres.TransactionSql): Queryable => ({
    query: async <T extends Row>(text: string, params?: readonly unknown[]) =>
      [...await q.unsafe(text, params as postgres.ParameterOrJSON<never>[])] as unknown as T[],
  });
  return {
    kind: "postgres",
    query: (text, params) => wrap(sql).query(text, params),
    exec: async (text) => void await sql.unsafe(text),
    transaction: async (fn) => await sql.begin((tx) => fn(wrap(tx))) as never,
    close: drop,
  };
}
