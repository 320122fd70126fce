import assert from "node:assert/strict";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import {
  type LogSink,
  LogWriteError,
  LogWriter,
  type UnwrittenRowLine,
} from "../../supabase/functions/_shared/llm/log-writer.ts";
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

function fallbackRecorder() {
  const lines: UnwrittenRowLine[] = [];
  return { lines, fallback: (line: string) => lines.push(JSON.parse(line)) };
}

const fast = { batchDelayMs: 1, retryDelayMs: 1, attemptTimeoutMs: 200 };

Deno.test("rows queued close together are written in one batch", async () => {
  const { sink, batches } = scriptedSink(() => {});
  const writer = new LogWriter({ sink, ...fast });
  const rows = [logRow(), logRow(), logRow()];
  for (const row of rows) writer.enqueue(row);
  await writer.flush();
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0].map((r) => r.id), rows.map((r) => r.id));
  assert.equal(writer.pending, 0);
});

Deno.test("batches never exceed maxBatchRows", async () => {
  const { sink, batches } = scriptedSink(() => {});
  const writer = new LogWriter({ sink, ...fast, maxBatchRows: 2 });
  for (let i = 0; i < 5; i++) writer.enqueue(logRow());
  await writer.flush();
  assert.deepEqual(batches.map((b) => b.length), [2, 2, 1]);
});

Deno.test("a full batch is written at once, without waiting out the gathering delay", async () => {
  const { sink, batches } = scriptedSink(() => {});
  const writer = new LogWriter({ sink, ...fast, batchDelayMs: 60_000, maxBatchRows: 3 });
  const within = (ms: number, promise: Promise<void>) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      promise.then(() => (clearTimeout(timer), resolve(true)));
    });

  for (let i = 0; i < 2; i++) writer.enqueue(logRow());
  assert.equal(await within(100, writer.flush()), false, "two rows wait for company");
  assert.equal(batches.length, 0);

  for (let i = 0; i < 5; i++) writer.enqueue(logRow());
  assert.equal(await within(1_000, writer.flush()), true, "a full batch ends the wait");
  assert.deepEqual(batches.map((b) => b.length), [3, 3, 1]);
});

Deno.test("a row stays queued until a retry succeeds once the database recovers", async () => {
  const { sink, batches, calls } = scriptedSink((_, call) => {
    if (call < 3) throw new LogWriteError("connection refused", true);
  });
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({ sink, fallback, ...fast });
  const row = logRow();
  writer.enqueue(row);
  await writer.flush();
  assert.equal(calls(), 3);
  assert.deepEqual(batches, [[row]]);
  assert.deepEqual(lines, []);
});

Deno.test("after the last attempt a row is printed whole as one JSON line", async () => {
  const { sink, calls } = scriptedSink(() => {
    throw new Error("database is down");
  });
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({ sink, fallback, ...fast, maxAttempts: 3 });
  const row = logRow({ completion_text: "the whole answer" });
  writer.enqueue(row);
  await writer.flush();
  assert.equal(calls(), 3);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].event, "llm_call_log_unwritten");
  assert.match(lines[0].reason, /database is down/);
  assert.deepEqual(lines[0].row, row);
});

Deno.test("a hanging sink is timed out and retried, and flush still resolves", async () => {
  const { sink } = scriptedSink((_, call) =>
    call === 1 ? new Promise<void>(() => {}) : Promise.resolve()
  );
  const writer = new LogWriter({ sink, ...fast, attemptTimeoutMs: 20 });
  const row = logRow();
  writer.enqueue(row);
  await writer.flush();
  assert.equal(writer.pending, 0);
});

Deno.test("the sink is handed an abort signal that fires when an attempt times out", async () => {
  let seen: AbortSignal | undefined;
  const sink: LogSink = {
    write: (_rows, options) => {
      seen = options?.signal;
      return new Promise(() => {});
    },
  };
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({ sink, fallback, ...fast, attemptTimeoutMs: 10, maxAttempts: 1 });
  writer.enqueue(logRow());
  await writer.flush();
  assert.equal(seen?.aborted, true);
  assert.match(lines[0].reason, /timed out after 10 ms/);
});

