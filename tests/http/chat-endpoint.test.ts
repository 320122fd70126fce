import assert from "node:assert/strict";
import { createCallerIdentifier } from "../../supabase/functions/_shared/http/caller.ts";
import { createChatHandler } from "../../supabase/functions/_shared/http/chat-endpoint.ts";
import {
  type ChatCompletion,
  LLMApiError,
  type LLMCallContext,
  LLMConfigurationError,
  LLMValidationError,
} from "../../supabase/functions/_shared/llm-service.ts";
import { openServiceHarness } from "../harness/service.ts";

const completion: ChatCompletion = {
  id: "gen-1",
  model: "openai/gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }],
};

/** A service stand-in that records what it was asked and answers as told. */
function fakeService(answer: () => Promise<ChatCompletion | Response>) {
  const calls: { request: Record<string, unknown>; context: LLMCallContext }[] = [];
  return {
    calls,
    service: {
      chatCompletion: async (request: Record<string, unknown>, context?: LLMCallContext) => {
        calls.push({ request, context: context! });
        return await answer() as ChatCompletion;
      },
      streamCompletion: async (request: Record<string, unknown>, context?: LLMCallContext) => {
        calls.push({ request, context: context! });
        return await answer() as Response;
      },
    },
  };
}

const post = (body: string, headers: Record<string, string> = {}) =>
  new Request("http://localhost/functions/v1/chat", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

const noAuth = createCallerIdentifier({ verify: null });

/** The non-streaming handler over a service stand-in, with JWT checks off. */
const chatHandler = (service: ReturnType<typeof fakeService>["service"]) =>
  createChatHandler({ edgeFunction: "chat", stream: false, service, identify: noAuth });

Deno.test("the chat handler passes the request and the caller's context to the service", async () => {
  const { service, calls } = fakeService(() => Promise.resolve(completion));
  const handler = chatHandler(service);
  const response = await handler(post(
    JSON.stringify({ messages: [{ role: "user", content: "Hi" }], temperature: 0.3 }),
    { "x-request-id": "req_42" },
  ));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), completion);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(response.headers.get("x-request-id"), "req_42");
  assert.deepEqual(calls[0].request, {
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0.3,
    model: "openai/gpt-4o-mini",
  });
  assert.equal(calls[0].context.requestId, "req_42");
  assert.equal(calls[0].context.edgeFunction, "chat");
  assert.ok(calls[0].context.signal instanceof AbortSignal);
});

Deno.test("the chat handler answers CORS preflight and refuses other methods", async () => {
  const { service } = fakeService(() => Promise.resolve(completion));
  const handler = chatHandler(service);
  const preflight = await handler(new Request("http://localhost/", { method: "OPTIONS" }));
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get("access-control-allow-headers")!, /authorization/);
  const get = await handler(new Request("http://localhost/"));
  assert.equal(get.status, 405);
});

Deno.test("every body that reaches the chat function is logged the same way, malformed or not", async () => {
  await using harness = await openServiceHarness();
  for (const stream of [false, true]) {
    const handler = createChatHandler({
      edgeFunction: stream ? "chat-stream" : "chat",
      stream,
      service: harness.service,
      identify: noAuth,
    });
    for (
      const [body, type] of [
        ["{oops", "invalid_json"],
        ["", "invalid_json"],
        ["[1]", "invalid_request"],
        ["null", "invalid_request"],
        ["{}", "invalid_request"],
        [`{"messages":"hi"}`, "invalid_request"],
        [`{"messages":[]}`, "invalid_request"],
      ]
    ) {
      const response = await handler(post(body));
      assert.equal(response.status, 400, body);
      const answer = await response.json();
      assert.equal(answer.error.type, type, body);
      await harness.service.flush();
      const row = await harness.row(answer.error.log_id);
      assert.ok(row, `no row for ${JSON.stringify(body)} (stream: ${stream})`);
      assert.equal(row.status, "failed");
      assert.equal(row.error_type, "invalid_request");
      assert.equal(row.edge_function, stream ? "chat-stream" : "chat");
      assert.equal(row.method_type, stream ? "stream_completion" : "chat_completion");
    }
  }
  assert.equal(harness.sim.exchanges.length, 0, "a malformed request was sent upstream");
});

Deno.test("the chat handler refuses an oversized body with a 413 before the service", async () => {
  const { service, calls } = fakeService(() => Promise.resolve(completion));
  const huge = await createChatHandler({
    edgeFunction: "chat",
    stream: false,
    service,
    identify: noAuth,
    maxBodyBytes: 10,
  })(post(JSON.stringify({ messages: [{ role: "user", content: "far too long" }] })));
  assert.equal(huge.status, 413);
  assert.equal(calls.length, 0);
});

