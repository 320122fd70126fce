/**
 * The embedded database of `deno task dev`: a PGlite data directory on disk (`.local/pglite`),
 * set up like a Supabase project's database: the Supabase stand-in (roles, `auth` schema), then
 * every migration of `supabase/migrations/` that is not applied yet, tracked in
 * `supabase_migrations.schema_migrations` the way the Supabase CLI does. PGlite is one Postgres
 * session, so every user of it (the Data API stand-in here, each wire client of
 * wire-server.ts) holds its {@link SessionLock} while it needs the session to itself.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { migrationFiles, supabaseStandInSql } from "../supabase-local/migrations.ts";
import {
  createPostgrestStandIn,
  type ServiceRoleDatabase,
} from "../supabase-local/postgrest-stand-in.ts";

/** An open local database. Every use of `db` must hold `lock` (see wire-server.ts). */
export interface LocalDatabase {
  readonly db: PGlite;
  readonly lock: SessionLock;
  /** Migrations applied by this open, by file name (empty when all were applied before). */
  readonly applied: readonly string[];
  /** Closes PGlite; its data stays on disk. */
  close(): Promise<void>;
}

const TRACKING_SQL = `create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text primary key,
  name text,
  applied_at timestamptz not null default now()
);`;

/**
 * Opens (creating it on first use) the PGlite database in `dataDir` and brings it up to date,
 * and folds the per-user usage every `foldEveryMs` (60 s, as pg_cron does on Supabase).
 */
export async function openLocalDatabase(
  dataDir: string,
  options: { foldEveryMs?: number } = {},
): Promise<LocalDatabase> {
  await Deno.mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  const lock = new SessionLock();
  let applied: string[];
  try {
    applied = await lock.run(() => migrate(db));
  } catch (error) {
    await db.close();
    throw error;
  }
  // What pg_cron's llm-call-logs-fold-usage job does on Supabase (PGlite has no pg_cron): fold
  // the per-user usage every minute. The views are exact without it; this keeps them cheap.
  const fold = setInterval(() => {
    lock.run(async () => {
      if (!db.closed) await db.query(FOLD_SQL);
    }).catch((error) => console.error(`deno task dev: folding usage failed: ${error}`));
  }, options.foldEveryMs ?? 60_000);
  return {
    db,
    lock,
    applied,
    close: () => {
      clearInterval(fold);
      return lock.run(() => db.closed ? Promise.resolve() : db.close());
    },
  };
}

const FOLD_SQL = "select private.llm_usage_fold_pending()";

/** Applies the stand-in (idempotent) and every migration not yet recorded; returns their names. */
async function migrate(db: PGlite): Promise<string[]> {
  await db.exec(await supabaseStandInSql());
  await db.exec(TRACKING_SQL);
  const done = new Set(
    (await db.query<{ version: string }>(
      "select version from supabase_migrations.schema_migrations",
    )).rows.map((r) => r.version),
  );
  const applied: string[] = [];
  for (const file of await migrationFiles()) {
    const [, version, name] = /^(\d+)_(.+)\.sql$/.exec(file.name) ?? [];
    if (!version) throw new TypeError(`Invalid migration file name: "${file.name}"`);
    if (done.has(version)) continue;
    await db.transaction(async (tx) => {
      await tx.exec(file.sql);
      await tx.query(
        "insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)",
        [version, name],
      );
    });
    applied.push(file.name);
  }
  return applied;
}

/**
 * The service key of the local database. Dev only: it is printed, stored nowhere secret, and
 * accepted by nothing but this gateway.
 */
export const LOCAL_SERVICE_KEY = "sb_secret_local_dev_only";

/**
 * The gateway's `/rest/v1/*`: the project's PostgREST stand-in (the one the tests use) over the
 * local database, so the functions' Supabase sink inserts rows through supabase-js exactly as it
 * does against a real project. It accepts only {@link LOCAL_SERVICE_KEY}.
 */
export function createRestHandler(local: LocalDatabase): (request: Request) => Promise<Response> {
  const { db, lock } = local;
  const asServiceRole: ServiceRoleDatabase["asServiceRole"] = (fn) =>
    // As PostgREST runs a request: one transaction, as service_role, under the session lock.
    lock.run(() =>
      db.transaction(async (tx) => {
        await tx.query(
          "select set_config('role', 'service_role', true), set_config('request.jwt.claims', $1, true)",
          [JSON.stringify({ role: "service_role" })],
        );
        return await fn({
          query: async <T extends Record<string, unknown>>(
            sql: string,
            params?: readonly unknown[],
          ) => (await tx.query<T>(sql, params as unknown[])).rows,
        });
      })
    );
  const standIn = createPostgrestStandIn({ asServiceRole }, { serviceKey: LOCAL_SERVICE_KEY });
  return async (request) => {
    try {
      return await standIn.handle(request);
    } finally {
      standIn.calls.length = 0; // the stand-in records every call for tests; dev runs for days
    }
  };
}

/** Releases a held lock; calling it again does nothing. */
export type Release = () => void;

/** A FIFO mutex. */
export class SessionLock {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves once every earlier holder has released, with the function that releases it. */
  acquire(): Promise<Release> {
    let release!: Release; // resolving twice does nothing, so releasing twice does nothing
    const released = new Promise<void>((resolve) => release = resolve);
    const turn = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => released);
    return turn;
  }

  /** Runs `fn` while holding the lock. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