Deno.test("a permanent failure retries rows one by one so one bad row spares the rest", async () => {
  const bad = logRow({ model: "bad" });
  const { sink, batches } = scriptedSink((rows) => {
    if (rows.some((r) => r.model === "bad")) throw new LogWriteError("check violation", false);
  });
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({ sink, fallback, ...fast });
  const good = [logRow(), logRow()];
  writer.enqueue(good[0]);
  writer.enqueue(bad);
  writer.enqueue(good[1]);
  await writer.flush();
  assert.deepEqual(batches.flat().map((r) => r.id), good.map((r) => r.id));
  assert.deepEqual(lines.map((l) => l.row.id), [bad.id]);
});

Deno.test("a permanent failure is not retried", async () => {
  const { sink, calls } = scriptedSink(() => {
    throw new LogWriteError("permission denied", false);
  });
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({ sink, fallback, ...fast });
  writer.enqueue(logRow());
  await writer.flush();
  assert.equal(calls(), 1);
  assert.equal(lines.length, 1);
});

Deno.test("memory stays bounded while the database is down: overflow goes to the fallback, none missing", async () => {
  let down = true;
  const { sink, batches } = scriptedSink(async () => {
    await new Promise((r) => setTimeout(r, 5));
    if (down) throw new LogWriteError("down", true);
  });
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({
    sink,
    fallback,
    ...fast,
    maxQueuedRows: 10,
    maxBatchRows: 5,
    maxAttempts: 50,
  });
  const rows = Array.from({ length: 40 }, () => logRow());
  for (const row of rows) writer.enqueue(row);
  assert.ok(writer.pending <= 40);
  setTimeout(() => down = false, 30);
  await writer.flush();
  const written = batches.flat().map((r) => r.id);
  const printed = lines.map((l) => l.row.id);
  assert.equal(written.length + printed.length, rows.length);
  assert.deepEqual(new Set([...written, ...printed]), new Set(rows.map((r) => r.id)));
  assert.ok(printed.length >= 25, `at most 15 rows fit in memory, ${printed.length} printed`);
  assert.ok(lines.every((l) => l.reason.startsWith("queue_full")));
});

Deno.test("without a sink every row goes straight to the fallback", async () => {
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({ sink: null, fallback, ...fast });
  const row = logRow();
  writer.enqueue(row);
  await writer.flush();
  assert.deepEqual(lines.map((l) => l.row), [row]);
  assert.match(lines[0].reason, /^no_sink/);
});

Deno.test("each drain is registered with waitUntil when its first row is queued", async () => {
  const registered: Promise<unknown>[] = [];
  const { sink, batches } = scriptedSink(() => {});
  const writer = new LogWriter({ sink, ...fast, waitUntil: (p) => registered.push(p) });
  writer.enqueue(logRow());
  assert.equal(registered.length, 1, "registered synchronously by enqueue");
  writer.enqueue(logRow());
  assert.equal(registered.length, 1, "one registration covers the whole drain");
  await registered[0];
  assert.equal(batches.flat().length, 2, "the registered promise settles only after the write");
});

Deno.test("abandon hands every queued row to the fallback at once", async () => {
  const { sink } = scriptedSink(() => {});
  const { lines, fallback } = fallbackRecorder();
  const writer = new LogWriter({ sink, fallback, ...fast, batchDelayMs: 50 });
  const rows = [logRow(), logRow()];
  for (const row of rows) writer.enqueue(row);
  writer.abandon("worker_shutdown");
  assert.deepEqual(lines.map((l) => l.row.id), rows.map((r) => r.id));
  await writer.flush();
  await new Promise((resolve) => setTimeout(resolve, 60)); // the drain wakes to an empty queue
});

Deno.test("a fallback that throws does not break the writer", async () => {
  const writer = new LogWriter({
    sink: null,
    ...fast,
    fallback: () => {
      throw new Error("stderr closed");
    },
  });
  writer.enqueue(logRow());
  await writer.flush();
  assert.equal(writer.pending, 0);
});
