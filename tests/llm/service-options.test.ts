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
