/**
 * What the service's options mean at their edges: an option given as `undefined`, a hook that
 * returns a rejected promise, a delay longer than a timer can wait.
 */
import assert from "node:assert/strict";
import {
  type LLMCallLogRow,
  LLMService,
  type LLMServiceOptions,
} from "../../supabase/functions/_shared/llm-service.ts";

const messages = [{ role: "user" as const, content: "Hello" }];
const answer = { id: "gen-1", choices: [{ message: { role: "assistant", content: "Hi" } }] };

/** A service answering from a stub, writing to memory, with what it wrote and printed. */
function stubService(options: LLMServiceOptions = {}) {
  const written: LLMCallLogRow[] = [];
  const printed: string[] = [];
  const service = new LLMService({
    apiKey: "sk-or-v1-service-options-test",
    fetch: () => Promise.resolve(Response.json(answer)),
    sink: { write: (rows) => Promise.resolve(void written.push(...rows)) },
    fallback: (line) => printed.push(line),
    estimateCosts: false,
    waitUntil: () => {},
    limits: false,
    writer: { batchDelayMs: 1 },
    ...options,
  });
  return { service, written, printed };
}

/** Resolves with the promise's value, or rejects if it takes longer than `ms` (a hang). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

Deno.test("writer options given as undefined mean their defaults: the row is written once", async () => {
  const { service, written, printed } = stubService({
    writer: {
      batchDelayMs: undefined,
      maxBatchRows: undefined,
      maxAttempts: undefined,
      retryDelayMs: undefined,
      maxRetryDelayMs: undefined,
      attemptTimeoutMs: undefined,
      maxQueuedRows: undefined,
      maxConcurrentWrites: undefined,
    },
    timeoutMs: undefined,
    streamIdleTimeoutMs: undefined,
    streamTimeoutMs: undefined,
  });
  await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
  await withinMs(service.flush(), 2_000);
  assert.equal(written.length, 1);
  assert.equal(written[0].status, "completed");
  assert.deepEqual(printed, []);
});

/** Lets a rejection left unhandled surface (Deno fails the test on one) before the test ends. */
const settleRejections = () => new Promise((resolve) => setTimeout(resolve, 20));

Deno.test("an async fallback that rejects is ignored: the call resolves and nothing is left unhandled", async () => {
  let lines = 0;
  const { service } = stubService({
    sink: null, // every row goes to the fallback
    fallback: (_line) => {
      lines++;
      return Promise.reject(new Error("log shipper down")) as unknown as void;
    },
  });
  const reply = await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
  assert.equal(reply.id, "gen-1");
  await withinMs(service.flush(), 2_000);
  await settleRejections();
  assert.equal(lines, 1);
});

Deno.test("an async waitUntil that rejects is ignored: the call resolves and its row is still written", async () => {
  let registered = 0;
  const { service, written } = stubService({
    waitUntil: (_promise) => {
      registered++;
      return Promise.reject(new Error("runtime refuses")) as unknown as void;
    },
  });
  const reply = await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
  assert.equal(reply.id, "gen-1");
  await withinMs(service.flush(), 2_000);
  await settleRejections();
  assert.ok(registered >= 1);
  assert.equal(written.length, 1);
  assert.equal(written[0].status, "completed");
});

