import assert from "node:assert/strict";
import {
  CATALOGUE,
  DEFAULT_LONG_CHUNKS,
  type Exchange,
  loadTranscript,
  MULTI_BYTE_TEXT,
  type OpenRouterSimulator,
  replayTranscript,
  sseResponse,
  startOpenRouterSimulator,
} from "../../tools/openrouter-simulator/mod.ts";

const KEY = "sk-or-v1-simulator-test";
const messages = [{ role: "user", content: "Tell me something about Postgres." }];
const decoder = new TextDecoder();
const FIXTURES = new URL("../fixtures/openrouter/", import.meta.url);

/** POSTs a chat request with a valid key. */
function chat(
  sim: OpenRouterSimulator,
  body: Record<string, unknown>,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${sim.url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ messages, ...body }),
    ...init,
  });
}

/** The `data:` payloads of an event stream (comments and blank lines left out). */
function dataLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.startsWith("data: ")).map((l) => l.slice(6));
}

/** The parsed JSON events of an event stream, without `[DONE]`. */
// deno-lint-ignore no-explicit-any
function events(text: string): any[] {
  return dataLines(text).filter((d) => d !== "[DONE]").map((d) => JSON.parse(d));
}

/** Milliseconds until `exchange.ended` settles, and how it ended. */
async function timeToEnd(exchange: Exchange, since: number) {
  const end = await exchange.ended;
  return { end, ms: performance.now() - since };
}

/**
 * Checks that `response` is fixture `<name>.json` (status, headers, body) or, for a stream,
 * `<name>.sse` byte for byte, and returns the body's text.
 */
async function sentAsFixture(response: Response, name: string): Promise<{ text: string }> {
  const body = new Uint8Array(await response.arrayBuffer());
  const text = decoder.decode(body);
  if (response.headers.get("content-type") === "text/event-stream") {
    assert.deepEqual(body, await Deno.readFile(new URL(`${name}.sse`, FIXTURES)), name);
    return { text };
  }
  const fixture = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, FIXTURES)));
  assert.equal(response.status, fixture.status, name);
  for (const [header, value] of Object.entries(fixture.headers)) {
    assert.equal(response.headers.get(header), value, `${name}: ${header}`);
  }
  assert.equal(text, "text" in fixture ? fixture.text : JSON.stringify(fixture.body), name);
  return { text };
}

/** Exact decimal arithmetic written independently of the simulator: Σ tokens × price. */
function decimalCost(pairs: [number, string][]): string {
  const scale = 20;
  let total = 0n;
  for (const [count, price] of pairs) {
    const [whole, fraction = ""] = price.split(".");
    total += BigInt(whole + fraction.padEnd(scale, "0")) * BigInt(count);
  }
  const digits = total.toString().padStart(scale + 1, "0");
  const fraction = digits.slice(-scale).replace(/0+$/, "");
  return digits.slice(0, -scale) + (fraction ? `.${fraction}` : "");
}

Deno.test("a completion has OpenRouter's body shape, and its id is also the X-Generation-Id header", async () => {
  await using sim = await startOpenRouterSimulator();
  const response = await chat(sim, { model: "anthropic/claude-3.5-sonnet" });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^application\/json/);
  const body = await response.json();
  assert.match(body.id, /^gen-\d{10}-[A-Za-z0-9]{20}$/);
  assert.equal(response.headers.get("x-generation-id"), body.id);
  assert.deepEqual(
    [body.object, body.model, body.provider],
    ["chat.completion", "anthropic/claude-3.5-sonnet", "Anthropic"],
  );
  assert.equal(typeof body.created, "number");
  const [choice] = body.choices;
  assert.deepEqual(Object.keys(choice).sort(), [
    "finish_reason",
    "index",
    "logprobs",
    "message",
    "native_finish_reason",
  ]);
  assert.deepEqual([choice.index, choice.logprobs, choice.finish_reason], [0, null, "stop"]);
  assert.equal(choice.native_finish_reason, "stop");
  assert.deepEqual([choice.message.role, choice.message.refusal, choice.message.reasoning], [
    "assistant",
    null,
    null,
  ]);
  assert.match(choice.message.content, /^Simulated reply to: Tell me something about Postgres\./);
  const { usage } = body;
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.deepEqual(
    [
      usage.is_byok,
      usage.prompt_tokens_details,
      usage.cost_details,
      usage.completion_tokens_details,
    ],
    [false, { cached_tokens: 0 }, { upstream_inference_cost: null }, { reasoning_tokens: 0 }],
  );
  assert.equal(typeof usage.cost, "number");
  assert.equal(sim.exchanges.length, 1);
  assert.deepEqual(JSON.parse(decoder.decode(sim.exchanges[0].sentBytes())), body);
  assert.equal(await sim.exchanges[0].ended, "completed");
});

