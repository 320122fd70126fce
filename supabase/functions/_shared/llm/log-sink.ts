/**
 * The contract between the log pipeline and a sink: what `write` promises, and how a sink says
 * why a write failed, so the pipeline knows whether to retry the batch, split it, or give up.
 *
 * @module
 */
import type { LLMCallLogRow } from "./log-row.ts";

/**
 * Where rows go. `write` resolves once every row is in the table and rejects when they are not.
 * It must be idempotent on `(id, created_at)`: writing a row that is already stored is a success
 * that changes nothing, so a retry after a lost acknowledgement cannot fail or duplicate.
 */
export interface LogSink {
  /** `signal` aborts when the attempt has timed out: stop the statement if you can. */
  write(rows: LLMCallLogRow[], options?: { signal?: AbortSignal }): Promise<void>;
}

/**
 * Why a write failed, as the pipeline acts on it:
 * - `transient`: the database or the network (refused, reset, 5xx, timeout); retried with backoff.
 * - `content`: the database rejected what some row holds (a check, an invalid value, an index
 *   row too large); the batch is split until the offending rows are isolated, without delay.
 * - `permanent`: retrying cannot help and no row is to blame (permission denied, no such table).
 */
export type LogWriteFailure = "transient" | "content" | "permanent";

/** Options of {@link LogWriteError}. */
export interface LogWriteErrorOptions extends ErrorOptions {
  /** The database rejected the rows' content. @default {false} */
  content?: boolean;
}

/**
 * A write failure a sink describes. `retryable: false` marks it permanent; `content: true`
 * says that the rows themselves were refused, which lets the pipeline isolate the bad ones.
 *
 * @example
 * ```ts
 * const sink: LogSink = {
 *   write: () => {
 *     const message = "Cannot insert into llm_call_logs (SQLSTATE 23514): …";
 *     return Promise.reject(new LogWriteError(message, false, { content: true }));
 *   },
 * };
 * ```
 */
export class LogWriteError extends Error {
  override name = "LogWriteError";
  /** What the pipeline does about it. */
  readonly failure: LogWriteFailure;
  constructor(message: string, readonly retryable: boolean, options: LogWriteErrorOptions = {}) {
    super(message, options);
    this.failure = options.content ? "content" : retryable ? "transient" : "permanent";
  }
}

/**
 * SQLSTATEs that blame the data rather than the database: data exceptions (class 22, such as
 * 22P05 untranslatable character, 22021, 22001, 22P02, 22003), integrity violations (class 23,
 * such as 23514 check violation, 23502), and 54000 (an index row larger than a btree page).
 */
const CONTENT = /^(22|23)[0-9A-Z]{3}$|^54000$/;
/**
 * Access, syntax and missing-object errors (classes 42 and 28), and PostgREST's request, schema
 * and JWT errors (`PGRST1xx`–`PGRST3xx`); its connection errors (`PGRST0xx`) pass on retry.
 */
const PERMANENT = /^(42[0-9A-Z]{3}|28[0-9A-Z]{3}|PGRST[1-9][0-9]{2})$/;

/**
 * Classifies a SQLSTATE (or a PostgREST `PGRST…` code, as supabase-js reports it in
 * `error.code`). Unknown and missing codes are transient: retrying is the safe default.
 *
 * @example
 * ```ts
 * failureOfCode("54000"); // "content"
 * failureOfCode("08006"); // "transient"
 * ```
 */
export function failureOfCode(code: string | null | undefined): LogWriteFailure {
  if (!code) return "transient";
  if (CONTENT.test(code) || code === "PGRST102") return "content";
  return PERMANENT.test(code) ? "permanent" : "transient";
}

/** The code of a database error (`error.code`), when it has the shape of one. */
export function errorCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$|^PGRST[0-9]{3}$/.test(code) ? code : null;
}