/** A stream of three slow events, then `[DONE]`. */
function slowStream(): Response {
  const encoder = new TextEncoder();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (sent++ < 3) {
        controller.enqueue(encoder.encode('data: {"choices":[{"delta":{"content":"A"}}]}\n\n'));
      } else {
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
      }
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

Deno.test("stream timeouts of Infinity mean never: the stream completes with a completed row", async () => {
  for (const timeouts of [{ streamTimeoutMs: Infinity }, { streamIdleTimeoutMs: Infinity }]) {
    const { service, written } = stubService({
      fetch: () => Promise.resolve(slowStream()),
      ...timeouts,
    });
    const response = await service.streamCompletion({ model: "openai/gpt-4o-mini", messages });
    assert.match(await response.text(), /\[DONE\]/);
    await withinMs(service.flush(), 2_000);
    assert.equal(written.length, 1, JSON.stringify(timeouts));
    assert.equal(written[0].status, "completed");
    assert.equal(written[0].completion_text, "AAA");
  }
});

Deno.test("a timeoutMs past what a timer can wait (3e9 ms) is clamped, not fired at once: the call completes", async () => {
  for (const timeoutMs of [3e9, Infinity]) {
    const { service, written } = stubService({
      // Answers after 30 ms unless aborted, as fetch does.
      fetch: (_input: RequestInfo | URL, init?: RequestInit) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(Response.json(answer)), 30);
          init?.signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(init.signal!.reason);
          });
        }),
      timeoutMs,
    });
    const reply = await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
    assert.equal(reply.id, "gen-1");
    await withinMs(service.flush(), 2_000);
    assert.equal(written.length, 1);
    assert.equal(written[0].status, "completed");
  }
});

Deno.test("a negative or NaN delay, or a count below one, is a RangeError naming the option where the service is made", () => {
  const refused: [LLMServiceOptions, RegExp][] = [
    [{ timeoutMs: -1 }, /timeoutMs must be a delay of 0 ms or more, got "-1"/],
    [{ streamIdleTimeoutMs: NaN }, /streamIdleTimeoutMs .* got "NaN"/],
    [{ writer: { attemptTimeoutMs: -5 } }, /attemptTimeoutMs .* got "-5"/],
    [{ writer: { batchDelayMs: NaN } }, /batchDelayMs .* got "NaN"/],
    [{ writer: { maxBatchRows: 0 } }, /maxBatchRows must be a whole number, 1 or more, got "0"/],
    [{ writer: { maxConcurrentWrites: 0.5 } }, /maxConcurrentWrites .* got "0.5"/],
    [{ redactTimeoutMs: -1 }, /redactTimeoutMs .* got "-1"/],
    [{ limits: { cacheMs: -1 } }, /limits.cacheMs .* got "-1"/],
    [{ limits: { maxUsers: 0 } }, /limits.maxUsers must be a whole number, 1 or more, got "0"/],
  ];
  for (const [options, message] of refused) {
    assert.throws(
      () => stubService(options),
      (error) => error instanceof RangeError && message.test(error.message),
    );
  }
});

Deno.test("a delay of 0 means at once: batchDelayMs 0 writes the row without a gathering delay", async () => {
  const { service, written } = stubService({ writer: { batchDelayMs: 0, retryDelayMs: 0 } });
  await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
  await withinMs(service.flush(), 2_000);
  assert.equal(written.length, 1);
});

Deno.test("an async redact hook that never settles is abandoned after redactTimeoutMs: the row is stored without its content and flush resolves", async () => {
  const { service, written, printed } = stubService({
    redact: () => new Promise(() => {}), // a PII service that never answers
    redactTimeoutMs: 50,
  });
  const reply = await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
  assert.equal(reply.id, "gen-1");
  await withinMs(service.flush(), 2_000);
  assert.equal(written.length, 1);
  const [row] = written;
  assert.equal(row.status, "completed");
  assert.deepEqual(row.request_messages, []);
  assert.equal(row.completion_text, null);
  assert.equal(row.response_body, null);
  assert.deepEqual(row.metadata, { redact_error: "the redact hook did not finish within 50 ms" });
  assert.deepEqual(printed, []);
});

Deno.test("an async redact hook that finishes within redactTimeoutMs is used as it is", async () => {
  const { service, written } = stubService({
    redact: async (row) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { ...row, completion_text: "[redacted]" };
    },
    redactTimeoutMs: 1_000,
  });
  await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
  await withinMs(service.flush(), 2_000);
  assert.equal(written[0].completion_text, "[redacted]");
  assert.equal((written[0].metadata as Record<string, unknown>).redact_error, undefined);
});