Deno.test("a chunked body past the limit is refused with a 413 once the limit is passed, counted in bytes", async () => {
  const { service, calls } = fakeService(() => Promise.resolve(completion));
  const handler = createChatHandler({
    edgeFunction: "chat",
    stream: false,
    service,
    identify: noAuth,
    maxBodyBytes: 1_000_000,
  });
  // 30 MB offered in 64 KiB pieces with no content-length: reading stops soon after 1 MB.
  let pulled = 0;
  const piece = new Uint8Array(65_536).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++pulled > 480) controller.close();
      else controller.enqueue(piece);
    },
  });
  const chunked = await handler(new Request("http://x/", { method: "POST", body }));
  assert.equal(chunked.status, 413);
  assert.ok(pulled < 40, `read ${pulled} pieces of 64 KiB`);
  // 400,000 characters of three bytes each: 1.2 MB, over the limit though under it in length.
  const euros = JSON.stringify({ messages: [{ role: "user", content: "€".repeat(400_000) }] });
  const wide = await handler(
    new Request("http://x/", {
      method: "POST",
      body: new Blob([euros]).stream(),
    }),
  );
  assert.equal(wide.status, 413);
  assert.equal(calls.length, 0);
});

Deno.test("LLM errors map to sensible statuses without leaking account details or stacks", async () => {
  const cases: [Error, number, string][] = [
    [
      new LLMValidationError("Invalid request: messages: …", { logId: "l1", issues: [] }),
      400,
      "invalid_request",
    ],
    [
      new LLMApiError("Rate limit exceeded", {
        type: "rate_limited",
        status: 429,
        logId: "l2",
        retryAfter: 7,
      }),
      429,
      "rate_limited",
    ],
    [
      new LLMApiError("User not found.", { type: "authentication", status: 401, logId: "l3" }),
      502,
      "authentication",
    ],
    [
      new LLMConfigurationError("Missing OpenRouter API key: set …", {
        type: "missing_api_key",
        logId: "l4",
      }),
      500,
      "missing_api_key",
    ],
    [new TypeError("a bug with a stack"), 500, "internal_error"],
  ];
  const originalError = console.error;
  console.error = () => {};
  try {
    for (const [error, status, type] of cases) {
      const { service } = fakeService(() => Promise.reject(error));
      const handler = chatHandler(service);
      const response = await handler(
        post(JSON.stringify({ messages: [{ role: "user", content: "x" }] })),
      );
      const text = await response.text();
      assert.equal(response.status, status, type);
      assert.equal(JSON.parse(text).error.type, type);
      assert.doesNotMatch(text, /stack|at file:|User not found|OPENROUTER_API_KEY/);
      if (status === 429) assert.equal(response.headers.get("retry-after"), "7");
    }
  } finally {
    console.error = originalError;
  }
});

Deno.test("the stream handler returns the service's SSE response with CORS headers, body untouched", async () => {
  const sse = 'data: {"choices":[]}\n\ndata: [DONE]\n\n';
  const { service, calls } = fakeService(() =>
    Promise.resolve(
      new Response(sse, { headers: { "content-type": "text/event-stream", "x-llm-log-id": "l9" } }),
    )
  );
  const handler = createChatHandler({
    edgeFunction: "chat-stream",
    stream: true,
    service,
    identify: noAuth,
  });
  const response = await handler(
    post(JSON.stringify({ messages: [{ role: "user", content: "x" }] })),
  );
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("x-llm-log-id"), "l9");
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(await response.text(), sse);
  assert.equal(calls[0].context.edgeFunction, "chat-stream");
});

Deno.test("the caller's user id comes from a verified JWT; a bad token is a 401, no token is anonymous", async () => {
  const base64url = (text: string) =>
    btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const jwt = (sub: string) => `eyJhbGciOiJFUzI1NiJ9.${base64url(JSON.stringify({ sub }))}.c2ln`;
  const identify = createCallerIdentifier({
    verify: (token) => {
      if (token.includes("c2ln")) return Promise.resolve(token === jwt("user-1") ? "user-1" : null);
      return Promise.reject(new Error("unreachable"));
    },
  });
  assert.deepEqual(
    await identify(post("{}", { authorization: `Bearer ${jwt("user-1")}`, "x-request-id": "r1" })),
    { requestId: "r1", userId: "user-1" },
  );
  assert.equal(
    (await identify(post("{}", { authorization: `Bearer ${jwt("anon")}` }))).userId,
    undefined,
  );
  assert.equal(
    (await identify(post("{}", { authorization: "Bearer sb_publishable_abc" }))).userId,
    undefined,
  );
  assert.match((await identify(post("{}"))).requestId, /^[0-9a-f-]{36}$/);

  const { InvalidTokenError } = await import("../../supabase/functions/_shared/http/caller.ts");
  const rejecting = createCallerIdentifier({
    verify: () => Promise.reject(new InvalidTokenError("JWT expired")),
  });
  const { service, calls } = fakeService(() => Promise.resolve(completion));
  const handler = createChatHandler({
    edgeFunction: "chat",
    stream: false,
    service,
    identify: rejecting,
  });
  const response = await handler(post("{}", { authorization: `Bearer ${jwt("x")}` }));
  assert.equal(response.status, 401);
  assert.equal((await response.json()).error.type, "invalid_token");
  assert.equal(calls.length, 0);
});
