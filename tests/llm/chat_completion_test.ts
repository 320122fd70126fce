import assert from "node:assert/strict";
import {
  LLMApiError,
  LLMCancelledError,
  LLMConfigurationError,
  LLMError,
  LLMNetworkError,
  LLMService,
  LLMTimeoutError,
  LLMValidationError,
} from "../../supabase/functions/_shared/llm-service.ts";
import { openServiceHarness, TEST_API_KEY } from "../harness/service.ts";

const messages = [{ role: "system" as const, content: "Be brief." }, {
  role: "user" as const,
  content: "What is the capital of France?",
}];

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  type: new (...a: never[]) => T,
) {
  const error = await promise.then(() => assert.fail("expected a rejection"), (e) => e);
  assert.ok(error instanceof type, `expected ${type.name}, got ${error?.name}: ${error?.message}`);
  return error as T;
}

Deno.test("chatCompletion returns OpenRouter's body unchanged and logs every column", async () => {
  await using h = await openServiceHarness({ siteUrl: "https://app.example", appName: "Example" });
  const request = {
    model: "openai/gpt-4o-mini",
    messages,
    temperature: 0.2,
    max_tokens: 200,
    provider: { order: ["openai"] },
    some_future_field: { kept: true },
  };
  const context = {
    requestId: "req_123",
    edgeFunction: "chat",
    userId: "user_456",
    metadata: { feature: "faq" },
  };
  const completion = await h.service.chatCompletion(request, context);
  const exchange = h.sim.exchanges[0];
  assert.deepEqual(completion, JSON.parse(new TextDecoder().decode(exchange.sentBytes())));

  assert.equal(exchange.request.method, "POST");
  assert.equal(exchange.request.path, "/api/v1/chat/completions");
  assert.equal(exchange.request.headers.get("authorization"), `Bearer ${TEST_API_KEY}`);
  assert.equal(exchange.request.headers.get("content-type"), "application/json");
  assert.equal(exchange.request.headers.get("http-referer"), "https://app.example");
  assert.equal(exchange.request.headers.get("x-openrouter-title"), "Example");
  assert.equal(exchange.request.headers.get("x-title"), "Example");
  assert.deepEqual(exchange.request.json, { ...request, usage: { include: true } });

  await h.service.flush();
  const [row] = await h.rows();
  const usage = completion.usage!;
  assert.deepEqual({ ...row, id: "", created_at: "", completed_at: "", response_time_ms: 0 }, {
    id: "",
    created_at: "",
    completed_at: "",
    request_id: "req_123",
    edge_function: "chat",
    user_id: "user_456",
    method_type: "chat_completion",
    model: "openai/gpt-4o-mini",
    response_model: "openai/gpt-4o-mini",
    provider: "OpenAI",
    generation_id: completion.id,
    status: "completed",
    request_messages: messages,
    request_params: {
      model: "openai/gpt-4o-mini",
      temperature: 0.2,
      max_tokens: 200,
      provider: { order: ["openai"] },
      some_future_field: { kept: true },
      usage: { include: true },
    },
    response_body: completion,
    completion_text: completion.choices[0].message!.content,
    finish_reason: "stop",
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    cached_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: String(usage.cost),
    cost_source: "provider",
    response_time_ms: 0,
    time_to_first_token_ms: null,
    http_status: 200,
    error_type: null,
    error_message: null,
    error_details: null,
    metadata: { feature: "faq" },
  });
  assert.ok(Date.parse(row.completed_at!) >= Date.parse(row.created_at));
  assert.ok(row.response_time_ms! >= 0);
});

Deno.test("a call with only a request, as existing callers write it, works and is logged", async () => {
  await using h = await openServiceHarness();
  const completion = await h.service.chatCompletion({
    model: "openai/gpt-4o-mini",
    messages,
    temperature: 0.7,
  });
  assert.match(completion.choices[0].message!.content!, /capital of France/);
  await h.service.flush();
  const [row] = await h.rows();
  assert.equal(row.status, "completed");
  assert.deepEqual([row.request_id, row.edge_function, row.user_id], [null, null, null]);
  assert.deepEqual(row.metadata, {});
});

