/**
 * `deno task replay`: writes the rows of `llm_call_log_unwritten` lines (what the service prints
 * when a row cannot be written) into `llm_call_logs`, idempotently: a row already stored is
 * skipped, so replaying the same log twice is harmless. The rows travel as data (JSON
 * parameters), never spliced into SQL, so no content (quotes, backslashes, `$$`) can break it.
 *
 * ```sh
 * deno task replay function-logs.txt                  # or several files
 * supabase functions logs … | deno task replay        # or standard input
 * DATABASE_URL=postgres://… deno task replay logs.txt # a direct connection
 * SUPABASE_URL=… SUPABASE_SECRET_KEYS='{"default":"sb_secret_…"}' deno task replay logs.txt
 * ```
 *
 * With neither set, the rows go to the running `deno task dev`'s database, as `deno task logs`
 * reads it.
 *
 * Lines may carry a prefix (a timestamp, a log level) before the JSON, or be a log export's JSON
 * object whose `event_message` holds the line. Rows the database still refuses are printed
 * again, with its reason, on standard output; the exit status is then 1.
 *
 * @module
 */
import postgres from "postgres";
import { devStatePath, liveDevState, LOCAL_DATA_DIR } from "./dev/dev-state.ts";
import { readEnvironment } from "./environment.ts";
import { secretKeyFromEnv } from "../supabase/functions/_shared/llm/environment.ts";
import { BatchWriter } from "../supabase/functions/_shared/llm/batch-writer.ts";
import type { LLMCallLogRow } from "../supabase/functions/_shared/llm/log-row.ts";
import type { LogSink } from "../supabase/functions/_shared/llm/log-sink.ts";
import { createSqlSink } from "../supabase/functions/_shared/llm/sql-sink.ts";
import { createSupabaseSink } from "../supabase/functions/_shared/llm/supabase-sink.ts";
import {
  UNWRITTEN_EVENT,
  type UnwrittenRowLine,
} from "../supabase/functions/_shared/llm/unwritten-line.ts";

/** The rows found in a log, and how many lines held none. */
export interface ParsedLog {
  rows: LLMCallLogRow[];
  /** Lines that were not (or not readable) unwritten-row lines. */
  skipped: number;
}

/** What a replay did. */
export interface ReplayResult {
  /** Rows sent and accepted (stored now, or stored already). */
  written: number;
  /** Rows the database refused, with its reason, as lines to print. */
  refused: UnwrittenRowLine[];
}

const MARKER = `{"event":"${UNWRITTEN_EVENT}"`;

/**
 * Finds every unwritten-row line in a log's text; a row printed twice counts once.
 *
 * @example
 * ```ts
 * const { rows } = parseUnwrittenLines(await Deno.readTextFile("function-logs.txt"));
 * ```
 */
export function parseUnwrittenLines(text: string): ParsedLog {
  const rows = new Map<string, LLMCallLogRow>();
  let skipped = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const row = rowOf(line);
    if (row) rows.set(row.id, row);
    else skipped++;
  }
  return { rows: [...rows.values()], skipped };
}

function rowOf(line: string, depth = 0): LLMCallLogRow | null {
  const start = line.indexOf(MARKER);
  const json = start >= 0 ? line.slice(start) : line.trim();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (parsed?.event === UNWRITTEN_EVENT && typeof parsed.row === "object" && parsed.row) {
    return parsed.row as LLMCallLogRow;
  }
  const message = parsed?.event_message;
  return typeof message === "string" && depth === 0 ? rowOf(message, 1) : null;
}

/**
 * Writes rows through a sink, in batches, with the service's own retries and isolation of
 * refused rows.
 *
 * @example
 * ```ts
 * const { written, refused } = await replayRows(rows, createSqlSink(query));
 * ```
 */
export async function replayRows(rows: LLMCallLogRow[], sink: LogSink): Promise<ReplayResult> {
  const refused: UnwrittenRowLine[] = [];
  const writer = new BatchWriter({ sink, fallback: (line) => refused.push(JSON.parse(line)) });
  writer.enqueue(rows.map((row) => ({ row, settled: () => {} })));
  await writer.flush();
  return { written: rows.length - refused.length, refused };
}

/**
 * The sink from the environment (`tools/environment.ts`): `DATABASE_URL`, else `SUPABASE_URL`
 * and a secret key, read as the service reads them, else the running `deno task dev`'s database.
 */
async function sinkFromEnvironment(): Promise<
  { sink: LogSink; close(): Promise<void>; target: string }
> {
  const env = await readEnvironment();
  const value = (name: string) => env[name]?.trim() || undefined;
  const databaseUrl = value("DATABASE_URL");
  if (databaseUrl) return sqlSink(databaseUrl, "DATABASE_URL");
  const url = value("SUPABASE_URL");
  const { key } = secretKeyFromEnv(value);
  if (url && key) {
    return { sink: createSupabaseSink({ url, key }), close: async () => {}, target: url };
  }
  const dev = await liveDevState(devStatePath(LOCAL_DATA_DIR));
  if (dev?.dbUrl && !dev.starting) return sqlSink(dev.dbUrl, "the running deno task dev");
  throw new Error(
    "Set DATABASE_URL, or SUPABASE_URL with SUPABASE_SECRET_KEYS, SUPABASE_SECRET_KEY or " +
      "SUPABASE_SERVICE_ROLE_KEY, or start deno task dev",
  );
}

function sqlSink(url: string, target: string) {
  const sql = postgres(url, { max: 2, prepare: false, onnotice: () => {} });
  const sink = createSqlSink((text, params) => sql.unsafe(text, params as string[]));
  return { sink, close: () => sql.end({ timeout: 5 }), target };
}

async function main(): Promise<void> {
  const text = Deno.args.length
    ? (await Promise.all(Deno.args.map((file) => Deno.readTextFile(file)))).join("\n")
    : await new Response(Deno.stdin.readable).text();
  const { rows, skipped } = parseUnwrittenLines(text);
  const target = await sinkFromEnvironment();
  try {
    const { written, refused } = await replayRows(rows, target.sink);
    for (const line of refused) console.log(JSON.stringify(line));
    console.error(
      `replay: ${written} of ${rows.length} rows written to ${target.target} (already stored ` +
        `rows count as written); ${refused.length} refused; ${skipped} other lines skipped`,
    );
    if (refused.length) Deno.exitCode = 1;
  } finally {
    await target.close();
  }
}

if (import.meta.main) {
  await main().catch((error) => {
    console.error(`deno task replay: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exitCode = 1;
  });
}
