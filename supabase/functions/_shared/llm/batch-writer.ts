/**
 * Writes prepared rows to the sink in batches: idempotent writes, retried with backoff while the
 * database or the network fails, split in halves when the database refuses a batch's content,
 * and printed through the fallback when nothing more can be done.
 *
 * Batches do not queue behind one another: a batch waiting out a retry holds no write slot, so
 * the rows behind it keep landing; a refused batch is split at once, without delay, until the
 * offending rows are isolated. A row leaves memory only once it is written or printed.
 *
 * @module
 */
import { describeValue } from "./caller-values.ts";
import type { LLMCallLogRow } from "./log-row.ts";
import { type LogSink, LogWriteError, type LogWriteFailure } from "./log-sink.ts";
import { countOption, delayOption, MAX_TIMER_DELAY_MS } from "./numeric-options.ts";
import { printUnwritten } from "./unwritten-line.ts";

/** A prepared row and what to call once it is written or printed. */
export interface QueuedRow {
  row: LLMCallLogRow;
  settled(): void;
}

/**
 * Options of {@link BatchWriter}. `undefined` means the default; a delay past 2^31 − 1 ms
 * (about 24.8 days, `Infinity` included) is that maximum; a negative or NaN delay, or a count
 * that is not a whole number of 1 or more, is a `RangeError`.
 */
export interface BatchWriterOptions {
  /** Where rows are written; `null` sends every row to the fallback. */
  sink: LogSink | null;
  /** Receives one line per row that could not be written. */
  fallback: (line: string) => void;
  /** Rows per write at most. @default {250} */
  maxBatchRows?: number;
  /** Attempts per batch while the database or network fails, the first included. @default {4} */
  maxAttempts?: number;
  /** Delay before the first retry; each further retry waits 4× longer. @default {250} */
  retryDelayMs?: number;
  /** The longest delay between two attempts. @default {30_000} */
  maxRetryDelayMs?: number;
  /** Time one attempt may take before it is aborted and counts as failed. @default {10_000} */
  attemptTimeoutMs?: number;
  /** Writes in progress at once (batches waiting out a retry do not count). @default {2} */
  maxConcurrentWrites?: number;
}

/** A batch between attempts, which a shutdown or a full queue may print instead. */
interface Waiting {
  items: QueuedRow[];
  wake(): void;
  printed: boolean;
}

/** Writes batches; see the module documentation. */
export class BatchWriter {
  #options: Required<BatchWriterOptions>;
  #queue: QueuedRow[] = [];
  #writing = 0;
  #inFlight = 0;
  #waiting = new Set<Waiting>();
  #tasks = new Set<Promise<void>>();
  #stopped: string | null = null;