Deno.test("usage.cost is exactly prompt and completion tokens times the /models prices", async () => {
  await using sim = await startOpenRouterSimulator();
  const listed = (await (await fetch(`${sim.url}/models`)).json()).data;
  assert.ok(listed.length >= 7);
  for (const model of listed) {
    for (const price of Object.values(model.pricing)) assert.match(String(price), /^\d+(\.\d+)?$/);
  }
  const prices = new Map(listed.map((m: { id: string; pricing: unknown }) => [m.id, m.pricing]));
  const cases = [
    "openai/gpt-4o-mini",
    "openai/gpt-4o",
    "anthropic/claude-3.5-sonnet",
    "deepseek/deepseek-r1",
    "meta-llama/llama-3.3-8b-instruct:free",
  ];
  for (const model of cases) {
    const { usage } = await (await chat(sim, { model })).json();
    const pricing = prices.get(model) as { prompt: string; completion: string };
    const expected = decimalCost([
      [usage.prompt_tokens, pricing.prompt],
      [usage.completion_tokens, pricing.completion],
    ]);
    assert.equal(usage.cost, Number(expected), `${model}: ${usage.cost} ≠ ${expected}`);
  }
  const free = await (await chat(sim, { model: "sim/free:free" })).json();
  assert.equal(free.usage.cost, 0);
  const unknown = await (await chat(sim, { model: "someone/unlisted-model" })).json();
  const mini = prices.get("openai/gpt-4o-mini") as { prompt: string; completion: string };
  assert.equal(
    unknown.usage.cost,
    Number(decimalCost([[unknown.usage.prompt_tokens, mini.prompt], [
      unknown.usage.completion_tokens,
      mini.completion,
    ]])),
    "an unlisted model is priced like openai/gpt-4o-mini",
  );
  assert.ok(!listed.some((m: { id: string }) => m.id === "someone/unlisted-model"));
});

Deno.test("max_tokens cuts the reply short with finish_reason length", async () => {
  await using sim = await startOpenRouterSimulator();
  const body = await (await chat(sim, { max_tokens: 3 })).json();
  assert.equal(body.choices[0].finish_reason, "length");
  assert.ok(body.usage.completion_tokens <= 3);
  assert.ok(body.choices[0].message.content.length <= 12);
});

Deno.test("without model the first of models serves; sim/fallback is served by the second entry", async () => {
  await using sim = await startOpenRouterSimulator();
  const first = await (await chat(sim, { models: ["google/gemini-2.0-flash-001"] })).json();
  assert.deepEqual([first.model, first.provider], [
    "google/gemini-2.0-flash-001",
    "Google AI Studio",
  ]);
  const fallback = await (await chat(sim, {
    model: "sim/fallback",
    models: ["openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet"],
  })).json();
  assert.deepEqual([fallback.model, fallback.provider], [
    "anthropic/claude-3.5-sonnet",
    "Anthropic",
  ]);
  const failing = await (await chat(sim, {
    models: ["sim/error-503", "meta-llama/llama-3.3-70b-instruct"],
  })).json();
  assert.deepEqual([failing.model, failing.provider], [
    "meta-llama/llama-3.3-70b-instruct",
    "Groq",
  ]);
  const none = await (await chat(sim, {})).json();
  assert.equal(none.model, "openai/gpt-4o-mini");
});

