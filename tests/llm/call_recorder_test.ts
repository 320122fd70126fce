import assert from "node:assert/strict";
import type { CallOutcome, CallStart } from "../../supabase/functions/_shared/llm/build-log-row.ts";
import { CallRecorder } from "../../supabase/functions/_shared/llm/call-recorder.ts";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { LogWriter } from "../../supabase/functions/_shared/llm/log-writer.ts";

/** A recorder writing to an in-memory sink, with what it wrote and printed. */
function recorder() {
  const written: LLMCallLogRow[] = [];
  const printed: { reason: string; row: Partial<LLMCallLogRow> }[] = [];
  const fallback = (line: string) => printed.push(JSON.parse(line));
  const writer = new LogWriter({
    sink: { write: (rows) => Promise.resolve(void written.push(...rows)) },
    fallback,
    batchDelayMs: 1,
  });
  const calls = new CallRecorder({
    writer,
    prices: null,
    keepAlive: () => {},
    batchDelayMs: 1,
    fallback,
  });
  return { calls, written, printed, flush: () => calls.flush().then(() => writer.flush()) };
}

function start(id: string): CallStart {
  return {
    id,
    method: "stream_completion",
    request: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] },
    context: {},
    startedAt: Date.parse("2026-11-27T10:00:00Z"),
    startedMono: 1_000,
  };
}

function completed(): CallOutcome {
  return {
    status: "completed",
    endedAt: Date.parse("2026-11-27T10:00:01Z"),
    endedMono: 2_000,
    firstTokenMono: 1_250,
    httpStatus: 200,
    completionText: "Hello",
  };
}

Deno.test("CallRecorder reads an outcome given as a function once, when the row is made, not when recorded", async () => {
  const { calls, written, flush } = recorder();
  let reads = 0;
  calls.record(start("0193a0b0-0000-7000-8000-000000000001"), () => {
    reads++;
    return completed();
  });
  assert.equal(reads, 0, "recording must not read the outcome");
  await flush();
  assert.equal(reads, 1);
  assert.equal(written.length, 1);
  assert.equal(written[0].status, "completed");
  assert.equal(written[0].completion_text, "Hello");
  assert.equal(written[0].response_time_ms, 1_000);
  assert.equal(written[0].time_to_first_token_ms, 250);
});

Deno.test("CallRecorder prints the call of an outcome function that throws, and still writes the others", async () => {
  const { calls, written, printed, flush } = recorder();
  const landed = calls.record(start("0193a0b0-0000-7000-8000-000000000002"), () => {
    throw new Error("summary exploded");
  });
  calls.record(start("0193a0b0-0000-7000-8000-000000000003"), completed());
  await landed;
  await flush();
  assert.deepEqual(written.map((row) => row.id), ["0193a0b0-0000-7000-8000-000000000003"]);
  assert.equal(printed.length, 1);
  assert.equal(printed[0].row.id, "0193a0b0-0000-7000-8000-000000000002");
  assert.equal(printed[0].row.status, "failed");
  assert.match(printed[0].reason, /prepare_failed: summary exploded/);
});

Deno.test("CallRecorder reads outcome functions of calls it abandons at shutdown, and prints them whole", () => {
  const { calls, written, printed } = recorder();
  calls.record(start("0193a0b0-0000-7000-8000-000000000004"), completed);
  calls.abandon("worker_shutdown");
  assert.equal(written.length, 0);
  assert.equal(printed.length, 1);
  assert.equal(printed[0].reason, "worker_shutdown");
  assert.equal(printed[0].row.completion_text, "Hello");
});