  constructor(options: BatchWriterOptions) {
    // Per option, not a spread over the defaults: an option given as `undefined` (as one read
    // from an unset environment variable is) means its default, not "no limit".
    this.#options = {
      sink: options.sink,
      fallback: options.fallback,
      maxBatchRows: countOption("maxBatchRows", options.maxBatchRows, 250),
      maxAttempts: countOption("maxAttempts", options.maxAttempts, 4),
      retryDelayMs: delayOption("retryDelayMs", options.retryDelayMs, 250),
      maxRetryDelayMs: delayOption("maxRetryDelayMs", options.maxRetryDelayMs, 30_000),
      attemptTimeoutMs: delayOption("attemptTimeoutMs", options.attemptTimeoutMs, 10_000),
      maxConcurrentWrites: countOption("maxConcurrentWrites", options.maxConcurrentWrites, 2),
    };
  }

  /** Rows held: queued, in a write, or waiting out a retry. */
  get held(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Queues rows and starts writing them. Never throws. */
  enqueue(items: readonly QueuedRow[]): void {
    if (this.#stopped) return this.#giveUp([...items], this.#stopped);
    this.#queue.push(...items);
    this.#pump();
  }

  /**
   * Prints the oldest row that is not in a write in progress (queued, or waiting out a retry),
   * for a full queue. Returns `false` when every held row is in a write.
   */
  evictOldest(reason: string): boolean {
    const queued = this.#queue.shift();
    if (queued) return this.#giveUp([queued], reason), true;
    for (const waiting of this.#waiting) {
      const item = waiting.items.shift();
      if (!item) continue;
      this.#inFlight--;
      this.#giveUp([item], reason);
      return true;
    }
    return false;
  }

  /** Resolves once every row queued so far is written or printed. */
  async flush(): Promise<void> {
    while (this.#tasks.size) await Promise.all(this.#tasks);
  }

  /**
   * The worker is about to stop: queued rows and rows waiting out a retry are printed now;
   * writes in progress finish, and a failed one is printed at once instead of retried.
   */
  shutdown(reason: string): void {
    this.#stopped = reason;
    this.#giveUp(this.#queue.splice(0), reason);
    for (const waiting of this.#waiting) {
      waiting.printed = true;
      this.#inFlight -= waiting.items.length;
      this.#giveUp(waiting.items.splice(0), reason);
      waiting.wake();
    }
  }

  #pump(): void {
    const { maxBatchRows, maxConcurrentWrites } = this.#options;
    while (this.#queue.length && this.#writing < maxConcurrentWrites) {
      this.#start(this.#queue.splice(0, maxBatchRows));
    }
  }

  #start(items: QueuedRow[]): Promise<void> {
    this.#inFlight += items.length;
    this.#writing++;
    const task = this.#run(items).finally(() => {
      this.#tasks.delete(task);
      this.#pump();
    });
    this.#tasks.add(task);
    return task;
  }

  /** Writes one batch until it lands, is split, or is given up. Holds a write slot on entry. */
  async #run(items: QueuedRow[]): Promise<void> {
    const { sink, maxAttempts } = this.#options;
    for (let attempt = 1;; attempt++) {
      const error = sink ? await this.#attempt(sink, items) : "no_sink";
      this.#writing--;
      if (error === null) return this.#done(items, () => items.forEach(settle));
      if (error === "no_sink") {
        return this.#done(items, () => this.#giveUp(items, NO_SINK));
      }
      const failure = failureOf(error);
      if (failure === "content" && items.length > 1) {
        this.#inFlight -= items.length;
        const half = Math.ceil(items.length / 2);
        await Promise.all([this.#start(items.slice(0, half)), this.#start(items.slice(half))]);
        return;
      }
      if (failure !== "transient" || attempt >= maxAttempts || this.#stopped) {
        const prefix = failure === "content" ? "rejected" : "write_failed";
        return this.#done(items, () => this.#giveUp(items, `${prefix}: ${describeValue(error)}`));
      }
      if (!await this.#backoff(items, attempt)) return;
      this.#writing++;
    }
  }

  #done(items: QueuedRow[], settleThem: () => void): void {
    this.#inFlight -= items.length;
    settleThem();
  }

  /** Waits before the next attempt; `false` when the batch was printed meanwhile. */
  async #backoff(items: QueuedRow[], attempt: number): Promise<boolean> {
    const { retryDelayMs, maxRetryDelayMs } = this.#options;
    const ms = backoff(retryDelayMs, maxRetryDelayMs, attempt + 1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waiting: Waiting = { items, printed: false, wake: () => {} };
    this.#waiting.add(waiting);
    this.#pump(); // the slot this batch held is free while it waits
    await new Promise<void>((resolve) => {
      waiting.wake = () => (clearTimeout(timer), resolve());
      timer = setTimeout(resolve, ms);
    });
    this.#waiting.delete(waiting);
    return !waiting.printed && items.length > 0;
  }

  /** One attempt; resolves with the error, or `null` when the rows were written. */
  async #attempt(sink: LogSink, items: QueuedRow[]): Promise<unknown> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const { attemptTimeoutMs } = this.#options;
        const error = new LogWriteError(`Log write timed out after ${attemptTimeoutMs} ms`, true);
        controller.abort(error);
        reject(error);
      }, this.#options.attemptTimeoutMs);
    });
    try {
      const rows = items.map((item) => item.row);
      await Promise.race([
        (async () => await sink.write(rows, { signal: controller.signal }))(),
        timeout,
      ]);
      return null;
    } catch (error) {
      return error ?? new Error("The sink rejected without a reason");
    } finally {
      clearTimeout(timer);
    }
  }

  #giveUp(items: QueuedRow[], reason: string): void {
    printUnwritten(items.map((item) => item.row), reason, this.#options.fallback);
    items.forEach(settle);
  }
}

const NO_SINK = "no_sink: SUPABASE_URL and a service key are not set";

function settle(item: QueuedRow): void {
  try {
    item.settled();
  } catch { /* a settle callback cannot fail the writer */ }
}

function failureOf(error: unknown): LogWriteFailure {
  return error instanceof LogWriteError ? error.failure : "transient";
}

/** Exponential backoff with ±25 % jitter, so writers that failed together do not retry together. */
function backoff(base: number, max: number, attempt: number): number {
  const ms = Math.min(max, base * 4 ** (attempt - 2)) * (0.75 + Math.random() / 2);
  return Math.min(ms, MAX_TIMER_DELAY_MS); // the jitter may take a maximal delay past a timer's
}