Deno.test("a stream's recorded bytes are exactly what a fetch client read, in OpenRouter's layout", async () => {
  await using sim = await startOpenRouterSimulator();
  const response = await chat(sim, { model: "openai/gpt-4o-mini", stream: true });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const received = new Uint8Array(await response.arrayBuffer());
  const [exchange] = sim.exchanges;
  assert.deepEqual(exchange.sentBytes(), received);
  assert.equal(await exchange.ended, "completed");
  const text = decoder.decode(received);
  assert.ok(text.startsWith(": OPENROUTER PROCESSING\n\ndata: "));
  assert.ok(text.endsWith("\n\ndata: [DONE]\n\n"));
  assert.ok(!text.includes("\r"));
  const chunks = events(text);
  const id = response.headers.get("x-generation-id");
  for (const chunk of chunks) {
    assert.deepEqual(
      [chunk.id, chunk.object, chunk.model, chunk.provider],
      [id, "chat.completion.chunk", "openai/gpt-4o-mini", "OpenAI"],
    );
  }
  const usageChunk = chunks.at(-1);
  assert.deepEqual(usageChunk.choices, []);
  assert.equal(usageChunk.usage.total_tokens > 0, true);
  const finish = chunks.at(-2).choices[0];
  assert.deepEqual([finish.finish_reason, finish.delta.content], ["stop", ""]);
  const content = chunks.slice(0, -2).map((c) => c.choices[0]);
  assert.ok(content.every((c) => c.finish_reason === null && c.delta.role === "assistant"));
  assert.match(content.map((c) => c.delta.content).join(""), /^Simulated reply to: Tell me/);
});

Deno.test("ended resolves client-closed promptly when the client leaves a silent stream, a keep-alive stream or a pending answer", async (t) => {
  await using sim = await startOpenRouterSimulator();
  for (const model of ["sim/stream-hang", "sim/stream-keepalive-forever", "sim/slow"]) {
    await t.step(model, async () => {
      const controller = new AbortController();
      const response = await chat(sim, { model, stream: true }, { signal: controller.signal });
      const reader = response.body!.getReader();
      const read = (await reader.read()).value!;
      const exchange = sim.exchanges.at(-1)!;
      assert.deepEqual(exchange.sentBytes().subarray(0, read.length), read);
      const since = performance.now();
      controller.abort();
      await reader.read().catch(() => {});
      const { end, ms } = await timeToEnd(exchange, since);
      assert.equal(end, "client-closed");
      assert.ok(ms < 150, `ended ${ms.toFixed(0)} ms after the abort`);
      assert.ok(!decoder.decode(exchange.sentBytes()).includes("[DONE]"));
    });
  }
  await t.step("sim/hang, before any header", async () => {
    const controller = new AbortController();
    const pending = chat(sim, { model: "sim/hang" }, { signal: controller.signal });
    const exchange = await sim.nextExchange((e) => e.request.json?.model === "sim/hang");
    const since = performance.now();
    controller.abort();
    await assert.rejects(pending);
    const { end, ms } = await timeToEnd(exchange, since);
    assert.equal(end, "client-closed");
    assert.ok(ms < 150, `ended ${ms.toFixed(0)} ms after the abort`);
    assert.equal(exchange.sentBytes().length, 0);
  });
});

