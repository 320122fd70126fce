import assert from "node:assert/strict";
import { LLMError } from "../../supabase/functions/_shared/llm/errors.ts";
import * as read from "../../supabase/functions/_shared/llm/read-completion.ts";

const CALLER = { logId: "0193a0b0-0000-7000-8000-000000000001", apiKey: "sk-or-v1-read-test-key" };

/** The completion, or the error with the body its row keeps. */
function readCompletion(status: number, headers: Headers, text: string) {
  const result = read.readCompletion(status, headers, text, CALLER);
  return result instanceof LLMError
    ? { ok: false as const, body: result.responseBody, error: result }
    : { ok: true as const, body: result };
}

function readStreamRefusal(status: number, headers: Headers, text: string) {
  return read.readStreamRefusal(status, headers, text, CALLER);
}

const JSON_HEADERS = new Headers({ "content-type": "application/json" });

/** A non-streaming completion as OpenRouter returns it. */
const COMPLETION = {
  id: "gen-1764158400-AbCdEfGhIjKlMnOpQrSt",
  provider: "OpenAI",
  model: "openai/gpt-4o-mini",
  object: "chat.completion",
  created: 1764158400,
  choices: [{
    logprobs: null,
    finish_reason: "stop",
    native_finish_reason: "stop",
    index: 0,
    message: { role: "assistant", content: "Hello!", refusal: null, reasoning: null },
  }],
  usage: {
    prompt_tokens: 9,
    completion_tokens: 3,
    total_tokens: 12,
    cost: 0.0000031,
    is_byok: false,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
};

Deno.test("readCompletion passes a normal completion through unchanged", () => {
  const text = JSON.stringify(COMPLETION);
  const reading = readCompletion(200, JSON_HEADERS, text);
  assert.equal(reading.ok, true);
  assert.deepEqual(reading.body, COMPLETION);
  assert.equal(JSON.stringify(reading.body), text, "same keys, same order, nothing added");
});

Deno.test("readCompletion passes a tool-call completion with null content through", () => {
  const body = {
    ...COMPLETION,
    choices: [{
      index: 0,
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"location":"Paris"}' },
        }],
      },
    }],
  };
  const reading = readCompletion(200, JSON_HEADERS, JSON.stringify(body));
  assert.equal(reading.ok, true);
  assert.deepEqual(reading.body, body);
});

Deno.test("readCompletion fails a 200 whose body is a top-level error, with the status from its code", () => {
  const body = {
    error: { code: 429, message: "Rate limit exceeded", metadata: { provider_name: "Groq" } },
    user_id: "user_2abc",
  };
  const reading = readCompletion(200, new Headers({ "retry-after": "7" }), JSON.stringify(body));
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.deepEqual(reading.body, body);
  assert.equal(reading.error.status, 429);
  assert.equal(reading.error.code, 429);
  assert.equal(reading.error.type, "rate_limited");
  assert.match(reading.error.message, /Rate limit exceeded/);
  assert.match(reading.error.message, /Groq/);
  assert.equal(reading.error.retryAfter, 7);
});

Deno.test("readCompletion fails a 200 whose top-level error has a string code", () => {
  const reading = readCompletion(
    200,
    JSON_HEADERS,
    JSON.stringify({ error: { code: "server_error", message: "Upstream failed" } }),
  );
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.equal(reading.error.code, "server_error");
  assert.equal(reading.error.status, null, "a 200 is not the error's status");
  assert.match(reading.error.message, /Upstream failed/);
});

Deno.test("readCompletion fails a 200 whose first choice carries an error and finish_reason error", () => {
  const body = {
    ...COMPLETION,
    choices: [{
      index: 0,
      finish_reason: "error",
      native_finish_reason: null,
      message: { role: "assistant", content: "" },
      error: {
        code: 502,
        message: "Provider returned error",
        metadata: { provider_name: "Together", raw: '{"error":"model crashed"}' },
      },
    }],
  };
  const reading = readCompletion(200, JSON_HEADERS, JSON.stringify(body));
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.deepEqual(reading.body, body);
  assert.equal(reading.error.status, 502);
  assert.equal(reading.error.type, "provider_error");
  assert.match(reading.error.message, /Together/);
  assert.match(reading.error.message, /model crashed/);
});

Deno.test("readCompletion fails a 200 whose first choice finished with error but has no error object", () => {
  const body = {
    ...COMPLETION,
    choices: [{ index: 0, finish_reason: "error", message: { role: "assistant", content: "" } }],
  };
  const reading = readCompletion(200, JSON_HEADERS, JSON.stringify(body));
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.match(reading.error.message, /finish_reason "error"/);
  assert.equal(reading.error.status, null);
});

