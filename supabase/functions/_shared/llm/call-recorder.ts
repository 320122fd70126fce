/**
 * Prepares each call's row off the caller's path and hands it to the writer.
 *
 * Preparing means: build the row, estimate its cost from `/models` prices when OpenRouter gave
 * none, make it safe to store, and run the caller's `redact` hook. Calls are prepared in small
 * batches, after a short delay; each batch is registered with `waitUntil` when its first call
 * is recorded, before that caller's promise settles, and settles once its rows have landed.
 *
 * @module
 */
import { buildLogRow, type CallOutcome, type CallStart } from "./build-log-row.ts";
import type { LLMCallLogRow } from "./log-row.ts";
import type { LogWriter } from "./log-writer.ts";
import { estimateCost, type ModelPriceList } from "./pricing.ts";
import { sanitizeRow } from "./sanitize-row.ts";

/**
 * How a call ended, or a function that says so when the row is prepared: a stream's outcome
 * is read from its events then, so parsing them never delays the stream's reader.
 */
export type RecordedOutcome = CallOutcome | (() => CallOutcome);

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
  /** How long a batch of calls gathers before its rows are prepared. */
  batchDelayMs: number;
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

const ROWS_PER_SLICE = 25;

/** Calls recorded within one batch window, and the promise that settles once they landed. */
interface Batch {
  calls: { start: CallStart; outcome: RecordedOutcome }[];
  landed: Promise<void>;
  resolve(): void;
  timer?: ReturnType<typeof setTimeout>;
}

/** Records calls; see the module documentation. */
export class CallRecorder {
  #options: CallRecorderOptions;
  #open: Batch | null = null;
  #unfinished = new Set<Promise<void>>();

  constructor(options: CallRecorderOptions) {
    this.#options = options;
  }

  /**
   * Records a call. Nothing is built now: calls recorded within `batchDelayMs` of each other are
   * prepared together afterwards, which is cheaper per row than one cold task per call and
   * leaves the caller's path alone. The returned promise, registered with `waitUntil` when its
   * batch opened, never rejects and settles once every row of the batch is written or handed
   * to the fallback.
   */
  record(start: CallStart, outcome: RecordedOutcome): Promise<void> {
    const batch = this.#open ??= this.#openBatch();
    batch.calls.push({ start, outcome });
    return batch.landed;
  }

  /** Resolves once every recorded row is written or handed to the fallback. */
  async flush(): Promise<void> {
    while (this.#unfinished.size) await Promise.all(this.#unfinished);
  }

  #openBatch(): Batch {
    let resolve!: () => void;
    const landed = new Promise<void>((r) => resolve = r);
    const batch: Batch = { calls: [], landed, resolve };
    this.#unfinished.add(landed);
    this.#options.keepAlive(landed);
    batch.timer = setTimeout(() => this.#process(batch), this.#options.batchDelayMs);
    return batch;
  }

  /**
   * The worker is about to be shut down: the calls still gathering are printed at once, whole,
   * through the fallback (as rows built without cost estimates or redaction hooks that could
   * wait), instead of being lost with the worker.
   */
  abandon(reason: string): void {
    const batch = this.#open;
    if (!batch) return;
    this.#open = null;
    clearTimeout(batch.timer);
    for (const { start, outcome } of batch.calls) {
      const settled = this.#settle(start, outcome);
      if (settled) this.#lost(start, settled, reason);
    }
    this.#unfinished.delete(batch.landed);
    batch.resolve();
  }

  async #process(batch: Batch): Promise<void> {
    if (this.#open === batch) this.#open = null;
    const prepared: Promise<void>[] = [];
    for (let i = 0; i < batch.calls.length; i++) {
      // Yield now and then, so a large batch never holds up the calls still in flight.
      if (i > 0 && i % ROWS_PER_SLICE === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      const { start } = batch.calls[i];
      const outcome = this.#settle(start, batch.calls[i].outcome);
      if (!outcome) continue;
      prepared.push(
        this.#prepare(start, outcome).catch((error) => this.#lost(start, outcome, error)),
      );
    }
    await Promise.all(prepared);
    this.#unfinished.delete(batch.landed);
    batch.resolve();
  }

  async #prepare(start: CallStart, outcome: CallOutcome): Promise<void> {
    let row = buildLogRow(start, outcome);
    if (row.cost_usd === null && row.response_model && this.#options.prices) {
      const price = await this.#options.prices.priceOf(row.response_model);
      const cost = price && estimateCost(price, row);
      if (cost !== null && cost !== undefined) {
        row = { ...row, cost_usd: cost, cost_source: "estimated" };
      }
    }
    row = await sanitizeRow(row, { apiKey: this.#options.apiKey });
    await this.#options.writer.enqueue(await this.#redact(row));
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

  /**
   * Reads a deferred outcome. If reading it throws (a bug), the call is printed through the
   * fallback as a failure without the outcome's details, and `null` is returned.
   */
  #settle(start: CallStart, recorded: RecordedOutcome): CallOutcome | null {
    if (typeof recorded !== "function") return recorded;
    try {
      return recorded();
    } catch (error) {
      const now = { endedAt: Date.now(), endedMono: performance.now() };
      this.#lost(start, { status: "failed", ...now }, error);
      return null;
    }
  }

  /** The row cannot go through the writer (a bug, or a shutdown): print what we can. */
  #lost(start: CallStart, outcome: CallOutcome, error: unknown): void {
    const reason = typeof error === "string"
      ? error
      : `prepare_failed: ${error instanceof Error ? error.message : String(error)}`;
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
