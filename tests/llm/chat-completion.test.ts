import assert from "node:assert/strict";
import {
  LLMCancelledError,
  LLMConfigurationError,
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
  // Long enough for the request to reach the simulator on a loaded machine, whose exchange we check.
  const service = h.withOptions({ timeoutMs: 1_000 });
  const error = await rejection(
    service.chatCompletion({ model: "sim/hang", messages }),
    LLMTimeoutError,
  );
  assert.equal(error.type, "timeout");
  assert.equal(await h.sim.exchanges[0].ended, "client-closed");
  await service.flush();
  const row = await h.row(error.logId);
  assert.deepEqual([row?.status, row?.error_type, row?.http_status], ["failed", "timeout", null]);
  assert.ok(row!.response_time_ms! >= 1_000);
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

Deno.test("constructing the service reads nothing and sends nothing", () => {
  const service = new LLMService({ fetch: () => assert.fail("no traffic at construction") });
  assert.ok(service instanceof LLMService);
});
