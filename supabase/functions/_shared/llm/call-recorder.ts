/**
 * Prepares each call's row off the caller's path and hands it to the writer.
 *
 * Preparing means: build the row, estimate its cost from `/models` prices when OpenRouter gave
 * none, make it safe to store, and run the caller's `redact` hook. Each call's task is
 * registered with `waitUntil` the moment it is recorded, before the caller's promise settles,
 * and settles only once the row is written or handed to the fallback.
 *
 * @module
 */
import { buildLogRow, type CallOutcome, type CallStart } from "./build-log-row.ts";
import type { LLMCallLogRow } from "./log-row.ts";
import type { LogWriter } from "./log-writer.ts";
import { estimateCost, type ModelPriceList } from "./pricing.ts";
import { sanitizeRow } from "./sanitize-row.ts";

/** Rewrites a row before it is stored (mask, drop or hash what must not be kept). */
export type RedactHook = (row: LLMCallLogRow) => LLMCallLogRow | Promise<LLMCallLogRow>;

/** Options of {@link CallRecorder}. */
export interface CallRecorderOptions {
  writer: LogWriter;
  /** Prices for estimates; `null` disables estimates. */
  prices: ModelPriceList | null;
  redact?: RedactHook;
  /** Masked wherever it appears in a row. */
  apiKey?: string;
  keepAlive(promise: Promise<unknown>): void;
  /** Last resort for a row whose preparation failed. */
  fallback(line: string): void;
}

/** The columns that can hold what users and models wrote. */
const CONTENT_COLUMNS = [
  "request_messages",
  "request_params",
  "response_body",
  "completion_text",
  "error_message",
  "error_details",
] as const;

/** Records calls; see the module documentation. */
export class CallRecorder {
  #options: CallRecorderOptions;
  #preparing = new Set<Promise<void>>();
  #nextTask: Promise<void> | null = null;

  constructor(options: CallRecorderOptions) {
    this.#options = options;
  }

  /**
   * Records a call's row in the background. With `defer`, even building the row waits for the
   * next macrotask, so a successful caller gets its result first. The returned promise never
   * rejects and settles once the row is written or handed to the fallback.
   */
  record(start: CallStart, outcome: CallOutcome, defer = false): Promise<void> {
    const task = this.#prepare(start, outcome, defer).catch((error) =>
      this.#lost(start, outcome, error)
    );
    this.#preparing.add(task);
    task.finally(() => this.#preparing.delete(task));
    this.#options.keepAlive(task);
    return task;
  }

  /** Resolves once every recorded row is written or handed to the fallback. */
  async flush(): Promise<void> {
    while (this.#preparing.size) await Promise.all(this.#preparing);
  }

  async #prepare(start: CallStart, outcome: CallOutcome, defer: boolean): Promise<void> {
    if (defer) await this.#afterCurrentTask();
    let row = buildLogRow(start, outcome);
    if (row.cost_usd === null && row.response_model && this.#options.prices) {
      const price = await this.#options.prices.priceOf(row.response_model);
      const cost = price && estimateCost(price, row);
      if (cost !== null && cost !== undefined) {
        row = { ...row, cost_usd: cost, cost_source: "estimated" };
      }
    }
    row = await sanitizeRow(row, { apiKey: this.#options.apiKey });
    // The task (registered with waitUntil) settles only when the row has landed.
    await this.#options.writer.enqueue(await this.#redact(row));
  }

  /** One timer for every call recorded in the same turn of the event loop, not one each. */
  #afterCurrentTask(): Promise<void> {
    return this.#nextTask ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.#nextTask = null;
        resolve();
      }, 0)
    );
  }

  /** A failing hook must not leak what it was meant to hide: store the row without content. */
  async #redact(row: LLMCallLogRow): Promise<LLMCallLogRow> {
    const { redact } = this.#options;
    if (!redact) return row;
    try {
      const copy = JSON.parse(JSON.stringify(row)); // the hook may mutate its argument
      return await sanitizeRow(await redact(copy), { apiKey: this.#options.apiKey });
    } catch (error) {
      const stripped: LLMCallLogRow = { ...row, request_messages: [], metadata: {} };
      for (const column of CONTENT_COLUMNS) {
        if (column !== "request_messages") stripped[column] = null;
      }
      stripped.metadata = { redact_error: error instanceof Error ? error.message : String(error) };
      return stripped;
    }
  }

  /** Preparation itself failed (a bug, or a hook that hangs the process): print what we can. */
  #lost(start: CallStart, outcome: CallOutcome, error: unknown): void {
    const reason = `prepare_failed: ${error instanceof Error ? error.message : String(error)}`;
    let line: string;
    try {
      const row = this.#options.redact ? { id: start.id } : buildLogRow(start, outcome);
      line = JSON.stringify({
        event: "llm_call_log_unwritten",
        reason,
        table: "llm_call_logs",
        row,
      });
    } catch {
      line = JSON.stringify({ event: "llm_call_log_unwritten", reason, row: { id: start.id } });
    }
    try {
      this.#options.fallback(line);
    } catch { /* nothing further can be done */ }
  }
}
