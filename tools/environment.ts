/**
 * The one place the tools read their environment: `deno task dev`, `logs` and `replay` see the
 * process environment over `supabase/functions/.env` (the file `supabase functions serve
 * --env-file` reads) over `.env`. Missing files are skipped; Deno's own dotenv parser
 * (`node:util`'s `parseEnv`) reads the others. (`deno run --env-file=<path>` would do the same,
 * but stops with "not found" when the file is missing, and both files are git-ignored: a fresh
 * clone has neither.)
 *
 * @module
 */
import { parseEnv } from "node:util";

/** The env files read, lowest precedence first, relative to the project root. */
const ENV_FILES = [".env", "supabase/functions/.env"];

/**
 * The merged environment: `.env`, then `supabase/functions/.env` over it, then `env` over both.
 *
 * @example
 * ```ts
 * const env = await readEnvironment();
 * env.OPENROUTER_API_KEY; // from the process environment, else supabase/functions/.env, else .env
 * ```
 */
export async function readEnvironment(
  root: URL = new URL("../", import.meta.url),
  env: Record<string, string> = Deno.env.toObject(),
): Promise<Record<string, string>> {
  const merged: Record<string, string> = {};
  for (const file of ENV_FILES) {
    try {
      Object.assign(merged, parseEnv(await Deno.readTextFile(new URL(file, root))));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return { ...merged, ...env };
}
