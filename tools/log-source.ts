/**
 * Finds the database `deno task logs` reads, in order: `DATABASE_URL`; else the running dev's
 * database over its wire port (from `.local/dev.json`); else the local PGlite data directory
 * opened directly (only when no dev holds it).
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { devStatePath, liveDevState } from "./dev/dev-state.ts";
import { hasLocalDatabase } from "./dev/local-database.ts";
import type { SqlClient } from "./log-report.ts";

/** An open database to report on. */
export interface LogSource extends AsyncDisposable {
  client: SqlClient;
  /** Where it is, for humans (no password). */
  description: string;
  close(): Promise<void>;
}

/** Options of {@link openLogSource}. */
export interface LogSourceOptions {
  /** A Postgres connection string; when set, nothing else is tried. */
  databaseUrl?: string;
  /** The local data directory of `deno task dev`. */
  dataDir: string;
}

/** Thrown when there is nothing to read yet; the message says what to do. */
export class NoLogsError extends Error {
  override name = "NoLogsError";
}

/**
 * Opens the database the logs are in.
 *
 * @example
 * ```ts
 * await using source = await openLogSource({ dataDir: ".local/pglite" });
 * const report = await runLogQueries(source.client);
 * ```
 */
export async function openLogSource(options: LogSourceOptions): Promise<LogSource> {
  if (options.databaseUrl) return connect(options.databaseUrl, "DATABASE_URL");
  const dev = await liveDevState(devStatePath(options.dataDir));
  if (dev?.starting) throw new NoLogsError("deno task dev is starting: try again in a moment");
  if (dev?.dbUrl) return connect(dev.dbUrl, "the running deno task dev");
  if (dev) {
    throw new NoLogsError(
      `deno task dev is logging to ${dev.logsTo}: set DATABASE_URL to that project's connection string`,
    );
  }
  if (!await hasLocalDatabase(options.dataDir)) {
    throw new NoLogsError(`No local logs yet (${options.dataDir}): run deno task dev`);
  }
  const db = await PGlite.create({ dataDir: options.dataDir });
  const close = () => db.close();
  return {
    client: {
      query: async (sql, params) =>
        (await db.query<Record<string, unknown>>(sql, params as unknown[])).rows,
    },
    description: `${options.dataDir} (PGlite, opened directly)`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function connect(url: string, via: string): LogSource {
  // prepare: false suits transaction poolers (Supavisor) and the dev database's shared session.
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {}, connect_timeout: 10 });
  const close = () => sql.end({ timeout: 5 });
  return {
    client: {
      query: async (
        text,
        params,
      ) => [...await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])],
    },
    description: `${redact(url)} (${via})`,
    close,
    [Symbol.asyncDispose]: close,
  };
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
