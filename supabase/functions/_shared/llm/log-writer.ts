/**
 * Writes log rows in the background: batched, retried, bounded, never lost silently.
 *
 * A row leaves memory only once its write succeeded or it was printed whole, as one structured
 * `console.error` line, by the fallback. Each drain of the queue is registered with `waitUntil`
 * so an Edge Function worker stays alive until its rows have landed.
 *
 * @module
 */
import type { LLMCallLogRow } from "./log-row.ts";

const MAX_RETRY_DELAY_MS = 30_000;

/** Where rows go. `write` rejects when the rows were not written. */
export interface LogSink {
  write(rows: LLMCallLogRow[], options?: { signal?: AbortSignal }): Promise<void>;
}

/** A write failure a sink can mark as permanent (retrying the same rows will not help). */
export class LogWriteError extends Error {
  override name = "LogWriteError";
  constructor(message: string, readonly retryable: boolean, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Options of {@link LogWriter}. */
export interface LogWriterOptions {
  /** Where rows are written; `null` sends every row to the fallback. */
  sink: LogSink | null;
  /** Receives one line per row that could not be written. @default {console.error} */
  fallback?: (line: string) => void;
  /** Keeps the worker alive while a drain runs. @default {no-op} */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * How long to gather rows before the first write of a drain; a full batch (`maxBatchRows`)
   * is written at once. @default {10}
   */
  batchDelayMs?: number;
  /** Rows per insert at most. @default {250} */
  maxBatchRows?: number;
  /** Attempts per batch, the first included. @default {4} */
  maxAttempts?: number;
  /** Delay before the first retry; each further retry waits 4× longer, 30 s at most. @default {250} */
  retryDelayMs?: number;
  /** Time one attempt may take before it counts as failed. @default {10_000} */
  attemptTimeoutMs?: number;
  /** Rows held at most; beyond, the oldest go to the fallback. @default {1_000} */
  maxQueuedRows?: number;
}

/** The line printed for a row that could not be written. */
export interface UnwrittenRowLine {
  event: "llm_call_log_unwritten";
  reason: string;
  table: "llm_call_logs";
  row: LLMCallLogRow;
}

/** Batches rows into the sink; see the module documentation. */
export class LogWriter {
  #options: Required<Omit<LogWriterOptions, "sink">> & { sink: LogSink | null };
  #queue: LLMCallLogRow[] = [];
  #draining: Promise<void> | null = null;
  /** Ends the gathering delay of the current drain early (its batch is full). */
  #stopGathering: (() => void) | null = null;
  #enqueued = 0;
  #settled = 0;
  #waiters: { target: number; resolve: () => void }[] = [];

  constructor(options: LogWriterOptions) {
    this.#options = {
      fallback: (line) => console.error(line),
      waitUntil: () => {},
      batchDelayMs: 10,
      maxBatchRows: 250,
      maxAttempts: 4,
      retryDelayMs: 250,
      attemptTimeoutMs: 10_000,
      maxQueuedRows: 1_000,
      ...options,
    };
  }

  /** Rows accepted and not yet written or handed to the fallback. */
  get pending(): number {
    return this.#enqueued - this.#settled;
  }

  /**
   * Queues a row. Never throws; the returned promise (which never rejects) settles once this
   * row is written or handed to the fallback.
   */
  enqueue(row: LLMCallLogRow): Promise<void> {
    const settled = this.#until(++this.#enqueued);
    this.#queue.push(row);
    if (this.#queue.length > this.#options.maxQueuedRows) {
      this.#giveUp([this.#queue.shift()!], "queue_full: the database is not keeping up");
    }
    if (!this.#draining) {
      this.#draining = this.#drain();
      this.#options.waitUntil(this.#draining);
    } else if (this.#queue.length >= this.#options.maxBatchRows) {
      this.#stopGathering?.();
    }
    return settled;
  }

  /** Resolves once every row queued so far is written or handed to the fallback. */
  flush(): Promise<void> {
    return this.#until(this.#enqueued);
  }

  /** Rows leave the queue in order, so row n is settled once n rows are. */
  #until(count: number): Promise<void> {
    if (this.#settled >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ target: count, resolve }));
  }

  /** Hands every queued row to the fallback at once (the worker is about to be shut down). */
  abandon(reason: string): void {
    this.#giveUp(this.#queue.splice(0), reason);
  }

  async #drain(): Promise<void> {
    try {
      await this.#gather();
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, this.#options.maxBatchRows);
        await this.#writeBatch(batch);
      }
    } finally {
      this.#draining = null;
    }
  }

  /** Waits `batchDelayMs` for more rows, or until the queue holds a full batch. */
  #gather(): Promise<void> {
    if (this.#queue.length >= this.#options.maxBatchRows) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#stopGathering = null;
        resolve();
      };
      const timer = setTimeout(done, this.#options.batchDelayMs);
      this.#stopGathering = done;
    });
  }

  /** Writes one batch, retrying; a permanent failure is retried row by row. Never throws. */
  async #writeBatch(batch: LLMCallLogRow[]): Promise<void> {
    const { sink, maxAttempts, retryDelayMs } = this.#options;
    if (!sink) {
      return this.#giveUp(
        batch,
        "no_sink: no log destination is configured (SUPABASE_URL and a secret key)",
      );
    }
    let error: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await delay(backoff(retryDelayMs, attempt));
      try {
        await this.#attempt(sink, batch);
        return this.#settle(batch.length);
      } catch (caught) {
        error = caught;
        if (error instanceof LogWriteError && !error.retryable) break;
      }
    }
    if (batch.length > 1 && error instanceof LogWriteError && !error.retryable) {
      // One bad row must not take its neighbours down with it.
      for (const row of batch) await this.#writeBatch([row]);
      return;
    }
    this.#giveUp(batch, `write_failed: ${describe(error)}`);
  }

  async #attempt(sink: LogSink, rows: LLMCallLogRow[]): Promise<void> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new LogWriteError(
          `Log write timed out after ${this.#options.attemptTimeoutMs} ms`,
          true,
        );
        controller.abort(error);
        reject(error);
      }, this.#options.attemptTimeoutMs);
    });
    try {
      await Promise.race([sink.write(rows, { signal: controller.signal }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #giveUp(rows: LLMCallLogRow[], reason: string): void {
    for (const row of rows) {
      const line: UnwrittenRowLine = {
        event: "llm_call_log_unwritten",
        reason,
        table: "llm_call_logs",
        row,
      };
      try {
        this.#options.fallback(JSON.stringify(line));
      } catch { /* the fallback is the last resort: nothing further can be done */ }
    }
    this.#settle(rows.length);
  }

  #settle(count: number): void {
    this.#settled += count;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.#settled < waiter.target) return true;
      waiter.resolve();
      return false;
    });
  }
}

/** Exponential backoff with ±25 % jitter, so writers that failed together do not retry together. */
function backoff(base: number, attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, base * 4 ** (attempt - 2)) * (0.75 + Math.random() / 2);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
