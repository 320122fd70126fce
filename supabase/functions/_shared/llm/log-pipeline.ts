/**
 * The one background path of every call's row: call outcome → row (cost, sanitising, `redact`)
 * → batch → idempotent write with retry and poison isolation → fallback line.
 *
 * Calls recorded within `batchDelayMs` of each other form a batch. Its promise is registered
 * with `waitUntil` when its first call is recorded (before that caller's promise settles), and
 * settles once every row of the batch is written or printed. Memory is bounded: past
 * `maxQueuedRows` held rows, the oldest one not in a write in progress is printed. A shutdown
 * prints, at once and prepared exactly like a stored row, every row that is not in a write in
 * progress; those in a write are printed as soon as that write fails.
 *
 * @module
 */
import type { CallOutcome, CallStart } from "./build-log-row.ts";
import { BatchWriter, type BatchWriterOptions, type QueuedRow } from "./batch-writer.ts";
import type { LLMCallLogRow } from "./log-row.ts";
import { countOption, delayOption } from "./numeric-options.ts";
import type { RowPreparer } from "./prepare-row.ts";
import { printUnwritten } from "./unwritten-line.ts";

/**
 * Batching, retry and memory limits of the log pipeline. `undefined` means the default; a delay
 * past 2^31 − 1 ms (about 24.8 days, `Infinity` included) is that maximum; a negative or NaN
 * delay, or a count that is not a whole number of 1 or more, is a `RangeError`.
 */
export interface LogPipelineLimits extends Omit<BatchWriterOptions, "sink" | "fallback"> {
  /**
   * How long calls gather before their rows are prepared and written together: a little
   * latency for the log, far less work per row. The only batching delay. @default {100}
   */
  batchDelayMs?: number;
  /** Rows held in memory at most; beyond, the oldest go to the fallback. @default {1_000} */
  maxQueuedRows?: number;
}

/** Options of {@link LogPipeline}. */
export interface LogPipelineOptions extends LogPipelineLimits {
  sink: BatchWriterOptions["sink"];
  fallback: (line: string) => void;
  preparer: RowPreparer;
  /** Registers background work with the runtime (`EdgeRuntime.waitUntil`). */
  keepAlive(promise: Promise<unknown>): void;
}

/** A recorded call on its way to the writer. */
interface Pending {
  start: CallStart;
  outcome: CallOutcome | (() => CallOutcome);
  /** Set once the row went to the writer or the fallback. */
  handedOver: boolean;
  /** Settles once the row is written or printed. */
  landed: Promise<void>;
  settled(): void;
}

/** The calls of one batch window. */
interface Batch {
  calls: Pending[];
  /** Registered with `waitUntil`; settles once every call of the batch settled. */
  landed: Promise<void>;
  finish(): void;
  timer?: ReturnType<typeof setTimeout>;
}

const ROWS_PER_SLICE = 25;
const QUEUE_FULL = "queue_full: the database is not keeping up";

/** Records calls and gets their rows stored; see the module documentation. */
export class LogPipeline {
  #options: LogPipelineOptions;
  #limits: { batchDelayMs: number; maxBatchRows: number; maxQueuedRows: number };
  #writer: BatchWriter;
  #open: Batch | null = null;
  /** Calls recorded and not yet handed to the writer or the fallback, oldest first. */
  #pending = new Set<Pending>();
  /** Rows prepared this turn, handed to the writer together at its end. */
  #prepared: QueuedRow[] = [];
  #unfinished = new Set<Promise<void>>();
  #stopped: string | null = null;

