import assert from "node:assert/strict";
import {
  LLMApiError,
  LLMCancelledError,
  LLMError,
  LLMNetworkError,
  LLMTimeoutError,
} from "../../supabase/functions/_shared/llm/errors.ts";
import { OpenRouterClient } from "../../supabase/functions/_shared/llm/openrouter-client.ts";

const API_KEY = "sk-or-v1-client-test-key-0123456789";
const LOG_ID = "0193a0b0-0000-7000-8000-0000000000c1";

/** A client whose every request is answered by `answer`. */
function client(answer: typeof fetch, timeoutMs = 5_000): OpenRouterClient {
  return new OpenRouterClient({
    baseUrl: "http://openrouter.test/api/v1",
    apiKey: API_KEY,
    fetch: answer,
    headers: {},
    timeoutMs,
  });
}

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<LLMError> {
  const error = await promise.then(() => null, (error) => error);
  assert.ok(error instanceof LLMError, `expected an LLMError, got ${error}`);
  return error;
}

/** A fetch that never answers, but gives up when its signal aborts. */
const hanging: typeof fetch = (_input: RequestInfo | URL, init?: RequestInit) =>
  new Promise((_, reject) => {
    init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
  });

Deno.test("a completion comes back with its status, text and generation id", async () => {
  const body = { id: "gen-1", choices: [{ message: { role: "assistant", content: "Hi" } }] };
  const text = JSON.stringify(body);
  const completion = await client(() =>
    Promise.resolve(new Response(text, { headers: { "x-generation-id": "gen-1" } }))
  ).complete({ body: "{}", logId: LOG_ID });
  assert.equal(completion.status, 200);
  assert.equal(completion.text, text);
  assert.deepEqual(completion.body, body);
  assert.equal(completion.generationId, "gen-1");
});

Deno.test("a 429 is one LLMApiError with the response, the generation id and when to retry", async () => {
  const body = { error: { code: 429, message: `Rate limited for ${API_KEY}` } };
  const headers = { "retry-after": "7", "x-generation-id": "gen-429" };
  const error = await rejection(
    client(() => Promise.resolve(Response.json(body, { status: 429, headers }))).complete({
      body: "{}",
      logId: LOG_ID,
    }),
  );
  assert.ok(error instanceof LLMApiError);
  assert.equal(error.type, "rate_limited");
  assert.equal(error.logId, LOG_ID);
  assert.equal(error.httpStatus, 429);
  assert.equal(error.generationId, "gen-429");
  assert.equal(error.retryAfter, 7);
  assert.equal(error.retryable, true);
  assert.deepEqual(error.responseBody, {
    error: { code: 429, message: "Rate limited for [redacted: api key]" },
  });
  assert.ok(!error.message.includes(API_KEY), "the key is masked in the message");
});

Deno.test("a 200 carrying an error keeps HTTP 200 apart from the error's own status", async () => {
  const body = { error: { code: 402, message: "Insufficient credits" } };
  const error = await rejection(
    client(() => Promise.resolve(Response.json(body))).complete({ body: "{}", logId: LOG_ID }),
  );
  assert.equal(error.httpStatus, 200);
  assert.equal(error.status, 402);
  assert.equal(error.type, "insufficient_credits");
  assert.equal(error.retryable, false);
});

Deno.test("a fetch that throws at once becomes a network error, not a raw throw", async () => {
  const error = await rejection(
    client(() => {
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    }).complete({ body: "{}", logId: LOG_ID }),
  );
  assert.ok(error instanceof LLMNetworkError);
  assert.equal(
    error.details && (error.details as { network_reason: string }).network_reason,
    "connection_refused",
  );
  assert.equal(error.retryable, true);
});

Deno.test("no answer within timeoutMs is a retryable LLMTimeoutError", async () => {
  const error = await rejection(client(hanging, 10).complete({ body: "{}", logId: LOG_ID }));
  assert.ok(error instanceof LLMTimeoutError);
  assert.equal(error.httpStatus, null);
  assert.equal(error.retryable, true);
});

Deno.test("the caller's abort is an LLMCancelledError that is not worth retrying", async () => {
  const controller = new AbortController();
  const pending = client(hanging).stream({ body: "{}", logId: LOG_ID, signal: controller.signal });
  controller.abort(new Error("client went away"));
  const error = await rejection(pending);
  assert.ok(error instanceof LLMCancelledError);
  assert.match(error.message, /client went away/);
  assert.equal(error.retryable, false);
});

Deno.test("a stream request answered with JSON is an invalid response holding that body", async () => {
  const completion = { id: "gen-2", choices: [] };
  const error = await rejection(
    client(() => Promise.resolve(Response.json(completion))).stream({ body: "{}", logId: LOG_ID }),
  );
  assert.equal(error.type, "invalid_response");
  assert.equal(error.httpStatus, 200);
  assert.deepEqual(error.responseBody, completion);
  assert.equal(error.retryable, false);
});

Deno.test("a started event stream is handed over unread, with a way to abort it", async () => {
  let aborted: unknown = null;
  const started = await client((_input: RequestInfo | URL, init?: RequestInit) => {
    init?.signal?.addEventListener("abort", () => aborted = init.signal!.reason);
    return Promise.resolve(
      new Response("data: [DONE]\n\n", { headers: { "content-type": "text/event-stream" } }),
    );
  }).stream({ body: "{}", logId: LOG_ID });
  assert.equal(await started.response.text(), "data: [DONE]\n\n");
  started.abort("done with it");
  assert.equal(aborted, "done with it");
});