Deno.test("the caller's promise resolves before the row is written, with the write already registered", async () => {
  await using h = await openServiceHarness();
  let registeredWhenResolved = -1;
  let rowsWhenResolved = -1;
  await h.service.chatCompletion({ model: "openai/gpt-4o-mini", messages }).then(async () => {
    registeredWhenResolved = h.registered.length;
    rowsWhenResolved = (await h.rows()).length;
  });
  assert.ok(registeredWhenResolved >= 1, "waitUntil was called before the promise resolved");
  assert.equal(rowsWhenResolved, 0, "the row is written after the caller got its result");
  await Promise.all(h.registered);
  assert.equal((await h.rows()).length, 1, "the registered promises settle once the row landed");
});

Deno.test("malformed requests are rejected before any traffic, naming the field, and logged", async (t) => {
  await using h = await openServiceHarness();
  const cases: [string, unknown, string][] = [
    ["no messages", { model: "m" }, "messages"],
    ["empty messages", { model: "m", messages: [] }, "messages"],
    ["a role OpenRouter does not know", {
      model: "m",
      messages: [{ role: "user", content: "a" }, { role: "robot", content: "b" }],
    }, "messages[1].role"],
    ["a tool message without tool_call_id", {
      messages: [{ role: "tool", content: "42" }],
    }, "messages[0].tool_call_id"],
    ["a temperature out of range", { messages, temperature: 3 }, "temperature"],
    ["a max_tokens that is not an integer", { messages, max_tokens: 1.5 }, "max_tokens"],
    ["a request that is not an object", "hello", ""],
    ["stream: true, which needs streamCompletion", { messages, stream: true }, "stream"],
  ];
  for (const [name, request, field] of cases) {
    await t.step(name, async () => {
      const error = await rejection(
        h.service.chatCompletion(request as never),
        LLMValidationError,
      );
      assert.equal(error.field, field);
      assert.equal(error.type, "invalid_request");
      await h.service.flush();
      const row = await h.row(error.logId);
      assert.equal(row?.status, "failed");
      assert.equal(row?.error_type, "invalid_request");
      assert.equal(row?.http_status, null);
      assert.ok(row?.error_message?.includes(field || "request"));
    });
  }
  assert.equal(h.sim.exchanges.length, 0, "nothing was sent");
});

Deno.test("a request that cannot be serialised is a validation error, not a crash", async () => {
  await using h = await openServiceHarness();
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const error = await rejection(
    h.service.chatCompletion({ messages, extra: cyclic, big: 10n } as never),
    LLMValidationError,
  );
  assert.match(error.message, /cannot be serialised as JSON/);
  await h.service.flush();
  const row = await h.row(error.logId);
  assert.equal(row?.status, "failed");
  assert.equal((row?.request_params as Record<string, unknown>).big, "10");
});

Deno.test("a missing API key is a typed error at call time, logged, never a throw at import", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({ apiKey: "" });
  const error = await rejection(service.chatCompletion({ messages }), LLMConfigurationError);
  assert.equal(error.type, "missing_api_key");
  assert.match(error.message, /OPENROUTER_API_KEY/);
  await service.flush();
  assert.equal((await h.row(error.logId))?.error_type, "missing_api_key");
  assert.equal(h.sim.exchanges.length, 0);
});

