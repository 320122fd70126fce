/**
 * Creates a database on a server, applies the Supabase stand-in (only what is missing) and
 * every migration, and enables pgTAP: what `pg_prove supabase/tests/database/*.test.sql` needs.
 * An existing database of that name is dropped first.
 *
 * ```sh
 * deno run -A tools/prepare-database.ts postgres://postgres@127.0.0.1:54322/postgres llm_pgtap
 * ```
 *
 * @module
 */
import postgres from "postgres";
import { migrationFiles, supabaseStandInSql } from "./supabase-local/migrations.ts";

/** Recreates `name` on the server of `url` and migrates it. */
export async function prepareDatabase(url: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`Invalid database name: "${name}"`);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const sql = postgres(target.href, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(await supabaseStandInSql());
    for (const file of await migrationFiles()) await sql.unsafe(file.sql);
    await sql.unsafe("create extension if not exists pgtap");
  } finally {
    await sql.end();
  }
}

if (import.meta.main) {
  const [url, name] = Deno.args;
  if (!url || !name) {
    console.error("Usage: prepare-database.ts <server url> <database name>");
    Deno.exit(2);
  }
  await prepareDatabase(url, name);
  console.log(`prepared ${name}`);
}
