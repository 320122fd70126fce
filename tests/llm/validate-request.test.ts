import assert from "node:assert/strict";
import { validateRequest } from "../../supabase/functions/_shared/llm/validate-request.ts";

const PNG_DATA_URL = `data:image/png;base64,${"iVBORw0KGgo".repeat(40)}`;

/** A realistic multi-turn request with every message role and every content part type. */
function fullRequest(): Record<string, unknown> {
  return {
    model: "openai/gpt-4o-mini",
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these?", cache_control: { type: "ephemeral" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
          { type: "image_url", image_url: { url: PNG_DATA_URL } },
          { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF", format: "wav" } },
          {
            type: "file",
            file: { filename: "report.pdf", file_data: "data:application/pdf;base64,JVBERi0x" },
          },
          { type: "video_url", video_url: { url: "https://example.com/clip.mp4" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        reasoning: "I should look up the weather.",
        tool_calls: [{
          id: "call_abc",
          type: "function",
          function: { name: "get_weather", arguments: '{"location":"Paris"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_abc", content: '{"temp_c": 21}' },
      { role: "assistant", content: "Il fait 21 °C à Paris.", name: "meteo-bot" },
      { role: "user", content: "Merci !" },
    ],
    temperature: 0.7,
    top_p: 0.9,
    max_tokens: 512,
    stop: ["\n\n", "END"],
    seed: 42,
    tools: [{
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather",
        parameters: { type: "object", properties: { location: { type: "string" } } },
      },
    }],
    tool_choice: "auto",
    parallel_tool_calls: true,
    response_format: { type: "json_object" },
    stream: false,
    usage: { include: true },
    provider: { order: ["openai", "azure"], allow_fallbacks: true },
    reasoning: { effort: "low" },
    user: "user_456",
    metadata: { feature: "chat", tenant: "acme" },
  };
}

/** The request with `messages` (and anything else) replaced. */
function withFields(fields: Record<string, unknown>): Record<string, unknown> {
  return { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], ...fields };
}

function fieldsOf(request: unknown): string[] {
  return validateRequest(request).map((issue) => issue.field);
}

Deno.test("validateRequest passes a realistic request with every role and content part type", () => {
  assert.deepEqual(validateRequest(fullRequest()), []);
});

Deno.test("validateRequest passes the smallest request: messages alone, without a model", () => {
  assert.deepEqual(validateRequest({ messages: [{ role: "user", content: "Hi" }] }), []);
});

Deno.test("validateRequest passes a models fallback list without a model", () => {
  const request = {
    models: ["anthropic/claude-3.5-sonnet", "openai/gpt-4o"],
    messages: [{ role: "user", content: "Hi" }],
  };
  assert.deepEqual(validateRequest(request), []);
});

Deno.test("validateRequest lets unknown top-level fields through", () => {
  const request = withFields({
    plugins: [{ id: "web" }],
    session_id: "sess_1",
    trace: { trace_id: "t1" },
    some_future_option: { nested: [1, 2, 3] },
    logit_bias: { "50256": -100 },
  });
  assert.deepEqual(validateRequest(request), []);
});

Deno.test("validateRequest passes the edges of each documented range", () => {
  for (
    const fields of [
      { temperature: 0 },
      { temperature: 2 },
      { top_p: 1 },
      { max_tokens: 1 },
      { max_completion_tokens: 1 },
      { stop: "END" },
      { stop: ["a", "b", "c", "d"] },
      { stop: null },
      { frequency_penalty: -2 },
      { presence_penalty: 2 },
      { top_logprobs: 20 },
      { top_k: 0 },
    ]
  ) {
    assert.deepEqual(validateRequest(withFields(fields)), [], JSON.stringify(fields));
  }
});

Deno.test("validateRequest passes top_p 0, which OpenRouter documents as in range (0.0 to 1.0)", () => {
  assert.deepEqual(validateRequest(withFields({ top_p: 0 })), []);
});

Deno.test("validateRequest passes an assistant message with no content and a tool message with parts", () => {
  const request = {
    messages: [
      { role: "user", content: "Weather?" },
      {
        role: "assistant",
        tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c1", content: [{ type: "text", text: "sunny" }] },
    ],
  };
  assert.deepEqual(validateRequest(request), []);
});

Deno.test("validateRequest rejects a request that is not an object, with an empty field path", () => {
  for (
    const [request, received] of [[null, "null"], ["hi", "string"], [[], "an array"], [
      42,
      "number",
    ], [undefined, "undefined"]] as const
  ) {
    const issues = validateRequest(request);
    assert.equal(issues.length, 1, String(request));
    assert.equal(issues[0].field, "");
    assert.match(issues[0].message, new RegExp(`received ${received}`));
  }
});

Deno.test("validateRequest names messages when they are missing, empty or not an array", () => {
  assert.deepEqual(fieldsOf({ model: "openai/gpt-4o-mini" }), ["messages"]);
  assert.deepEqual(fieldsOf({ messages: [] }), ["messages"]);
  assert.deepEqual(fieldsOf({ messages: "Hi" }), ["messages"]);
  assert.deepEqual(fieldsOf({ messages: { role: "user", content: "Hi" } }), ["messages"]);
});

Deno.test("validateRequest names the role of a message whose role is unknown or missing", () => {
  const request = {
    messages: [{ role: "user", content: "Hi" }, { role: "bot", content: "Hello" }],
  };
  assert.deepEqual(fieldsOf(request), ["messages[1].role"]);
  assert.deepEqual(fieldsOf({ messages: [{ content: "Hi" }] }), ["messages[0].role"]);
  assert.deepEqual(fieldsOf({ messages: [{ role: "USER", content: "Hi" }] }), ["messages[0].role"]);
});

Deno.test("validateRequest names messages[i] when a message is not an object", () => {
  assert.deepEqual(fieldsOf({ messages: [{ role: "user", content: "Hi" }, "Hello"] }), [
    "messages[1]",
  ]);
});

Deno.test("validateRequest names the content of a message whose content has the wrong type", () => {
  for (const content of [42, null, undefined, { type: "text", text: "Hi" }]) {
    assert.deepEqual(
      fieldsOf({ messages: [{ role: "user", content }] }),
      ["messages[0].content"],
      JSON.stringify(content),
    );
  }
});

Deno.test("validateRequest names the offending field of a malformed content part", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ type: "bogus" }, "messages[1].content[0].type"],
    [{ text: "no type" }, "messages[1].content[0].type"],
    [{ type: "text" }, "messages[1].content[0].text"],
    [{ type: "text", text: 5 }, "messages[1].content[0].text"],
    [
      { type: "image_url", image_url: "https://example.com/a.png" },
      "messages[1].content[0].image_url",
    ],
    [
      { type: "input_audio", input_audio: { data: "UklGR" } },
      "messages[1].content[0].input_audio.format",
    ],
    [{ type: "video_url", video_url: {} }, "messages[1].content[0].video_url.url"],
  ];
  for (const [part, field] of cases) {
    const request = {
      messages: [{ role: "user", content: "Hi" }, {
        role: "user",
        content: [part],
      }],
    };
    assert.deepEqual(fieldsOf(request), [field], JSON.stringify(part));
  }
});