Deno.test("upstream errors reject with a typed error and log the useful detail", async (t) => {
  await using h = await openServiceHarness();
  const cases = [
    {
      model: "sim/error-400",
      status: 400,
      type: "bad_request",
      code: 400,
      message: /not a valid model/,
    },
    { model: "sim/error-401", status: 401, type: "authentication", code: 401, message: /No auth/ },
    {
      model: "sim/error-402",
      status: 402,
      type: "insufficient_credits",
      code: 402,
      message: /credits/,
    },
    {
      model: "sim/error-403",
      status: 403,
      type: "moderation",
      code: 403,
      message: /reasons: violence/,
    },
    {
      model: "sim/error-404",
      status: 404,
      type: "model_not_found",
      code: 404,
      message: /No endpoints/,
    },
    {
      model: "sim/error-408",
      status: 408,
      type: "upstream_timeout",
      code: 408,
      message: /timed out/,
    },
    {
      model: "sim/error-413",
      status: 413,
      type: "payload_too_large",
      code: 413,
      message: /too large/,
    },
    { model: "sim/error-429", status: 429, type: "rate_limited", code: 429, message: /Rate limit/ },
    { model: "sim/error-500", status: 500, type: "server_error", code: 500, message: /Internal/ },
    {
      model: "sim/error-502",
      status: 502,
      type: "provider_error",
      code: 502,
      message: /Provider returned error; provider: Lambda; raw: upstream connect error/,
    },
    {
      model: "sim/error-503",
      status: 503,
      type: "provider_unavailable",
      code: null,
      message: /No provider is currently available.*availability: capacity_exhausted/,
    },
    {
      model: "sim/error-524",
      status: 524,
      type: "upstream_timeout",
      code: 524,
      message: /too long/,
    },
    {
      model: "sim/error-529",
      status: 529,
      type: "provider_overloaded",
      code: 529,
      message: /Overloaded/,
    },
    {
      model: "sim/error-string-code",
      status: 500,
      type: "server_error",
      code: "server_error",
      message: /had an error/,
    },
    {
      model: "sim/error-raw-json",
      status: 400,
      type: "bad_request",
      code: 400,
      message: /raw: \{"error":\{"message":"max_tokens: 100000 > 8192/,
    },
    {
      model: "sim/error-raw-object",
      status: 502,
      type: "provider_error",
      code: 502,
      message: /provider: Fireworks; raw: \{"error":\{"code":"overloaded"/,
    },
    {
      model: "sim/error-html",
      status: 502,
      type: "provider_error",
      code: null,
      message: /HTTP 502 from OpenRouter \(text\/html.*502 Bad Gateway \| openrouter\.ai/,
    },
    {
      model: "sim/error-text",
      status: 503,
      type: "provider_unavailable",
      code: null,
      message: /upstream connect error/,
    },
  ] as const;
  for (const expected of cases) {
    await t.step(`${expected.model} → ${expected.status} ${expected.type}`, async () => {
      const error = await rejection(
        h.service.chatCompletion({ model: expected.model, messages }, { edgeFunction: "chat" }),
        LLMApiError,
      );
      assert.equal(error.status, expected.status);
      assert.equal(error.type, expected.type);
      assert.equal(error.code, expected.code);
      assert.match(error.message, expected.message);
      await h.service.flush();
      const row = await h.row(error.logId);
      assert.equal(row?.status, "failed");
      assert.equal(row?.http_status, expected.status);
      assert.equal(row?.error_type, expected.type);
      assert.equal(row?.error_message, error.message);
      assert.deepEqual(row?.error_details, error.details);
      assert.equal(row?.model, expected.model);
      assert.equal(row?.edge_function, "chat");
    });
  }
});

Deno.test("Retry-After reaches the caller on rate limits and availability errors", async () => {
  await using h = await openServiceHarness();
  const limited = await rejection(
    h.service.chatCompletion({ model: "sim/error-429", messages }),
    LLMApiError,
  );
  assert.equal(limited.retryAfter, 7);
  const unavailable = await rejection(
    h.service.chatCompletion({ model: "sim/error-503", messages }),
    LLMApiError,
  );
  assert.equal(unavailable.retryAfter, 30);
  assert.deepEqual((unavailable.details as Record<string, unknown>).availability, {
    code: "capacity_exhausted",
    retryable: true,
    retry_after: 30,
    model: "sim/error-503",
  });
});

Deno.test("a 200 whose body carries an error is a failure, judged by the body", async (t) => {
  await using h = await openServiceHarness();
  const cases = [
    {
      model: "sim/error-in-200",
      type: "provider_error",
      message: /provider: Mistral; raw: timeout/,
    },
    {
      model: "sim/choice-error",
      type: "provider_error",
      message: /provider: Novita; raw: model crashed/,
    },
    { model: "sim/garbage-200", type: "invalid_response", message: /not a JSON object.*Hel/ },
    { model: "sim/empty-200", type: "invalid_response", message: /it is empty/ },
  ] as const;
  for (const expected of cases) {
    await t.step(expected.model, async () => {
      const error = await rejection(
        h.service.chatCompletion({ model: expected.model, messages }),
        LLMApiError,
      );
      assert.equal(error.type, expected.type);
      assert.match(error.message, expected.message);
      await h.service.flush();
      const row = await h.row(error.logId);
      assert.equal(row?.status, "failed");
      assert.equal(row?.http_status, 200);
      assert.equal(row?.error_type, expected.type);
    });
  }
});

Deno.test("an unreachable OpenRouter is a network error with no HTTP status", async () => {
  await using h = await openServiceHarness();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const service = h.withOptions({ baseUrl: `http://127.0.0.1:${closedPort}/api/v1` });
  const error = await rejection(service.chatCompletion({ messages }), LLMNetworkError);
  assert.equal(error.type, "network_error");
  assert.match(error.message, /Cannot reach OpenRouter/);
  assert.doesNotMatch(error.message, new RegExp(TEST_API_KEY));
  await service.flush();
  const row = await h.row(error.logId);
  assert.deepEqual([row?.status, row?.http_status, row?.error_type], [
    "failed",
    null,
    "network_error",
  ]);
});

Deno.test("a call that gets no answer times out, is logged, and the connection is closed", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({ timeoutMs: 100 });
  const error = await rejection(
    service.chatCompletion({ model: "sim/hang", messages }),
    LLMTimeoutError,
  );
  assert.equal(error.type, "timeout");
  assert.equal(await h.sim.exchanges[0].ended, "client-closed");
  await service.flush();
  const row = await h.row(error.logId);
  assert.deepEqual([row?.status, row?.error_type, row?.http_status], ["failed", "timeout", null]);
  assert.ok(row!.response_time_ms! >= 100);
});

Deno.test("a call the caller aborts through context.signal is logged as cancelled", async () => {
  await using h = await openServiceHarness();
  const controller = new AbortController();
  const pending = h.service.chatCompletion({ model: "sim/hang", messages }, {
    signal: controller.signal,
  });
  await h.sim.nextExchange();
  controller.abort(new Error("user went away"));
  const error = await rejection(pending, LLMCancelledError);
  assert.match(error.message, /user went away/);
  assert.equal(await h.sim.exchanges[0].ended, "client-closed");
  await h.service.flush();
  const row = await h.row(error.logId);
  assert.deepEqual([row?.status, row?.error_type], ["cancelled", "cancelled"]);
});

Deno.test("a signal aborted before the call sends nothing and logs a cancelled call", async () => {
  await using h = await openServiceHarness();
  const error = await rejection(
    h.service.chatCompletion({ messages }, { signal: AbortSignal.abort() }),
    LLMCancelledError,
  );
  await h.service.flush();
  assert.equal((await h.row(error.logId))?.status, "cancelled");
  assert.equal(h.sim.exchanges.length, 0);
});

Deno.test("cost comes from usage.cost; a provider's 0 is a real 0", async () => {
  await using h = await openServiceHarness();
  const free = await h.service.chatCompletion({
    model: "meta-llama/llama-3.3-8b-instruct:free",
    messages,
  });
  assert.equal(free.usage?.cost, 0);
  await h.service.flush();
  const [row] = await h.rows();
  assert.deepEqual([row.cost_usd, row.cost_source], ["0", "provider"]);
});

Deno.test("without usage.cost the cost is estimated from /models prices, fetched once and off the caller's path", async () => {
  await using h = await openServiceHarness();
  const first = await h.service.chatCompletion({ model: "sim/no-cost", messages });
  const modelsFetchedDuringCall = h.sim.exchanges.filter((e) => e.request.path.endsWith("/models"));
  assert.equal(modelsFetchedDuringCall.length, 0, "the price list is not on the caller's path");
  await h.service.chatCompletion({ model: "sim/no-cost", messages });
  await h.service.flush();
  const rows = await h.rows();
  const usage = first.usage!;
  // sim/* models are priced like openai/gpt-4o-mini: $0.15 and $0.60 per million tokens.
  const expected = (usage.prompt_tokens! * 15 + usage.completion_tokens! * 60) / 1e8;
  assert.equal(Number(rows[0].cost_usd), expected);
  assert.equal(rows[0].cost_source, "estimated");
  assert.equal(h.sim.exchanges.filter((e) => e.request.path.endsWith("/models")).length, 1);
});

Deno.test("unknown usage stays NULL: no made-up zeros", async () => {
  await using h = await openServiceHarness();
  await h.service.chatCompletion({ model: "sim/no-usage", messages });
  await h.service.flush();
  const [row] = await h.rows();
  assert.deepEqual(
    [row.prompt_tokens, row.completion_tokens, row.total_tokens, row.cached_tokens],
    [null, null, null, null],
  );
  assert.deepEqual([row.reasoning_tokens, row.cost_usd, row.cost_source], [null, null, null]);
});

Deno.test("fallback routing logs the requested and the served model", async () => {
  await using h = await openServiceHarness();
  await h.service.chatCompletion({
    models: ["sim/error-503", "anthropic/claude-3.5-sonnet"],
    messages,
  });
  await h.service.flush();
  const [row] = await h.rows();
  assert.equal(row.model, "sim/error-503");
  assert.equal(row.response_model, "anthropic/claude-3.5-sonnet");
  assert.equal(row.provider, "Anthropic");
});

Deno.test("reasoning, cached tokens and tool calls are logged", async () => {
  await using h = await openServiceHarness();
  await h.service.chatCompletion({ model: "sim/reasoning", messages });
  await h.service.chatCompletion({ model: "sim/cached", messages });
  const tools = await h.service.chatCompletion({ model: "sim/tools", messages });
  await h.service.flush();
  const byModel = new Map((await h.rows()).map((row) => [row.model, row]));
  const [reasoning, cached, tool] = ["sim/reasoning", "sim/cached", "sim/tools"].map((model) =>
    byModel.get(model)!
  );
  assert.ok(reasoning.reasoning_tokens! > 0);
  assert.equal(cached.cached_tokens, 6);
  assert.equal(tool.finish_reason, "tool_calls");
  assert.equal(tool.completion_text, null);
  assert.deepEqual(tool.response_body, tools);
});

Deno.test("every LLMError carries status, code, type, details and the row id", async () => {
  await using h = await openServiceHarness();
  const error = await rejection(
    h.service.chatCompletion({ model: "sim/error-502", messages }),
    LLMError,
  );
  assert.equal(error.status, 502);
  assert.equal(error.code, 502);
  assert.equal(error.type, "provider_error");
  assert.deepEqual((error.details as Record<string, unknown>).metadata, {
    raw: "upstream connect error or disconnect/reset before headers. reset reason: overflow",
    provider_name: "Lambda",
  });
  assert.match(error.logId, /^[0-9a-f-]{36}$/);
});

Deno.test("constructing the service reads nothing and sends nothing", () => {
  const service = new LLMService({ fetch: () => assert.fail("no traffic at construction") });
  assert.ok(service instanceof LLMService);
});