Deno.test("readCompletion fails a 200 whose first choice carries an error even without finish_reason error", () => {
  const body = {
    ...COMPLETION,
    choices: [{ index: 0, finish_reason: null, error: { code: 500, message: "Oops" } }],
  };
  const reading = readCompletion(200, JSON_HEADERS, JSON.stringify(body));
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.equal(reading.error.status, 500);
});

Deno.test("readCompletion calls a truncated JSON 200 an invalid response and keeps its start", () => {
  const text = JSON.stringify(COMPLETION).slice(0, 80);
  const reading = readCompletion(200, JSON_HEADERS, text);
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.equal(reading.body, null);
  assert.equal(reading.error.type, "invalid_response");
  assert.match(reading.error.message, /HTTP 200/);
  assert.match(reading.error.message, /application\/json/);
  assert.match(reading.error.message, /gen-1764158400/);
  assert.deepEqual(reading.error.details, {
    content_type: "application/json",
    body: text,
    length: text.length,
  });
});

Deno.test("readCompletion calls an empty 200 an invalid response that says it is empty", () => {
  for (const text of ["", "  \n"]) {
    const reading = readCompletion(200, new Headers(), text);
    assert.equal(reading.ok, false);
    if (reading.ok) return;
    assert.equal(reading.error.type, "invalid_response");
    assert.match(reading.error.message, /empty/);
  }
});

Deno.test("readCompletion calls JSON that is not an object an invalid response", () => {
  for (const text of ["null", "[]", '"ok"', "42"]) {
    const reading = readCompletion(200, JSON_HEADERS, text);
    assert.equal(reading.ok, false, text);
    if (reading.ok) return;
    assert.equal(reading.error.type, "invalid_response", text);
  }
});

Deno.test("readCompletion calls a JSON object without choices an invalid response", () => {
  const body = { id: "gen-1", model: "openai/gpt-4o-mini", object: "chat.completion" };
  const reading = readCompletion(200, JSON_HEADERS, JSON.stringify(body));
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.deepEqual(reading.body, body);
  assert.equal(reading.error.type, "invalid_response");
  assert.match(reading.error.message, /no choices/);
});

Deno.test("readCompletion describes a non-2xx response from its status, even with a completion-like body", () => {
  const body = { error: { code: 401, message: "User not found." } };
  const reading = readCompletion(401, JSON_HEADERS, JSON.stringify(body));
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.deepEqual(reading.body, body);
  assert.equal(reading.error.type, "authentication");
  assert.equal(reading.error.status, 401);
  assert.equal(reading.error.message, "User not found.");
});

Deno.test("readCompletion keeps a null body for a non-2xx response that is not JSON", () => {
  const reading = readCompletion(
    502,
    new Headers({ "content-type": "text/html" }),
    "<h1>Bad Gateway</h1>",
  );
  assert.equal(reading.ok, false);
  if (reading.ok) return;
  assert.equal(reading.body, null);
  assert.equal(reading.error.status, 502);
  assert.match(reading.error.message, /Bad Gateway/);
});

Deno.test("readStreamRefusal describes an error status as an upstream error", () => {
  const error = readStreamRefusal(
    429,
    new Headers({ ...Object.fromEntries(JSON_HEADERS), "retry-after": "3" }),
    JSON.stringify({ error: { code: 429, message: "Rate limited" } }),
  );
  assert.equal(error.type, "rate_limited");
  assert.equal(error.status, 429);
  assert.equal(error.retryAfter, 3);
});

Deno.test("readStreamRefusal describes a 200 error body by that error", () => {
  const error = readStreamRefusal(
    200,
    JSON_HEADERS,
    JSON.stringify({ error: { code: 402, message: "Insufficient credits" } }),
  );
  assert.equal(error.type, "insufficient_credits");
  assert.equal(error.status, 402);
});

Deno.test("readStreamRefusal calls a plain completion answering a stream request an invalid response", () => {
  const error = readStreamRefusal(200, JSON_HEADERS, JSON.stringify(COMPLETION));
  assert.equal(error.type, "invalid_response");
  assert.match(error.message, /application\/json instead of text\/event-stream/);
  assert.deepEqual(error.details, {
    content_type: "application/json",
    body: JSON.stringify(COMPLETION).slice(0, 500),
  });
});