Deno.test("error scenarios answer with OpenRouter's statuses, bodies and headers, streaming or not", async (t) => {
  await using sim = await startOpenRouterSimulator();
  const statuses = [400, 401, 402, 403, 404, 408, 413, 429, 500, 502, 503, 524, 529];
  for (const status of statuses) {
    await t.step(`sim/error-${status}`, async () => {
      for (const stream of [false, true]) {
        const response = await chat(sim, { model: `sim/error-${status}`, stream });
        const { text } = await sentAsFixture(response, `error-${status}`);
        assert.equal(response.status, status);
        assert.match(response.headers.get("content-type")!, /^application\/json/);
        const { error } = JSON.parse(text);
        assert.equal(typeof error.message, "string");
        if (status === 503) {
          assert.equal(error.code, undefined, "availability errors have no code");
          assert.deepEqual([error.http_status, error.error_type], [503, "provider_unavailable"]);
          assert.deepEqual(error.availability, {
            code: "capacity_exhausted",
            retryable: true,
            retry_after: 30,
            model: "sim/error-503",
          });
          assert.equal(response.headers.get("retry-after"), "30");
        } else {
          assert.equal(error.code, status);
        }
        if (status === 429) {
          assert.equal(response.headers.get("retry-after"), "7");
          assert.equal(response.headers.get("x-ratelimit-limit"), "20");
          assert.equal(response.headers.get("x-ratelimit-remaining"), "0");
          assert.match(response.headers.get("x-ratelimit-reset")!, /^\d{13}$/);
        }
        if (status === 403) {
          assert.deepEqual(error.metadata.reasons, ["violence"]);
          assert.equal(typeof error.metadata.flagged_input, "string");
          assert.deepEqual([error.metadata.provider_name, error.metadata.model_slug], [
            "OpenAI",
            "openai/gpt-4o-mini",
          ]);
        }
        if (status === 502) {
          assert.equal(error.message, "Provider returned error");
          assert.equal(typeof error.metadata.raw, "string");
          assert.equal(error.metadata.provider_name, "Lambda");
        }
      }
    });
  }
  await t.step("error body shapes", async () => {
    const body = async (model: string) => {
      const response = await chat(sim, { model });
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        text: await response.text(),
      };
    };
    const stringCode = await body("sim/error-string-code");
    assert.equal(stringCode.status, 500);
    assert.equal(JSON.parse(stringCode.text).error.code, "server_error");
    const rawJson = JSON.parse((await body("sim/error-raw-json")).text).error.metadata;
    assert.equal(typeof rawJson.raw, "string");
    assert.match(JSON.parse(rawJson.raw).error.message, /max_tokens/);
    assert.equal(rawJson.provider_name, "Anthropic");
    const rawObject = JSON.parse((await body("sim/error-raw-object")).text).error.metadata;
    assert.deepEqual([typeof rawObject.raw, rawObject.provider_name], ["object", "Fireworks"]);
    const html = await body("sim/error-html");
    assert.deepEqual([html.status, html.type], [502, "text/html; charset=UTF-8"]);
    assert.match(html.text, /<title>502 Bad Gateway/);
    const text = await body("sim/error-text");
    assert.deepEqual([text.status, text.type], [503, "text/plain"]);
    const in200 = await body("sim/error-in-200");
    assert.equal(in200.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(in200.text)).sort(), ["error", "user_id"]);
    const choiceError = JSON.parse((await body("sim/choice-error")).text).choices[0];
    assert.deepEqual([choiceError.finish_reason, choiceError.error.code], ["error", 502]);
    const garbage = await body("sim/garbage-200");
    assert.deepEqual([garbage.status, garbage.type], [200, "application/json"]);
    assert.throws(() => JSON.parse(garbage.text), SyntaxError);
    const empty = await body("sim/empty-200");
    assert.deepEqual([empty.status, empty.text], [200, ""]);
  });
  await t.step("each named error scenario sends its wire fixture byte for byte", async () => {
    for (
      const [model, fixture] of [
        ["sim/error-string-code", "error-string-code"],
        ["sim/error-raw-json", "error-raw-json"],
        ["sim/error-raw-object", "error-raw-object"],
        ["sim/error-html", "error-html-502"],
        ["sim/error-text", "error-text-503"],
        ["sim/error-in-200", "error-in-200"],
        ["sim/choice-error", "chat-choice-error"],
        ["sim/garbage-200", "error-truncated-200"],
        ["sim/empty-200", "error-empty-200"],
        ["sim/error-429-plain-text", "error-429-plain-text"],
        ["sim/error-503-empty-body", "error-503-empty-body"],
      ]
    ) {
      await sentAsFixture(await chat(sim, { model }), fixture);
    }
  });
  await t.step(
    "a status without a fixture gets a generic body; an unknown name a 404",
    async () => {
      const generic = await chat(sim, { model: "sim/error-451", stream: true });
      assert.equal(generic.status, 451);
      assert.deepEqual((await generic.json()).error, { code: 451, message: "Simulated HTTP 451" });
      const unknown = await chat(sim, { model: "sim/error-no-such-shape" });
      assert.equal(unknown.status, 404);
      assert.match(
        (await unknown.json()).error.message,
        /error-no-such-shape\.json does not exist/,
      );
      const fallback = await (await chat(sim, {
        models: ["sim/error-no-such-shape", "openai/gpt-4o"],
      })).json();
      assert.equal(fallback.model, "openai/gpt-4o", "a failing sim/error-* falls back as well");
    },
  );
});

Deno.test("requests without a valid key get OpenRouter's 401 bodies; /models needs none", async () => {
  await using sim = await startOpenRouterSimulator({ apiKey: KEY });
  const post = (authorization?: string) =>
    fetch(`${sim.url}/chat/completions`, {
      method: "POST",
      headers: authorization ? { authorization } : {},
      body: JSON.stringify({ messages }),
    });
  const missing = await post();
  assert.equal(missing.status, 401);
  assert.deepEqual(await missing.json(), {
    error: { code: 401, message: "No auth credentials found" },
  });
  const wrong = await post("Bearer sk-or-v1-someone-else");
  assert.equal(wrong.status, 401);
  assert.deepEqual(await wrong.json(), { error: { code: 401, message: "User not found." } });
  assert.equal((await (await post(`Bearer ${KEY}`)).json()).object, "chat.completion");
  const models = await fetch(`${sim.url}/models`);
  assert.equal(models.status, 200);
  assert.equal((await models.json()).data.length, CATALOGUE.length);
  const unknown = await fetch(`${sim.url}/nope`);
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.code, 404);
});

