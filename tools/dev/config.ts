/**
 * Turns the command line and the environment into {@link DevOptions}: which ports, and whether
 * logs go to a Supabase project or the local database, and calls to OpenRouter or its simulator.
 *
 * @module
 */
import { secretKeyFromEnv } from "../../supabase/functions/_shared/llm/environment.ts";
import type { DevOptions } from "./start-dev.ts";

/** The resolved options, with notes to print about how they were chosen. */
export interface DevConfig {
  options: DevOptions;
  notes: string[];
  help: boolean;
}

/** Usage text of `deno task dev`. */
export const DEV_USAGE =
  `Usage: deno task dev [--port 54321] [--db-port 54322] [--data-dir .local/pglite]

Serves supabase/functions/*/index.ts at http://127.0.0.1:<port>/functions/v1/<name>.

Environment (also read from .env and supabase/functions/.env):
  OPENROUTER_API_KEY         call the real OpenRouter (default: the local simulator)
  OPENROUTER_BASE_URL        another OpenRouter-compatible API
  SUPABASE_URL + SUPABASE_SECRET_KEYS, SUPABASE_SECRET_KEY or SUPABASE_SERVICE_ROLE_KEY
                             log to that Supabase project (default: the local PGlite database)
  DEV_PORT, DEV_DB_PORT      the ports, as --port and --db-port`;

/**
 * Reads the options from `args` and `env` (the process environment merged over `.env` files).
 *
 * @example
 * ```ts
 * const { options } = devConfig(["--port", "8000"], { OPENROUTER_API_KEY: "sk-or-v1-…" });
 * // options.port === 8000, options.openRouter.apiKey === "sk-or-v1-…"
 * ```
 */
export function devConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): DevConfig {
  const flags = parseFlags(args);
  const value = (name: string) => env[name]?.trim() || undefined;
  const notes: string[] = [];
  const options: DevOptions = {
    port: port(flags.port ?? value("DEV_PORT"), 54321, "--port"),
    dbPort: port(flags["db-port"] ?? value("DEV_DB_PORT"), 54322, "--db-port"),
    supabase: null,
    openRouter: null,
  };
  if (flags["data-dir"]) options.dataDir = flags["data-dir"];
  const apiKey = value("OPENROUTER_API_KEY");
  if (apiKey) options.openRouter = { apiKey, baseUrl: value("OPENROUTER_BASE_URL") };
  const url = value("SUPABASE_URL");
  const secret = secretKeyFromEnv(value);
  notes.push(...secret.warnings);
  if (url && secret.key) {
    options.supabase = { url: url.replace(/\/+$/, ""), serviceKey: secret.key };
  } else if (url) {
    notes.push(
      "SUPABASE_URL is set without a usable SUPABASE_SECRET_KEYS, SUPABASE_SECRET_KEY or SUPABASE_SERVICE_ROLE_KEY: logging to the local database instead",
    );
  }
  return { options, notes, help: "help" in flags };
}

/** `--name value` and `--name=value` pairs; `--help`/`-h` as `help`. */
function parseFlags(args: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      flags.help = "";
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !["port", "db-port", "data-dir"].includes(match[1])) {
      throw new TypeError(`Unknown argument: "${arg}"\n\n${DEV_USAGE}`);
    }
    const next = match[2] ?? args[++i];
    if (next === undefined) throw new TypeError(`Missing value for --${match[1]}`);
    flags[match[1]] = next;
  }
  return flags;
}

function port(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RangeError(`Invalid ${name}: "${raw}" is not a port number`);
  }
  return n;
}
