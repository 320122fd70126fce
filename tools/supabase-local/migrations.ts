/**
 * The SQL a test database is built from: the Supabase stand-in, then every migration in order.
 *
 * @module
 */

const root = new URL("../../", import.meta.url);

/** One migration file of `supabase/migrations/`. */
export interface MigrationFile {
  name: string;
  sql: string;
}

/** Every `.sql` file of `supabase/migrations/`, sorted by name (their timestamp prefix). */
export async function migrationFiles(): Promise<MigrationFile[]> {
  const dir = new URL("supabase/migrations/", root);
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) names.push(entry.name);
  }
  names.sort();
  return await Promise.all(
    names.map(async (name) => ({ name, sql: await Deno.readTextFile(new URL(name, dir)) })),
  );
}

/** Roles, the `auth` schema and `auth.*()` helpers, created only where missing. */
export function supabaseStandInSql(): Promise<string> {
  return Deno.readTextFile(new URL("tools/supabase-local/supabase-standin.sql", root));
}
