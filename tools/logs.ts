/**
 * `deno task logs`: the latest calls, cost by model and errors, as text tables or JSON, from the
 * first database found of: `DATABASE_URL`; the running `deno task dev`'s database over its wire
 * port (from `.local/dev.json`); the local PGlite data directory opened directly (only when no
 * dev holds it). Its flags: {@link LOGS_USAGE}; examples: docs/local-development.md.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { devStatePath, liveDevState, LOCAL_DATA_DIR } from "./dev/dev-state.ts";
import { parseFlags, readEnvironment } from "./environment.ts";
import { formatLogReport, runLogQueries, type SqlClient } from "./log-report.ts";

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
  const flags = parseFlags(args, ["limit", "since", "data-dir"], ["json"], LOGS_USAGE);
  const limit = Number(flags.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Invalid --limit: "${flags.limit}" (expected a positive integer)`);
  }
  return {
    limit,
    since: flags.since ?? "24 hours",
    json: "json" in flags,
    help: "help" in flags,
    ...(flags["data-dir"] ? { dataDir: flags["data-dir"] } : {}),
  };
}

/** An open database to report on. */
export interface LogSource extends AsyncDisposable {
  client: SqlClient;
  /** Where it is, for humans (no password). */
  description: string;
  close(): Promise<void>;
}

/** Thrown when there is nothing to read yet; the message says what to do. */
export class NoLogsError extends Error {
  override name = "NoLogsError";
}

/** Opens the database the logs are in. */
export async function openLogSource(options: {
  /** A Postgres connection string; when set, nothing else is tried. */
  databaseUrl?: string;
  /** The local data directory of `deno task dev`. */
  dataDir: string;
}): Promise<LogSource> {
  if (options.databaseUrl) return connect(options.databaseUrl, "DATABASE_URL");
  const dev = await liveDevState(devStatePath(options.dataDir));
  if (dev?.starting) throw new NoLogsError("deno task dev is starting: try again in a moment");
  if (dev?.dbUrl) return connect(dev.dbUrl, "the running deno task dev");
  if (dev) {
    throw new NoLogsError(
      `deno task dev is logging to ${dev.logsTo}: set DATABASE_URL to that project's connection string`,
    );
  }
  if (!await Deno.stat(`${options.dataDir}/PG_VERSION`).then((s) => s.isFile, () => false)) {
    throw new NoLogsError(`No local logs yet (${options.dataDir}): run deno task dev`);
  }
  const db = await PGlite.create({ dataDir: options.dataDir });
  return source(
    async (sql, params) => (await db.query<Record<string, unknown>>(sql, params as unknown[])).rows,
    `${options.dataDir} (PGlite, opened directly)`,
    () => db.close(),
  );
}

function connect(url: string, via: string): LogSource {
  // prepare: false suits transaction poolers (Supavisor) and the dev database's shared session.
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {}, connect_timeout: 10 });
  return source(
    async (
      text,
      params,
    ) => [...await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])],
    `${redact(url)} (${via})`,
    () => sql.end({ timeout: 5 }),
  );
}

function source(query: SqlClient["query"], description: string, close: () => Promise<void>) {
  return { client: { query }, description, close, [Symbol.asyncDispose]: close };
}

/** The URL without its password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    return "the database";
  }
}

async function main(): Promise<void> {
  const args = parseLogsArgs(Deno.args);
  if (args.help) return console.log(LOGS_USAGE);
  const { DATABASE_URL } = await readEnvironment();
  const dataDir = args.dataDir ?? LOCAL_DATA_DIR;
  await using source = await openLogSource({ databaseUrl: DATABASE_URL, dataDir });
  const report = await runLogQueries(source.client, args);
  if (args.json) {
    console.log(JSON.stringify({ source: source.description, ...report }, null, 2));
  } else {
    console.log(`Logs from ${source.description}\n`);
    console.log(formatLogReport(report));
  }
}

if (import.meta.main) {
  try {
    await main();
    Deno.exit(0);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(error instanceof NoLogsError ? message : `deno task logs: ${message}`);
    Deno.exit(1);
  }
}