Deno.test("validateRequest names the part by its position among valid parts", () => {
  const request = {
    messages: [{
      role: "user",
      content: [{ type: "text", text: "a" }, { type: "text", text: "b" }, { type: "text" }],
    }],
  };
  assert.deepEqual(fieldsOf(request), ["messages[0].content[2].text"]);
});

Deno.test("validateRequest names the url of an image part whose url is empty", () => {
  const request = {
    messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "" } }] }],
  };
  assert.deepEqual(fieldsOf(request), ["messages[0].content[0].image_url.url"]);
});

Deno.test("validateRequest names tool_call_id of a tool message without one", () => {
  const request = {
    messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: null, tool_calls: [] },
      { role: "tool", content: "sunny" },
    ],
  };
  assert.deepEqual(fieldsOf(request), ["messages[2].tool_call_id"]);
  request.messages[2] = { role: "tool", content: "sunny", tool_call_id: "" } as never;
  assert.deepEqual(fieldsOf(request), ["messages[2].tool_call_id"]);
});

Deno.test("validateRequest names the function name of an assistant tool call without one", () => {
  const request = {
    messages: [{
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "", arguments: "{}" } }],
    }],
  };
  assert.deepEqual(fieldsOf(request), ["messages[0].tool_calls[0].function.name"]);
});

