/**
 * What the tools are given: `deno task dev`, `logs` and `replay` read the process environment
 * over `supabase/functions/.env` (the file `supabase functions serve --env-file` reads) over
 * `.env`, and dev and logs read their flags with {@link parseFlags}. Missing env files are
 * skipped; Deno's own dotenv parser (`node:util`'s `parseEnv`) reads the others.
 * (`deno run --env-file=<path>` would do the same, but stops with "not found" when the file is
 * missing, and both files are git-ignored: a fresh clone has neither.)
 *
 * @module
 */
import { parseEnv } from "node:util";

/** The merged environment: `.env`, then `supabase/functions/.env` over it, then `env` over both. */
export async function readEnvironment(
  root: URL = new URL("../", import.meta.url),
  env: Record<string, string> = Deno.env.toObject(),
): Promise<Record<string, string>> {
  const merged: Record<string, string> = {};
  for (const file of [".env", "supabase/functions/.env"]) {
    try {
      Object.assign(merged, parseEnv(await Deno.readTextFile(new URL(file, root))));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return { ...merged, ...env };
}

/**
 * Reads `--name value` and `--name=value` for the `valued` names, bare `--name` for the
 * `switches`, and `--help` or `-h` as `help`; anything else throws with `usage`.
 *
 * @example
 * ```ts
 * parseFlags(["--port=8000", "--json"], ["port"], ["json"], "Usage: …");
 * // { port: "8000", json: "" }
 * ```
 */
export function parseFlags(
  args: readonly string[],
  valued: readonly string[],
  switches: readonly string[],
  usage: string,
): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    const name = args[i] === "-h" ? "help" : match?.[1];
    if (name && [...switches, "help"].includes(name) && match?.[2] === undefined) {
      flags[name] = "";
    } else if (!name || !valued.includes(name)) {
      throw new TypeError(`Unknown argument: "${args[i]}"\n\n${usage}`);
    } else {
      const value = match?.[2] ?? args[++i];
      if (value === undefined) throw new TypeError(`Missing value for --${name}`);
      flags[name] = value;
    }
  }
  return flags;
}
