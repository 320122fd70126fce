/**
 * The one line printed for a row that was not written, on every path: retries exhausted, a row
 * the database refused, a full queue, a worker shutting down, a row that could not be prepared.
 *
 * The row it prints has been through the same preparation as a stored row (sanitised, bounded,
 * redacted), so the line can be replayed as is (`deno task replay`) and holds no secret.
 *
 * @module
 */
import { callHook } from "./caller-values.ts";
import type { LLMCallLogRow } from "./log-row.ts";
import { LOG_TABLE } from "./log-row.ts";

/** The line printed for a row that could not be written. */
export interface UnwrittenRowLine {
  event: "llm_call_log_unwritten";
  /** Why, prefixed with one of: `write_failed`, `rejected`, `queue_full`, `worker_shutdown`, `no_sink`, `prepare_failed`. */
  reason: string;
  table: "llm_call_logs";
  row: LLMCallLogRow;
}

/** The event name that marks these lines in a function's log. */
export const UNWRITTEN_EVENT = "llm_call_log_unwritten";

/**
 * Prints one line per row through `fallback`. Never throws, and never leaves a rejection
 * unhandled: the fallback is the last resort, so if it throws or returns a rejected promise
 * there is nowhere else to report the row, and the error is ignored.
 *
 * @example
 * ```ts
 * import { buildLogRow } from "./build-log-row.ts";
 *
 * const row = buildLogRow(
 *   { id: crypto.randomUUID(), method: "chat_completion", request: {}, context: {}, startedAt: 0, startedMono: 0 },
 *   { status: "completed", endedAt: 1_000, endedMono: 1_000 },
 * );
 * printUnwritten([row], "queue_full: the database is not keeping up", console.log);
 * ```
 */
export function printUnwritten(
  rows: readonly LLMCallLogRow[],
  reason: string,
  fallback: (line: string) => void,
): void {
  for (const row of rows) callHook(() => fallback(unwrittenLine(row, reason)));
}

/**
 * The JSON text of one {@link UnwrittenRowLine}.
 *
 * @example
 * ```ts
 * import { buildLogRow } from "./build-log-row.ts";
 *
 * const row = buildLogRow(
 *   { id: crypto.randomUUID(), method: "chat_completion", request: {}, context: {}, startedAt: 0, startedMono: 0 },
 *   { status: "completed", endedAt: 1_000, endedMono: 1_000 },
 * );
 * unwrittenLine(row, "worker_shutdown"); // '{"event":"llm_call_log_unwritten",…}'
 * ```
 */
export function unwrittenLine(row: LLMCallLogRow, reason: string): string {
  const line: UnwrittenRowLine = { event: UNWRITTEN_EVENT, reason, table: LOG_TABLE, row };
  return JSON.stringify(line);
}
