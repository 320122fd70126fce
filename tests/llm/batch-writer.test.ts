import assert from "node:assert/strict";
import {
  BatchWriter,
  type BatchWriterOptions,
} from "../../supabase/functions/_shared/llm/batch-writer.ts";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { type LogSink, LogWriteError } from "../../supabase/functions/_shared/llm/log-sink.ts";
import type { UnwrittenRowLine } from "../../supabase/functions/_shared/llm/unwritten-line.ts";
import { logRow } from "../fixtures/log-rows.ts";

/** A sink that records batches and fails, hangs or succeeds as told. */
function scriptedSink(behaviour: (rows: LLMCallLogRow[], call: number) => Promise<void> | void) {
  const batches: LLMCallLogRow[][] = [];
  let calls = 0;
  const sink: LogSink = {
    async write(rows) {
      calls++;
      await behaviour(rows, calls);
      batches.push(rows);
    },
  };
  return { sink, batches, calls: () => calls };
}

/** A writer whose fallback lines are collected, parsed. */
function writer(options: Partial<BatchWriterOptions> & Pick<BatchWriterOptions, "sink">) {
  const lines: UnwrittenRowLine[] = [];
  const writer = new BatchWriter({
    fallback: (line) => lines.push(JSON.parse(line)),
    retryDelayMs: 1,
    attemptTimeoutMs: 200,
    ...options,
  });
  const enqueue = (...rows: LLMCallLogRow[]) =>
    writer.enqueue(rows.map((row) => ({ row, settled: () => {} })));
  return { writer, lines, enqueue };
}

