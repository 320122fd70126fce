/**
 * Creates a database on a server and applies the Supabase stand-in (only what is missing) and
 * every migration. With `--pgtap` it also enables pgTAP: what
 * `pg_prove supabase/tests/database/*.test.sql` needs (nothing else needs pgTAP). An existing
 * database of that name is dropped first.
 *
 * ```sh
 * deno run -A tools/prepare-database.ts postgres://postgres@127.0.0.1:54322/postgres llm_pgtap --pgtap
 * ```
 *
 * @module
 */
import postgres from "postgres";
import { migrationFiles, supabaseStandInSql } from "./supabase-local/migrations.ts";

/**
 * Recreates `name` on the server of `url` and migrates it; `pgtap` also runs
 * `create extension pgtap` (needs Debian's `postgresql-15-pgtap`).
 *
 * @example
 * ```ts
 * await prepareDatabase("postgres://postgres@127.0.0.1:54322/postgres", "llm_bench");
 * ```
 */
export async function prepareDatabase(
  url: string,
  name: string,
  options: { pgtap?: boolean } = {},
): Promise<void> {
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
    if (options.pgtap) await sql.unsafe("create extension if not exists pgtap");
  } finally {
    await sql.end();
  }
}

if (import.meta.main) {
  const [url, name, flag] = Deno.args;
  if (!url || !name || (flag !== undefined && flag !== "--pgtap")) {
    console.error("Usage: prepare-database.ts <server url> <database name> [--pgtap]");
    Deno.exit(2);
  }
  await prepareDatabase(url, name, { pgtap: flag === "--pgtap" });
  console.log(`prepared ${name}`);
}
