/**
 * A migrated database reachable by URL, for the dashboard's reads over postgres.js (the way the
 * function reads `SUPABASE_DB_URL`): a throwaway database on the server of `DATABASE_URL` when it
 * is set, else an embedded PGlite served over the wire protocol as `deno task dev` serves it.
 *
 * @module
 */
import postgres from "postgres";
import { openLocalDatabase } from "../../tools/dev/local-database.ts";
import { serveWire } from "../../tools/dev/wire-server.ts";
import { migrationFiles, supabaseStandInSql } from "../../tools/supabase-local/migrations.ts";

/** A database and its URL; close it when done. */
export interface UrlDatabase extends AsyncDisposable {
  /** `pglite` (the wire server) or `postgres` (DATABASE_URL's server). */
  kind: "pglite" | "postgres";
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the database.
 *
 * @example
 * ```ts
 * await using db = await openUrlDatabase();
 * const sql = postgres(db.url, { prepare: false });
 * ```
 */
export async function openUrlDatabase(): Promise<UrlDatabase> {
  const server = Deno.env.get("DATABASE_URL");
  if (server) return await throwawayDatabase(server);
  const dir = await Deno.makeTempDir({ prefix: "llm-dashboard-db-" });
  const local = await openLocalDatabase(`${dir}/pglite`);
  const wire = serveWire({ db: local.db, lock: local.lock, port: 0 });
  const close = async () => {
    await wire.close();
    await local.close();
    await Deno.remove(dir, { recursive: true });
  };
  return { kind: "pglite", url: wire.url, close, [Symbol.asyncDispose]: close };
}

async function throwawayDatabase(url: string): Promise<UrlDatabase> {
  const admin = postgres(url, { onnotice: () => {}, max: 1 });
  const name = `llm_dashboard_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin.unsafe(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const sql = postgres(target.href, { onnotice: () => {}, max: 1 });
  try {
    await sql.unsafe(await supabaseStandInSql());
    for (const file of await migrationFiles()) await sql.unsafe(file.sql);
  } finally {
    await sql.end();
  }
  const close = async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  return { kind: "postgres", url: target.href, close, [Symbol.asyncDispose]: close };
}