  constructor(options: LogPipelineOptions) {
    this.#options = options;
    this.#writer = new BatchWriter(options);
    this.#limits = {
      batchDelayMs: delayOption("batchDelayMs", options.batchDelayMs, 100),
      maxBatchRows: countOption("maxBatchRows", options.maxBatchRows, 250),
      maxQueuedRows: countOption("maxQueuedRows", options.maxQueuedRows, 1_000),
    };
  }

  /** Rows held in memory: calls not yet prepared, rows prepared this turn, and the writer's. */
  get held(): number {
    return this.#pending.size + this.#prepared.length + this.#writer.held;
  }

  /**
   * Records a call. Nothing is built now. The returned promise never rejects and settles once
   * the rows of the call's batch are written or printed.
   */
  record(start: CallStart, outcome: CallOutcome | (() => CallOutcome)): Promise<void> {
    let settled!: () => void;
    const landed = new Promise<void>((resolve) => settled = resolve);
    const pending: Pending = { start, outcome, handedOver: false, landed, settled };
    if (this.#stopped) {
      this.#print(pending, this.#stopped);
      return landed;
    }
    const batch = this.#open ??= this.#openBatch();
    batch.calls.push(pending);
    this.#pending.add(pending);
    // A full batch is prepared at once, without waiting out the gathering delay.
    if (batch.calls.length >= this.#limits.maxBatchRows) this.#close(batch);
    while (this.held > this.#limits.maxQueuedRows && this.#evict()) { /* next */ }
    return batch.landed;
  }

  /** Resolves once every row recorded so far is written or printed. */
  async flush(): Promise<void> {
    while (this.#unfinished.size) await Promise.all(this.#unfinished);
    await this.#writer.flush();
  }

  /**
   * The worker is about to be shut down: every row not in a write in progress is printed now,
   * and later calls are printed as they are recorded.
   */
  shutdown(reason: string): void {
    this.#stopped = reason;
    for (const pending of this.#pending) this.#print(pending, reason);
    if (this.#open) this.#close(this.#open);
    this.#writer.shutdown(reason);
  }

  #openBatch(): Batch {
    let finish!: () => void;
    const landed = new Promise<void>((resolve) => finish = resolve);
    const batch: Batch = { calls: [], landed, finish };
    this.#unfinished.add(landed);
    landed.then(() => this.#unfinished.delete(landed));
    batch.timer = setTimeout(() => this.#close(batch), this.#limits.batchDelayMs);
    this.#options.keepAlive(landed);
    return batch;
  }

  #close(batch: Batch): void {
    if (this.#open === batch) this.#open = null;
    clearTimeout(batch.timer);
    void this.#process(batch.calls);
    Promise.all(batch.calls.map((call) => call.landed)).then(batch.finish);
  }

  async #process(calls: Pending[]): Promise<void> {
    const prepared: Promise<void>[] = [];
    for (let i = 0; i < calls.length; i++) {
      // Yield now and then, so a large batch never holds up the calls still in flight.
      if (i > 0 && i % ROWS_PER_SLICE === 0) await delay(0);
      const pending = calls[i];
      if (pending.handedOver) continue;
      prepared.push(
        this.#options.preparer.prepare(pending.start, pending.outcome).then((row) => {
          if (!pending.handedOver) this.#hand(pending, row);
        }),
      );
    }
    await Promise.all(prepared);
  }

  /**
   * Hands a prepared row on. Rows prepared in the same turn go to the writer together, so a
   * batch is one write rather than a write for each of its first rows.
   */
  #hand(pending: Pending, row: LLMCallLogRow): void {
    pending.handedOver = true;
    this.#pending.delete(pending);
    this.#prepared.push({ row, settled: pending.settled });
    if (this.#prepared.length === 1) {
      queueMicrotask(() => this.#writer.enqueue(this.#prepared.splice(0)));
    }
  }

  /** Prints one row to make room: a prepared row first, else the oldest call. */
  #evict(): boolean {
    if (this.#writer.evictOldest(QUEUE_FULL)) return true;
    const oldest = this.#pending.values().next().value;
    if (!oldest) return false;
    this.#print(oldest, QUEUE_FULL);
    return true;
  }

  /** Prepares the row now, as a stored one would be (but for a cost estimate), and prints it. */
  #print(pending: Pending, reason: string): void {
    pending.handedOver = true;
    this.#pending.delete(pending);
    const row = this.#options.preparer.prepareNow(pending.start, pending.outcome);
    printUnwritten([row], reason, this.#options.fallback);
    pending.settled();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
