import assert from "node:assert/strict";
import type { CallOutcome, CallStart } from "../../supabase/functions/_shared/llm/build-log-row.ts";
import {
  LogPipeline,
  type LogPipelineLimits,
} from "../../supabase/functions/_shared/llm/log-pipeline.ts";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { type LogSink, LogWriteError } from "../../supabase/functions/_shared/llm/log-sink.ts";
import { type RedactHook, RowPreparer } from "../../supabase/functions/_shared/llm/prepare-row.ts";
import type { UnwrittenRowLine } from "../../supabase/functions/_shared/llm/unwritten-line.ts";

const API_KEY = "sk-or-v1-pipeline-test-key-0123456789";

/** A pipeline writing to an in-memory sink, with what it wrote, printed and registered. */
function pipeline(
  limits: LogPipelineLimits = {},
  extra: { sink?: LogSink | null; redact?: RedactHook } = {},
) {
  const written: LLMCallLogRow[] = [];
  const printed: UnwrittenRowLine[] = [];
  const registered: Promise<unknown>[] = [];
  const sink = extra.sink !== undefined
    ? extra.sink
    : { write: (rows: LLMCallLogRow[]) => Promise.resolve(void written.push(...rows)) };
  const calls = new LogPipeline({
    sink,
    fallback: (line) => printed.push(JSON.parse(line)),
    keepAlive: (promise) => registered.push(promise),
    preparer: new RowPreparer({ prices: null, apiKey: API_KEY, redact: extra.redact }),
    batchDelayMs: 1,
    retryDelayMs: 1,
    ...limits,
  });
  return { calls, written, printed, registered };
}

let sequence = 0;
function start(): CallStart {
  const n = String(++sequence).padStart(12, "0");
  return {
    id: `0193a0b0-0000-7000-8000-${n}`,
    method: "stream_completion",
    request: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] },
    context: {},
    startedAt: Date.parse("2026-11-27T10:00:00Z"),
    startedMono: 1_000,
  };
}

function completed(extra: Partial<CallOutcome> = {}): CallOutcome {
  return {
    status: "completed",
    endedAt: Date.parse("2026-11-27T10:00:01Z"),
    endedMono: 2_000,
    firstTokenMono: 1_250,
    httpStatus: 200,
    completionText: "Hello",
    ...extra,
  };
}

Deno.test("the pipeline reads an outcome given as a function once, when the row is made, not when recorded", async () => {
  const { calls, written } = pipeline();
  let reads = 0;
  calls.record(start(), () => {
    reads++;
    return completed();
  });
  assert.equal(reads, 0, "recording must not read the outcome");
  await calls.flush();
  assert.equal(reads, 1);
  assert.equal(written.length, 1);
  assert.equal(written[0].status, "completed");
  assert.equal(written[0].completion_text, "Hello");
  assert.equal(written[0].response_time_ms, 1_000);
  assert.equal(written[0].time_to_first_token_ms, 250);
});

Deno.test("an outcome function that throws still gives a storable failed row, and the others are written", async () => {
  const { calls, written, printed } = pipeline();
  const broken = start();
  calls.record(broken, () => {
    throw new Error("summary exploded");
  });
  calls.record(start(), completed());
  await calls.flush();
  assert.equal(written.length, 2);
  const row = written.find((r) => r.id === broken.id)!;
  assert.equal(row.status, "failed");
  assert.deepEqual(row.metadata, { prepare_error: "summary exploded" });
  assert.equal(printed.length, 0);
});

Deno.test("each batch is registered with waitUntil when its first call is recorded", async () => {
  const { calls, written, registered } = pipeline();
  calls.record(start(), completed());
  assert.equal(registered.length, 1, "registered synchronously by record");
  calls.record(start(), completed());
  assert.equal(registered.length, 1, "one registration covers the whole batch");
  await registered[0];
  assert.equal(written.length, 2, "the registered promise settles only after the write");
});

