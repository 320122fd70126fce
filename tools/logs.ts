/**
 * `deno task logs`: the latest calls, cost by model and errors, from the database `deno task dev`
 * uses (or `DATABASE_URL`), as text tables or JSON.
 *
 * ```sh
 * deno task logs                            # latest 20 calls; cost and errors of 24 hours
 * deno task logs --limit 50 --since "7 days"
 * deno task logs --json | jq '.cost_by_model'
 * DATABASE_URL=postgres://… deno task logs  # a Supabase project
 * ```
 *
 * @module
 */
import { loadDotenvFiles } from "./dev/dotenv.ts";
import { formatLogReport, runLogQueries } from "./log-report.ts";
import { NoLogsError, openLogSource } from "./log-source.ts";

export {
  formatLogReport,
  type LogQueryOptions,
  type LogReport,
  runLogQueries,
  type SqlClient,
} from "./log-report.ts";

/** Usage text of `deno task logs`. */
export const LOGS_USAGE =
  `Usage: deno task logs [--limit 20] [--since "24 hours"] [--json] [--data-dir .local/pglite]

Reads DATABASE_URL if set (also from .env); else the running deno task dev's database;
else the local PGlite data directory.`;

/** The parsed command line. */
export interface LogsArgs {
  limit: number;
  since: string;
  json: boolean;
  help: boolean;
  dataDir?: string;
}

/**
 * Parses the arguments of `deno task logs`.
 *
 * @example
 * ```ts
 * parseLogsArgs(["--limit", "5", "--since", "1 hour"]);
 * // { limit: 5, since: "1 hour", json: false, help: false }
 * ```
 */
export function parseLogsArgs(args: readonly string[]): LogsArgs {
  const parsed: LogsArgs = { limit: 20, since: "24 hours", json: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    const name = match?.[1] ?? args[i];
    if (name === "json" || name === "help" || args[i] === "-h") {
      parsed[name === "json" ? "json" : "help"] = true;
      continue;
    }
    if (!match || !["limit", "since", "data-dir"].includes(name)) {
      throw new TypeError(`Unknown argument: "${args[i]}"\n\n${LOGS_USAGE}`);
    }
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new TypeError(`Missing value for --${name}`);
    if (name === "limit") {
      parsed.limit = Number(value);
      if (!Number.isInteger(parsed.limit) || parsed.limit < 1) {
        throw new RangeError(`Invalid --limit: "${value}" (expected a positive integer)`);
      }
    } else if (name === "since") {
      parsed.since = value;
    } else {
      parsed.dataDir = value;
    }
  }
  return parsed;
}

async function main(): Promise<number> {
  const root = new URL("../", import.meta.url);
  const args = parseLogsArgs(Deno.args);
  if (args.help) {
    console.log(LOGS_USAGE);
    return 0;
  }
  const env = {
    ...await loadDotenvFiles([new URL(".env", root), new URL("supabase/functions/.env", root)]),
    ...Deno.env.toObject(),
  };
  const dataDir = args.dataDir ?? decodeURIComponent(new URL(".local/pglite", root).pathname);
  await using source = await openLogSource({ databaseUrl: env.DATABASE_URL, dataDir });
  const report = await runLogQueries(source.client, args);
  if (args.json) {
    console.log(JSON.stringify({ source: source.description, ...report }, null, 2));
  } else {
    console.log(`Logs from ${source.description}\n`);
    console.log(formatLogReport(report));
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(error instanceof NoLogsError ? message : `deno task logs: ${message}`);
    Deno.exit(1);
  }
}