Deno.test("a body that is not JSON gets a 400 error body", async () => {
  await using sim = await startOpenRouterSimulator();
  const response = await fetch(`${sim.url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}` },
    body: '{"model": "openai/gpt-4o-mini", "messages": [',
  });
  assert.equal(response.status, 400);
  const { error } = await response.json();
  assert.equal(error.code, 400);
  assert.match(error.message, /^Invalid JSON/);
  assert.equal(sim.exchanges[0].request.json, undefined);
  assert.equal(sim.exchanges[0].request.bodyText, '{"model": "openai/gpt-4o-mini", "messages": [');
});

Deno.test("stream-only scenarios reshape the stream as OpenRouter's quirks do", async (t) => {
  await using sim = await startOpenRouterSimulator();
  const stream = async (model: string, extra: Record<string, unknown> = {}, fixture?: string) => {
    const response = await chat(sim, { model, stream: true, ...extra });
    assert.equal(response.status, 200);
    const text = fixture ? (await sentAsFixture(response, fixture)).text : await response.text();
    const exchange = sim.exchanges.at(-1)!;
    assert.equal(decoder.decode(exchange.sentBytes()), text);
    return { text, end: await exchange.ended, id: response.headers.get("x-generation-id") };
  };
  await t.step("usage rides on a chunk that repeats finish_reason stop", async () => {
    const { text } = await stream("sim/stream-usage-on-choice", {}, "usage-on-choice");
    const chunks = events(text);
    const stops = chunks.filter((c) => c.choices[0]?.finish_reason === "stop");
    assert.equal(stops.length, 2);
    assert.ok(stops[0].usage === undefined && stops[1].usage.total_tokens > 0);
    assert.ok(chunks.every((c) => c.choices.length === 1), "no choices: [] chunk");
    assert.ok(text.endsWith("data: [DONE]\n\n"));
  });
  for (
    const [model, code, fixture] of [
      ["sim/stream-error-numeric", 502, "midstream-error-numeric"],
      ["sim/stream-error-string", "server_error", "midstream-error-string"],
    ]
  ) {
    await t.step(`${model}: content, then an in-band error event, then the end`, async () => {
      const { text, end } = await stream(model as string, {}, fixture as string);
      const chunks = events(text);
      const last = chunks.at(-1);
      assert.deepEqual([last.error.code, last.error.message], [code, "Provider returned error"]);
      assert.equal(typeof last.error.metadata.raw, "string");
      assert.equal(last.error.metadata.provider_name, last.provider);
      assert.deepEqual(last.choices, [{
        index: 0,
        delta: { content: "" },
        finish_reason: "error",
        native_finish_reason: "error",
      }]);
      assert.ok(chunks.slice(0, -1).some((c) => c.choices[0].delta.content));
      assert.ok(!text.includes("[DONE]"));
      assert.equal(end, "completed");
    });
  }
  await t.step("finish_reason error without an error object", async () => {
    const { text } = await stream("sim/stream-finish-error", {}, "finish-error-no-object");
    const failed = events(text).find((c) => c.choices[0]?.finish_reason === "error");
    assert.ok(failed && failed.error === undefined);
    assert.ok(text.endsWith("data: [DONE]\n\n"));
  });
  await t.step("a dropped connection: a clean end of body without [DONE] or usage", async () => {
    const { text, end } = await stream("sim/stream-disconnect", {}, "disconnect");
    assert.ok(events(text).length > 1);
    assert.ok(!text.includes("[DONE]") && !text.includes('"usage"'));
    assert.equal(end, "server-closed");
  });
  await t.step("a broken connection: the client's read fails", async () => {
    const response = await chat(sim, { model: "sim/stream-abort", stream: true });
    await assert.rejects(response.text(), TypeError);
    assert.equal(await sim.exchanges.at(-1)!.ended, "server-closed");
  });
  await t.step("CRLF framing", async () => {
    const { text } = await stream("sim/stream-crlf", {}, "crlf");
    assert.ok(text.endsWith("data: [DONE]\r\n\r\n"));
    assert.equal(text.split("\n").length, text.split("\r\n").length);
    assert.ok(events(text).length > 3);
  });
  await t.step("a choice that carries an error, then [DONE]", async () => {
    const { text } = await stream("sim/choice-error", {}, "midstream-choice-error");
    const failed = events(text).find((c) => c.choices[0]?.error)?.choices[0];
    assert.deepEqual([failed?.finish_reason, failed?.error.code], ["error", 502]);
    assert.ok(text.endsWith("data: [DONE]\n\n"));
  });
  await t.step("without stream: true, a stream-only scenario answers normally", async () => {
    const body = await (await chat(sim, { model: "sim/stream-crlf" })).json();
    assert.deepEqual([body.object, body.choices[0].finish_reason], ["chat.completion", "stop"]);
  });
  await t.step("one data line that is not JSON among valid ones", async () => {
    const { text } = await stream("sim/stream-invalid-json", {}, "broken-json-line");
    const invalid = dataLines(text).filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return line !== "[DONE]";
      }
    });
    assert.deepEqual(invalid, ["{not json"]);
  });
  await t.step("multi-byte characters over CRLF, one byte per write", async () => {
    const { text } = await stream("sim/stream-bytes");
    const content = events(text).map((c) => c.choices[0]?.delta?.content ?? "").join("");
    assert.ok(content.endsWith(MULTI_BYTE_TEXT), content);
    assert.ok(text.includes("\r\n\r\n"));
  });
  await t.step("reasoning deltas come before the content", async () => {
    const { text } = await stream("sim/reasoning");
    const deltas = events(text).flatMap((c) => c.choices.map((ch: { delta: unknown }) => ch.delta));
    const firstContent = deltas.findIndex((d) => d.content);
    const reasoning = deltas.findIndex((d) => d.reasoning);
    assert.ok(reasoning > 0 && reasoning < firstContent);
    assert.ok(events(text).at(-1).usage.completion_tokens_details.reasoning_tokens > 0);
  });
  await t.step("tool-call arguments arrive in fragments joined by index", async () => {
    const tools = [{ type: "function", function: { name: "lookup", parameters: {} } }];
    const { text } = await stream("sim/tools", { tools });
    const fragments = events(text).flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.ok(fragments.length >= 3);
    assert.equal(fragments[0].function.name, "lookup");
    assert.ok(fragments[0].id);
    assert.ok(fragments.slice(1).every((f) => f.function.name === undefined));
    assert.ok(fragments.some((f) => f.id === ""), "a provider quirk: an empty id later on");
    const joined = fragments.filter((f) => f.index === 0).map((f) => f.function.arguments).join("");
    assert.deepEqual(JSON.parse(joined), { location: "Paris, France", unit: "celsius" });
    const finish = events(text).find((c) => c.choices[0]?.finish_reason);
    assert.equal(finish.choices[0].finish_reason, "tool_calls");
  });
  await t.step("sim/stream-long sends max_tokens chunks, or 2,000", async () => {
    const { text } = await stream("sim/stream-long", { max_tokens: 300 });
    const words = events(text).map((c) => c.choices[0]?.delta?.content ?? "").join("").trim().split(
      " ",
    );
    assert.equal(words.length, 300);
    assert.deepEqual([words[0], words[299]], ["w0", "w299"]);
    assert.equal(events(text).at(-1).usage.completion_tokens, 300);
    const standard = await stream("sim/stream-long");
    assert.equal(events(standard.text).length, DEFAULT_LONG_CHUNKS + 3);
  });
});