Deno.test("calls recorded in one gathering window reach the database in one write", async () => {
  const writes: number[] = [];
  const { calls } = pipeline({}, {
    sink: { write: (rows) => Promise.resolve(void writes.push(rows.length)) },
  });
  for (let i = 0; i < 20; i++) calls.record(start(), completed());
  await calls.flush();
  assert.deepEqual(writes, [20], "one insert for the window, not one for each of its first rows");
});

Deno.test("a full batch is written at once, without waiting out the gathering delay", async () => {
  const { calls, written, registered } = pipeline({ batchDelayMs: 60_000, maxBatchRows: 3 });
  for (let i = 0; i < 3; i++) calls.record(start(), completed());
  await registered[0];
  assert.equal(written.length, 3);
  calls.record(start(), completed());
  calls.shutdown("test_end"); // the fourth would otherwise wait a minute
  await calls.flush();
});

Deno.test("memory stays bounded while the database is down: overflow goes to the fallback, none missing", async () => {
  let down = true;
  const stored: LLMCallLogRow[] = [];
  const sink: LogSink = {
    async write(rows) {
      await new Promise((r) => setTimeout(r, 5));
      if (down) throw new LogWriteError("down", true);
      stored.push(...rows);
    },
  };
  const { calls, printed } = pipeline(
    { maxQueuedRows: 10, maxBatchRows: 5, maxAttempts: 50 },
    { sink },
  );
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const call = start();
    ids.push(call.id);
    calls.record(call, completed());
    assert.ok(calls.held <= 10, `held ${calls.held} rows`);
  }
  setTimeout(() => down = false, 30);
  await calls.flush();
  const written = stored.map((r) => r.id);
  const lost = printed.map((l) => l.row.id);
  assert.equal(written.length + lost.length, ids.length);
  assert.deepEqual(new Set([...written, ...lost]), new Set(ids));
  assert.ok(lost.length >= 30, `at most 10 rows fit in memory, ${lost.length} printed`);
  assert.ok(printed.every((l) => l.reason.startsWith("queue_full")));
});

Deno.test("a shutdown prints every gathering call at once, as clean as a stored row: sanitised, key masked, redacted", async () => {
  const redact: RedactHook = (row) => ({ ...row, user_id: "[hashed]" });
  const { calls, printed, written, registered } = pipeline({ batchDelayMs: 60_000 }, { redact });
  const outcome = completed({
    completionText: `nul:\u0000 lone:\ud800 key:${API_KEY}`,
    error: null,
  });
  const call = { ...start(), context: { userId: "user_1" } };
  calls.record(call, () => outcome);
  calls.shutdown("worker_shutdown");
  assert.equal(printed.length, 1);
  const [line] = printed;
  assert.equal(line.reason, "worker_shutdown");
  assert.equal(line.row.completion_text, "nul:\ufffd lone:\ufffd key:[redacted: api key]");
  assert.equal(line.row.user_id, "[hashed]");
  await registered[0]; // the batch's registration settles
  assert.equal(written.length, 0);
});

Deno.test("a shutdown prints an asynchronous redact hook's rows without their content", () => {
  const redact: RedactHook = (row) => Promise.resolve({ ...row, completion_text: "[redacted]" });
  const { calls, printed } = pipeline({ batchDelayMs: 60_000 }, { redact });
  calls.record(start(), completed({ completionText: "a private answer" }));
  calls.shutdown("worker_shutdown");
  assert.equal(printed[0].row.completion_text, null);
  assert.equal(printed[0].row.status, "completed");
  assert.match(JSON.stringify(printed[0].row.metadata), /redact_error/);
});

Deno.test("calls recorded after a shutdown are printed at once", () => {
  const { calls, printed } = pipeline();
  calls.shutdown("worker_shutdown");
  calls.record(start(), completed());
  assert.equal(printed.length, 1);
  assert.equal(printed[0].reason, "worker_shutdown");
});