/** Resolves with the promise's value, or rejects if it takes longer than `ms` (a hang). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

const contentError = (why: string) => new LogWriteError(why, false, { content: true });

Deno.test("rows queued together are written in one batch", async () => {
  const { sink, batches } = scriptedSink(() => {});
  const { writer: w, enqueue } = writer({ sink });
  const rows = [logRow(), logRow(), logRow()];
  enqueue(...rows);
  await w.flush();
  assert.deepEqual(batches.map((b) => b.map((r) => r.id)), [rows.map((r) => r.id)]);
  assert.equal(w.held, 0);
});

Deno.test("batches never exceed maxBatchRows", async () => {
  const { sink, batches } = scriptedSink(() => {});
  const { writer: w, enqueue } = writer({ sink, maxBatchRows: 2 });
  enqueue(...Array.from({ length: 5 }, () => logRow()));
  await w.flush();
  assert.deepEqual(batches.map((b) => b.length).sort(), [1, 2, 2]);
});

Deno.test("a row stays queued until a retry succeeds once the database recovers", async () => {
  const { sink, batches, calls } = scriptedSink((_, call) => {
    if (call < 3) throw new LogWriteError("connection refused", true);
  });
  const { writer: w, lines, enqueue } = writer({ sink });
  const row = logRow();
  enqueue(row);
  await w.flush();
  assert.equal(calls(), 3);
  assert.deepEqual(batches, [[row]]);
  assert.deepEqual(lines, []);
});

Deno.test("after the last attempt a row is printed whole as one JSON line", async () => {
  const { sink, calls } = scriptedSink(() => {
    throw new Error("database is down");
  });
  const { writer: w, lines, enqueue } = writer({ sink, maxAttempts: 3 });
  const row = logRow({ completion_text: "the whole answer" });
  enqueue(row);
  await w.flush();
  assert.equal(calls(), 3);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].event, "llm_call_log_unwritten");
  assert.match(lines[0].reason, /^write_failed: database is down/);
  assert.deepEqual(lines[0].row, row);
});

Deno.test("a hanging sink is timed out and retried, and flush still resolves", async () => {
  const { sink } = scriptedSink((_, call) =>
    call === 1 ? new Promise<void>(() => {}) : Promise.resolve()
  );
  const { writer: w, lines, enqueue } = writer({ sink, attemptTimeoutMs: 20 });
  enqueue(logRow());
  await w.flush();
  assert.equal(w.held, 0);
  assert.deepEqual(lines, []);
});

Deno.test("the sink is handed an abort signal that fires when an attempt times out", async () => {
  let seen: AbortSignal | undefined;
  const sink: LogSink = {
    write: (_rows, options) => {
      seen = options?.signal;
      return new Promise(() => {});
    },
  };
  const { writer: w, lines, enqueue } = writer({ sink, attemptTimeoutMs: 10, maxAttempts: 1 });
  enqueue(logRow());
  await w.flush();
  assert.equal(seen?.aborted, true);
  assert.match(lines[0].reason, /timed out after 10 ms/);
});

Deno.test("a batch refused for its content is split until the bad rows are isolated, without backoff", async () => {
  const bad = [logRow({ user_id: "bad" }), logRow({ user_id: "bad" })];
  const good = Array.from({ length: 248 }, () => logRow());
  const rows = [...good.slice(0, 100), bad[0], ...good.slice(100, 200), bad[1], ...good.slice(200)];
  const { sink, batches, calls } = scriptedSink((batch) => {
    if (batch.some((r) => r.user_id === "bad")) {
      throw contentError("index row size 10264 exceeds btree version 4 maximum 2704 (54000)");
    }
  });
  // A retry delay of a minute: any backoff would show as a hang.
  const { writer: w, lines, enqueue } = writer({ sink, retryDelayMs: 60_000 });
  enqueue(...rows);
  await withinMs(w.flush(), 5_000);
  assert.deepEqual(new Set(batches.flat().map((r) => r.id)), new Set(good.map((r) => r.id)));
  assert.deepEqual(lines.map((l) => l.row.id).sort(), bad.map((r) => r.id).sort());
  for (const line of lines) assert.match(line.reason, /^rejected: index row size .*54000/);
  assert.ok(calls() <= 40, `isolating 2 of 250 rows took ${calls()} writes`);
});

Deno.test("a batch waiting out a retry does not hold up the batches behind it", async () => {
  let failFirst = true;
  const { sink, batches } = scriptedSink(() => {
    if (failFirst) {
      failFirst = false;
      throw new LogWriteError("connection reset", true);
    }
  });
  const { writer: w, lines, enqueue } = writer({ sink, retryDelayMs: 60_000 });
  const stuck = logRow();
  enqueue(stuck);
  await new Promise((resolve) => setTimeout(resolve, 20)); // its first attempt failed
  const behind = [logRow(), logRow()];
  enqueue(...behind);
  await withinMs(
    (async () => {
      while (batches.flat().length < 2) await new Promise((r) => setTimeout(r, 5));
    })(),
    5_000,
  );
  assert.deepEqual(batches.flat().map((r) => r.id), behind.map((r) => r.id));
  assert.equal(w.held, 1, "the first row is still held, waiting for its retry");
  w.shutdown("worker_shutdown");
  assert.deepEqual(lines.map((l) => [l.reason, l.row.id]), [["worker_shutdown", stuck.id]]);
  await withinMs(w.flush(), 5_000);
});

Deno.test("a permanent failure that blames no row is neither retried nor split", async () => {
  const { sink, calls } = scriptedSink(() => {
    throw new LogWriteError("permission denied for table llm_call_logs", false);
  });
  const { writer: w, lines, enqueue } = writer({ sink });
  enqueue(logRow(), logRow(), logRow());
  await w.flush();
  assert.equal(calls(), 1);
  assert.equal(lines.length, 3);
  assert.match(lines[0].reason, /^write_failed: permission denied/);
});

Deno.test("without a sink every row goes straight to the fallback", async () => {
  const { writer: w, lines, enqueue } = writer({ sink: null });
  const row = logRow();
  enqueue(row);
  await w.flush();
  assert.deepEqual(lines.map((l) => l.row), [row]);
  assert.match(lines[0].reason, /^no_sink/);
});

Deno.test("at shutdown queued rows are printed at once and a write in progress still reports", async () => {
  let release!: () => void;
  const { sink, batches } = scriptedSink((_, call) => {
    if (call === 1) return new Promise<void>((resolve) => release = resolve);
  });
  const { writer: w, lines, enqueue } = writer({ sink, maxConcurrentWrites: 1 });
  const inWrite = logRow();
  const queued = [logRow(), logRow()];
  enqueue(inWrite);
  enqueue(...queued);
  w.shutdown("worker_shutdown");
  assert.deepEqual(lines.map((l) => l.row.id), queued.map((r) => r.id));
  assert.equal(w.held, 1, "the row in a write is held by that write");
  release();
  await w.flush();
  assert.deepEqual(batches, [[inWrite]]);
  assert.equal(lines.length, 2);
});

Deno.test("a failed write after shutdown is printed at once instead of retried", async () => {
  let reject!: (error: Error) => void;
  const { sink, calls } = scriptedSink(() => new Promise<void>((_, r) => reject = r));
  const { writer: w, lines, enqueue } = writer({ sink, retryDelayMs: 60_000 });
  const row = logRow();
  enqueue(row);
  w.shutdown("worker_shutdown");
  assert.equal(lines.length, 0, "a row in a write is not printed while the write may succeed");
  reject(new LogWriteError("connection refused", true));
  await withinMs(w.flush(), 5_000);
  assert.equal(calls(), 1);
  assert.deepEqual(lines.map((l) => l.row.id), [row.id]);
});

Deno.test("a fallback that throws does not break the writer", async () => {
  const w = new BatchWriter({
    sink: null,
    fallback: () => {
      throw new Error("stderr closed");
    },
  });
  let settled = false;
  w.enqueue([{ row: logRow(), settled: () => settled = true }]);
  await w.flush();
  assert.equal(settled, true);
  assert.equal(w.held, 0);
});