Deno.test("sseResponse's drop ends the body cleanly without [DONE]; abort makes the client's read fail", async () => {
  await using sim = await startOpenRouterSimulator();
  const frames = [{ comment: "OPENROUTER PROCESSING" }, { data: { choices: [] } }, {
    done: true as const,
  }];
  sim.route("test/drop", () => sseResponse(frames, { end: "drop" }));
  sim.route("test/abort", () => sseResponse(frames, { end: "abort", split: 5 }));
  sim.route("test/done", () => sseResponse(frames));
  const dropped = await chat(sim, { model: "test/drop" });
  assert.equal(await dropped.text(), ': OPENROUTER PROCESSING\n\ndata: {"choices":[]}\n\n');
  assert.equal(await sim.exchanges[0].ended, "server-closed");
  const aborted = await chat(sim, { model: "test/abort" });
  await assert.rejects(aborted.text(), (e) => e instanceof TypeError && /body/.test(e.message));
  assert.equal(await sim.exchanges[1].ended, "server-closed");
  assert.ok(!decoder.decode(sim.exchanges[1].sentBytes()).includes("[DONE]"));
  const done = await chat(sim, { model: "test/done" });
  assert.ok((await done.text()).endsWith("data: [DONE]\n\n"));
  assert.equal(await sim.exchanges[2].ended, "completed");
});