Deno.test("validateRequest names temperature when it is out of range or not a finite number", () => {
  for (const temperature of [-0.1, 2.01, NaN, Infinity, -Infinity, "0.7", null]) {
    assert.deepEqual(fieldsOf(withFields({ temperature })), ["temperature"], String(temperature));
  }
});

Deno.test("validateRequest names top_p when it is out of range or not a finite number", () => {
  for (const top_p of [-0.1, 1.01, NaN, Infinity, "1"]) {
    assert.deepEqual(fieldsOf(withFields({ top_p })), ["top_p"], String(top_p));
  }
});

Deno.test("validateRequest names max_tokens when it is not a positive integer", () => {
  for (const max_tokens of [0, -1, 1.5, NaN, Infinity, "512", 2 ** 53]) {
    assert.deepEqual(fieldsOf(withFields({ max_tokens })), ["max_tokens"], String(max_tokens));
  }
  assert.deepEqual(fieldsOf(withFields({ max_completion_tokens: 0.5 })), [
    "max_completion_tokens",
  ]);
});

Deno.test("validateRequest names stop when it has more than four sequences or is not text", () => {
  for (const stop of [["a", "b", "c", "d", "e"], 5, { stop: "x" }]) {
    assert.deepEqual(fieldsOf(withFields({ stop })), ["stop"], JSON.stringify(stop));
  }
  assert.deepEqual(fieldsOf(withFields({ stop: ["a", 1] })), ["stop[1]"]);
});

Deno.test("validateRequest names tools[i].function.name of a tool without a name", () => {
  const tools = [{ type: "function", function: { name: "", parameters: {} } }];
  assert.deepEqual(fieldsOf(withFields({ tools })), ["tools[0].function.name"]);
  const unnamed = [
    { type: "function", function: { name: "ok" } },
    { type: "function", function: { description: "no name" } },
  ];
  assert.deepEqual(fieldsOf(withFields({ tools: unnamed })), ["tools[1].function.name"]);
});

Deno.test("validateRequest names fields of the wrong type among the other documented ones", () => {
  assert.deepEqual(fieldsOf(withFields({ model: "" })), ["model"]);
  assert.deepEqual(fieldsOf(withFields({ model: 4 })), ["model"]);
  assert.deepEqual(fieldsOf(withFields({ models: [] })), ["models"]);
  assert.deepEqual(fieldsOf(withFields({ models: ["a/b", ""] })), ["models[1]"]);
  assert.deepEqual(fieldsOf(withFields({ stream: "true" })), ["stream"]);
  assert.deepEqual(fieldsOf(withFields({ seed: 1.5 })), ["seed"]);
  assert.deepEqual(fieldsOf(withFields({ frequency_penalty: 3 })), ["frequency_penalty"]);
  assert.deepEqual(fieldsOf(withFields({ top_logprobs: 21 })), ["top_logprobs"]);
  assert.deepEqual(fieldsOf(withFields({ response_format: { type: "" } })), [
    "response_format.type",
  ]);
  assert.deepEqual(fieldsOf(withFields({ metadata: { count: 3 } })), ["metadata.count"]);
});

Deno.test("validateRequest reports every problem, one per field, in document order", () => {
  const issues = validateRequest({
    messages: [{ role: "user", content: "Hi" }],
    temperature: 3,
    max_tokens: 0,
    top_p: 2,
  });
  assert.deepEqual(issues.map((i) => i.field), ["temperature", "top_p", "max_tokens"]);
  for (const issue of issues) assert.ok(issue.message.length > 0, issue.field);
});