Deno.test("transcripts replay byte for byte, one byte per write or as sim/transcript/<name>", async (t) => {
  await using sim = await startOpenRouterSimulator();
  // `broken-*` fixtures are deliberately malformed (no events, no generation id).
  const names = [...Deno.readDirSync(FIXTURES)]
    .filter((e) => e.name.endsWith(".sse") && !e.name.startsWith("broken-"))
    .map((e) => e.name.slice(0, -4)).sort();
  assert.ok(names.length >= 10);
  for (const name of names) {
    await t.step(name, async () => {
      const file = await Deno.readFile(new URL(`${name}.sse`, FIXTURES));
      const text = await loadTranscript(name);
      const model = `test/replay/${name}`;
      sim.route(model, () => replayTranscript(text, { split: "bytes" }));
      const split = new Uint8Array(await (await chat(sim, { model, stream: true })).arrayBuffer());
      assert.deepEqual(split, file);
      assert.deepEqual(sim.exchanges.at(-1)!.sentBytes(), file);
      const served = await chat(sim, { model: `sim/transcript/${name}`, stream: true });
      assert.equal(served.headers.get("content-type"), "text/event-stream");
      const id = /"id":"(gen-[^"]+)"/.exec(text)?.[1] ?? null; // only-keepalives has none
      assert.equal(served.headers.get("x-generation-id"), id);
      assert.deepEqual(new Uint8Array(await served.arrayBuffer()), file);
    });
  }
  const missing = await chat(sim, { model: "sim/transcript/no-such-file", stream: true });
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error.message, /no-such-file\.sse does not exist/);
});

Deno.test("the fixtures option serves fixture scenarios from another folder, a .sse.json's status and headers included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = (file: string, text: string) => Deno.writeTextFile(`${dir}/${file}`, text);
    await write("error-500.json", '{"status":500,"headers":{"x-test":"local"},"text":"local"}');
    await write("quirk.sse", ": OPENROUTER PROCESSING\n\ndata: [DONE]\n\n");
    await write("quirk.sse.json", '{"status":202,"headers":{"x-generation-id":"gen-sidecar"}}');
    await using sim = await startOpenRouterSimulator({ fixtures: new URL(`file://${dir}/`) });
    const error = await chat(sim, { model: "sim/error-500" });
    assert.deepEqual([error.status, error.headers.get("x-test"), await error.text()], [
      500,
      "local",
      "local",
    ]);
    const quirk = await chat(sim, { model: "sim/transcript/quirk", stream: true });
    assert.deepEqual([quirk.status, quirk.headers.get("x-generation-id")], [202, "gen-sidecar"]);
    assert.equal(await quirk.text(), ": OPENROUTER PROCESSING\n\ndata: [DONE]\n\n");
    const missing = await chat(sim, { model: "sim/stream-crlf", stream: true });
    assert.equal(missing.status, 404, "crlf.sse is not in that folder");
    await missing.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every transcript opens with keep-alive comments and holds only valid JSON events", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", FIXTURES));
  for (const entry of Deno.readDirSync(FIXTURES)) {
    if (!entry.name.endsWith(".sse")) continue;
    assert.ok(readme.includes(`\`${entry.name}\``), `README.md describes ${entry.name}`);
    if (entry.name.startsWith("broken-")) continue; // deliberately malformed
    const text = await Deno.readTextFile(new URL(entry.name, FIXTURES));
    assert.ok(text.startsWith(": OPENROUTER PROCESSING"), entry.name);
    for (const line of dataLines(text)) {
      if (line !== "[DONE]") assert.doesNotThrow(() => JSON.parse(line), `${entry.name}: ${line}`);
    }
  }
});

Deno.test("nextExchange resolves with the matching exchange once it arrives", async () => {
  await using sim = await startOpenRouterSimulator();
  const waiting = sim.nextExchange((e) => e.request.json?.model === "openai/gpt-4o");
  await (await chat(sim, { model: "openai/gpt-4o-mini" })).body?.cancel();
  await (await chat(sim, { model: "openai/gpt-4o", temperature: 0.2 })).body?.cancel();
  const exchange = await waiting;
  assert.equal(exchange.request.json.temperature, 0.2);
  assert.equal(exchange.request.method, "POST");
  assert.equal(exchange.request.path, "/api/v1/chat/completions");
  assert.equal(exchange.request.headers.get("authorization"), `Bearer ${KEY}`);
  assert.equal((await sim.nextExchange()).request.json.model, "openai/gpt-4o-mini");
});

Deno.test("close() ends a pending answer and a hanging stream, then the server stops", async () => {
  const sim = await startOpenRouterSimulator();
  const pending = chat(sim, { model: "sim/hang" });
  const streaming = await chat(sim, { model: "sim/stream-hang", stream: true });
  const reader = streaming.body!.getReader();
  await reader.read();
  const hanging = await sim.nextExchange((e) => e.request.json?.model === "sim/hang");
  const since = performance.now();
  await sim.close();
  assert.ok(performance.now() - since < 1_000);
  assert.deepEqual(await Promise.all(sim.exchanges.map((e) => e.ended)), [
    "server-closed",
    "server-closed",
  ]);
  assert.equal(hanging.request.json.model, "sim/hang");
  await assert.rejects(async () => {
    while (!(await reader.read()).done);
  });
  const answer = await pending.then((r) => r.body?.cancel().then(() => r.status), () => "failed");
  assert.ok(answer === 503 || answer === "failed", `the pending call got ${answer}`);
  await assert.rejects(chat(sim, {}), TypeError, "nothing listens any more");
});

Deno.test("a route handler's request.signal aborts when the client leaves mid-stream", async () => {
  await using sim = await startOpenRouterSimulator();
  const aborted = Promise.withResolvers<string>();
  sim.route("test/watch", (request) => {
    request.signal.addEventListener("abort", () => aborted.resolve(String(request.signal.reason)));
    return sseResponse([{ comment: "OPENROUTER PROCESSING" }], { end: "hang" });
  });
  const response = await chat(sim, { model: "test/watch", stream: true });
  const reader = response.body!.getReader();
  assert.equal(decoder.decode((await reader.read()).value), ": OPENROUTER PROCESSING\n\n");
  await reader.cancel();
  assert.match(await aborted.promise, /client disconnected/);
  assert.equal(await sim.exchanges[0].ended, "client-closed");
});

Deno.test("past maxRecordedBytes the oldest finished exchanges leave the list, the newest stays", async () => {
  await using sim = await startOpenRouterSimulator({ maxRecordedBytes: 1_000 });
  for (let i = 0; i < 5; i++) await (await chat(sim, { seed: i })).arrayBuffer();
  await Promise.all(sim.exchanges.map((e) => e.ended));
  assert.ok(sim.exchanges.length < 5);
  assert.equal(sim.exchanges.at(-1)!.request.json.seed, 4);
});

Deno.test("usage and message variants: no usage, no cost, cached tokens, reasoning, tool calls", async () => {
  await using sim = await startOpenRouterSimulator();
  const answer = async (model: string) => await (await chat(sim, { model })).json();
  assert.equal("usage" in (await answer("sim/no-usage")), false);
  const noCost = (await answer("sim/no-cost")).usage;
  assert.ok(noCost.total_tokens > 0 && !("cost" in noCost));
  assert.equal((await answer("sim/cached")).usage.prompt_tokens_details.cached_tokens, 6);
  const reasoning = await answer("sim/reasoning");
  assert.equal(typeof reasoning.choices[0].message.reasoning, "string");
  assert.ok(reasoning.usage.completion_tokens_details.reasoning_tokens > 0);
  const tools = (await answer("sim/tools")).choices[0];
  assert.deepEqual([tools.finish_reason, tools.message.content], ["tool_calls", null]);
  assert.deepEqual(JSON.parse(tools.message.tool_calls[0].function.arguments), {
    location: "Paris, France",
    unit: "celsius",
  });
});

Deno.test("sim/slow answers after about 300 ms", async () => {
  await using sim = await startOpenRouterSimulator();
  const started = performance.now();
  const body = await (await chat(sim, { model: "sim/slow" })).json();
  assert.ok(performance.now() - started >= 290);
  assert.equal(body.object, "chat.completion");
});
