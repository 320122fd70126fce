import assert from "node:assert/strict";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { columnsOfType, logRow } from "../fixtures/log-rows.ts";
import { sanitizeRow } from "../../supabase/functions/_shared/llm/sanitize-row.ts";

const API_KEY = "sk-or-v1-0123456789abcdef0123456789abcdef";

/** A complete row: every column of `llm_call_logs` filled, any overridden. */
function row(overrides: Partial<LLMCallLogRow> = {}): LLMCallLogRow {
  return logRow({ id: "6f1c2f0e-6a4b-4d38-9a57-0c2f1e7b9d11", ...overrides });
}

const TEXT_COLUMNS = columnsOfType("text");
const JSONB_COLUMNS = columnsOfType("jsonb");

/** Bytes 0, 1, 2, … as base64 (exactly `size` decoded bytes). */
function base64OfSize(size: number, seed = 0): string {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % 256);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function dataUrl(mediaType: string, size: number, seed = 0): string {
  return `data:${mediaType};base64,${base64OfSize(size, seed)}`;
}

const PLACEHOLDER = /^\[base64 ([^,]+), (\d+) bytes, sha256:([0-9a-f]{16})\]$/;

/** Every string (keys included) anywhere in a value. */
function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allStrings(v, out);
    }
  }
  return out;
}

/** The row as a sink stores it: sinks send `JSON.stringify(rows)`. */
function stored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function assertStorable(value: unknown): void {
  for (const text of allStrings(value)) {
    assert.ok(!text.includes("\u0000"), `NUL left in ${JSON.stringify(text)}`);
    assert.ok(text.isWellFormed(), `lone surrogate left in ${JSON.stringify(text)}`);
  }
}

// Unsafe characters

Deno.test("sanitizeRow replaces NUL with U+FFFD in every text column", async () => {
  const overrides = Object.fromEntries(TEXT_COLUMNS.map((c) => [c, `a\u0000b\u0000`]));
  const clean = await sanitizeRow(row(overrides));
  for (const column of TEXT_COLUMNS) assert.equal(clean[column], "a\ufffdb\ufffd", column);
});

Deno.test("sanitizeRow replaces NUL with U+FFFD in every jsonb column, however deeply nested", async () => {
  const nested = { a: [{ b: { c: ["x\u0000y"] } }], d: "\u0000" };
  const overrides = Object.fromEntries(JSONB_COLUMNS.map((c) => [c, nested]));
  const clean = await sanitizeRow(row(overrides));
  for (const column of JSONB_COLUMNS) {
    assert.deepEqual(clean[column], { a: [{ b: { c: ["x\ufffdy"] } }], d: "\ufffd" }, column);
  }
});

Deno.test("sanitizeRow replaces a lone high, a lone low and a reversed surrogate pair with U+FFFD", async () => {
  const cases: [string, string][] = [
    ["a\ud800b", "a\ufffdb"],
    ["a\udc00b", "a\ufffdb"],
    ["end\ud83d", "end\ufffd"],
    ["\ude00start", "\ufffdstart"],
    ["a\ude00\ud83db", "a\ufffd\ufffdb"],
    ["\ud800\ud800\udc00", "\ufffd\ud800\udc00"],
    ["\ud83d\ude00\udc00", "\ud83d\ude00\ufffd"],
  ];
  for (const [input, expected] of cases) {
    const clean = await sanitizeRow(row({
      completion_text: input,
      request_messages: [{ role: "user", content: input }],
    }));
    assert.equal(clean.completion_text, expected, JSON.stringify(input));
    assert.deepEqual(clean.request_messages, [{ role: "user", content: expected }]);
  }
});

Deno.test("sanitizeRow leaves valid surrogate pairs such as emoji untouched", async () => {
  const text = "héllo wörld — 你好 👋 😀 𝄞 👩‍💻";
  const clean = await sanitizeRow(row({
    completion_text: text,
    response_body: { choices: [{ message: { content: text } }] },
    metadata: { [text]: text },
  }));
  assert.equal(clean.completion_text, text);
  assert.deepEqual(clean.response_body, { choices: [{ message: { content: text } }] });
  assert.deepEqual(clean.metadata, { [text]: text });
});

Deno.test("sanitizeRow cleans object keys as well as values", async () => {
  const clean = await sanitizeRow(
    row({
      metadata: { "k\u0000ey": 1, "lone\ud800": { "inner\udc00": "v" } },
      request_params: { [`x${API_KEY}`]: true },
    }),
    { apiKey: API_KEY },
  );
  assert.deepEqual(clean.metadata, { "k\ufffdey": 1, "lone\ufffd": { "inner\ufffd": "v" } });
  assert.deepEqual(clean.request_params, { "x[redacted: api key]": true });
});

Deno.test("sanitizeRow does not let a string that looks like its internal marker become a placeholder", async () => {
  const clean = await sanitizeRow(row({
    request_messages: [
      { type: "image_url", image_url: { url: dataUrl("image/png", 300) } },
      "\u0000payload:0",
    ],
  }));
  const [image, marker] = clean.request_messages as [{ image_url: { url: string } }, string];
  assert.match(image.image_url.url, PLACEHOLDER);
  assert.equal(marker, "\ufffdpayload:0");
});

// Base64 payloads

Deno.test("sanitizeRow replaces a long base64 image_url with its media type, decoded size and hash", async () => {
  const url = dataUrl("image/png", 3000);
  const clean = await sanitizeRow(row({
    request_messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url, detail: "high" } },
      ],
    }],
  }));
  const [message] = clean.request_messages as [
    { content: [unknown, { image_url: { url: string; detail: string } }] },
  ];
  assert.deepEqual(message.content[0], { type: "text", text: "What is this?" });
  const placeholder = message.content[1].image_url.url;
  const match = PLACEHOLDER.exec(placeholder);
  assert.ok(match, placeholder);
  assert.equal(match[1], "image/png");
  assert.equal(match[2], "3000");
  assert.equal(message.content[1].image_url.detail, "high");
});

Deno.test("sanitizeRow counts decoded bytes exactly whatever the base64 padding", async () => {
  for (const size of [300, 301, 302, 1_000_000]) {
    const clean = await sanitizeRow(row({ metadata: { url: dataUrl("image/jpeg", size) } }));
    const match = PLACEHOLDER.exec((clean.metadata as { url: string }).url);
    assert.ok(match, `size ${size}`);
    assert.equal(Number(match[2]), size, `size ${size}`);
  }
});

Deno.test("sanitizeRow gives identical payloads the same placeholder and different payloads different ones", async () => {
  const a = dataUrl("image/png", 500, 1);
  const b = dataUrl("image/png", 500, 2);
  const first = await sanitizeRow(row({ request_messages: [a, a, b] }));
  const second = await sanitizeRow(row({ metadata: { again: a } }));
  const [x, y, z] = first.request_messages as string[];
  assert.match(x, PLACEHOLDER);
  assert.equal(x, y);
  assert.notEqual(x, z);
  assert.equal((second.metadata as { again: string }).again, x, "stable across rows");
});

Deno.test("sanitizeRow replaces a base64 file_data data URL", async () => {
  const clean = await sanitizeRow(row({
    request_messages: [{
      role: "user",
      content: [{
        type: "file",
        file: { filename: "report.pdf", file_data: dataUrl("application/pdf", 4096) },
      }],
    }],
  }));
  const file =
    (clean.request_messages as [{ content: [{ file: { filename: string; file_data: string } }] }])[
      0
    ]
      .content[0].file;
  assert.equal(file.filename, "report.pdf");
  const match = PLACEHOLDER.exec(file.file_data);
  assert.ok(match, file.file_data);
  assert.equal(match[1], "application/pdf");
  assert.equal(match[2], "4096");
});

Deno.test("sanitizeRow replaces generated images in a response body", async () => {
  const clean = await sanitizeRow(row({
    response_body: {
      choices: [{
        message: {
          role: "assistant",
          content: "Here is your image.",
          images: [{ type: "image_url", image_url: { url: dataUrl("image/webp", 2048) } }],
        },
      }],
    },
  }));
  const message = (clean.response_body as {
    choices: [{ message: { content: string; images: [{ image_url: { url: string } }] } }];
  }).choices[0].message;
  assert.equal(message.content, "Here is your image.");
  const match = PLACEHOLDER.exec(message.images[0].image_url.url);
  assert.ok(match, message.images[0].image_url.url);
  assert.equal(match[1], "image/webp");
});

Deno.test("sanitizeRow keeps data URLs shorter than 256 characters", async () => {
  const short = dataUrl("image/gif", 60);
  assert.ok(short.length < 256);
  const clean = await sanitizeRow(row({ request_messages: [{ image_url: { url: short } }] }));
  assert.deepEqual(clean.request_messages, [{ image_url: { url: short } }]);
});

Deno.test("sanitizeRow keeps long strings that are not base64 payloads", async () => {
  const prose = "The quick brown fox, jumping over the lazy dog. ".repeat(20);
  const textDataUrl = `data:text/plain,${"hello%20world".repeat(30)}`;
  const clean = await sanitizeRow(row({
    completion_text: prose,
    metadata: { prose, textDataUrl, url: `https://example.com/${"a".repeat(400)}` },
  }));
  assert.equal(clean.completion_text, prose);
  assert.deepEqual(clean.metadata, {
    prose,
    textDataUrl,
    url: `https://example.com/${"a".repeat(400)}`,
  });
});

Deno.test("sanitizeRow replaces raw base64 input_audio data, naming the format as audio/<format>", async () => {
  const data = base64OfSize(16_000);
  const clean = await sanitizeRow(row({
    request_messages: [{
      role: "user",
      content: [{ type: "input_audio", input_audio: { data, format: "mp3" } }],
    }],
  }));
  const audio =
    (clean.request_messages as [{ content: [{ input_audio: { data: string; format: string } }] }])[
      0
    ]
      .content[0].input_audio;
  assert.equal(audio.format, "mp3");
  const match = PLACEHOLDER.exec(audio.data);
  assert.ok(match, audio.data);
  assert.equal(match[1], "audio/mp3");
  assert.equal(match[2], "16000");
});

Deno.test("sanitizeRow keeps short input_audio data", async () => {
  const data = base64OfSize(30);
  const clean = await sanitizeRow(row({
    request_messages: [{ type: "input_audio", input_audio: { data, format: "wav" } }],
  }));
  assert.deepEqual(clean.request_messages, [{
    type: "input_audio",
    input_audio: { data, format: "wav" },
  }]);
});

Deno.test("sanitizeRow does not label an encrypted reasoning_details blob as audio", async () => {
  // OpenRouter's reasoning_details entries carry `format` (the reasoning format, such as
  // "anthropic-claude-v1") next to `data`: that is not an audio format.
  const detail = {
    type: "reasoning.encrypted",
    data: base64OfSize(600),
    format: "anthropic-claude-v1",
  };
  for (const completion_text of ["Plain answer.", "Answer with a NUL \u0000 in it."]) {
    const clean = await sanitizeRow(row({
      completion_text,
      response_body: { choices: [{ message: { reasoning_details: [detail] } }] },
    }));
    const [kept] = (clean.response_body as {
      choices: [{ message: { reasoning_details: [{ data: string }] } }];
    }).choices[0].message.reasoning_details;
    assert.ok(!kept.data.includes("audio/"), `${JSON.stringify(completion_text)}: ${kept.data}`);
  }
});

// The API key

Deno.test("sanitizeRow masks the API key wherever it appears, error_message included", async () => {
  const clean = await sanitizeRow(
    row({
      error_message: `Invalid key ${API_KEY} (Bearer ${API_KEY})`,
      completion_text: `the key is ${API_KEY}`,
      request_params: { headers: { authorization: `Bearer ${API_KEY}` } },
      error_details: { metadata: { raw: `{"key":"${API_KEY}"}` } },
      metadata: { list: [API_KEY] },
    }),
    { apiKey: API_KEY },
  );
  assert.equal(clean.error_message, "Invalid key [redacted: api key] (Bearer [redacted: api key])");
  assert.equal(clean.completion_text, "the key is [redacted: api key]");
  assert.deepEqual(clean.request_params, {
    headers: { authorization: "Bearer [redacted: api key]" },
  });
  assert.deepEqual(clean.error_details, { metadata: { raw: '{"key":"[redacted: api key]"}' } });
  assert.deepEqual(clean.metadata, { list: ["[redacted: api key]"] });
  assert.ok(!JSON.stringify(clean).includes(API_KEY));
});

Deno.test("sanitizeRow does not mask a key shorter than 8 characters", async () => {
  const clean = await sanitizeRow(row({ error_message: "code abc1234 failed" }), {
    apiKey: "abc1234",
  });
  assert.equal(clean.error_message, "code abc1234 failed");
});

Deno.test("sanitizeRow masks nothing when no key is given", async () => {
  const clean = await sanitizeRow(row({ error_message: `key ${API_KEY}` }));
  assert.equal(clean.error_message, `key ${API_KEY}`);
});

// Values that are not JSON

Deno.test("sanitizeRow stores Date as its ISO string and bigint as a decimal string", async () => {
  const clean = await sanitizeRow(row({
    metadata: { at: new Date("2026-11-26T12:00:00Z"), count: 12345678901234567890n } as never,
  }));
  assert.deepEqual(stored(clean.metadata), {
    at: "2026-11-26T12:00:00.000Z",
    count: "12345678901234567890",
  });
});

Deno.test("sanitizeRow stores a Date alone as its ISO string", async () => {
  const clean = await sanitizeRow(
    row({ metadata: { at: new Date("2026-11-26T12:00:00Z") } as never }),
  );
  assert.deepEqual(stored(clean.metadata), { at: "2026-11-26T12:00:00.000Z" });
});

Deno.test("sanitizeRow drops undefined, functions and symbols from objects, as JSON.stringify does", async () => {
  const clean = await sanitizeRow(row({
    metadata: { keep: 1, gone: undefined, fn: () => 1, sym: Symbol("s"), big: 1n } as never,
  }));
  assert.deepEqual(stored(clean.metadata), { keep: 1, big: "1" });
});

Deno.test("sanitizeRow stores unrepresentable array items and numbers as null", async () => {
  const clean = await sanitizeRow(row({
    metadata: {
      list: [undefined, () => 1, NaN, Infinity, -Infinity, 1.5],
      n: NaN,
      big: 2n,
    } as never,
  }));
  assert.deepEqual(stored(clean.metadata), {
    list: [null, null, null, null, null, 1.5],
    n: null,
    big: "2",
  });
});

Deno.test('sanitizeRow replaces a circular reference with "[circular]" but keeps shared ones', async () => {
  const shared = { name: "shared" };
  const loop: Record<string, unknown> = { name: "loop" };
  loop.self = loop;
  loop.list = [loop, shared];
  const clean = await sanitizeRow(row({ metadata: { loop, a: shared, b: shared } as never }));
  assert.deepEqual(stored(clean.metadata), {
    loop: { name: "loop", self: "[circular]", list: ["[circular]", { name: "shared" }] },
    a: { name: "shared" },
    b: { name: "shared" },
  });
});

Deno.test("sanitizeRow keeps deep values and never throws on absurdly deep ones", async () => {
  const nested = (levels: number) => {
    let deep: unknown = "leaf";
    for (let i = 0; i < levels; i++) deep = { d: deep };
    return deep as never;
  };
  const kept = JSON.stringify((await sanitizeRow(row({ metadata: nested(1_500) }))).metadata);
  assert.ok(kept.includes('"leaf"') && !kept.includes("[too deep]"));
  // Too deep for the cleaning walk: cut with "[too deep]" there, or kept whole when JSON.stringify
  // could serialise it; either way a row comes back (Postgres may still refuse it: fallback).
  const cyclic: Record<string, unknown> = { bad: "\u0000" };
  cyclic.self = cyclic;
  const deep = await sanitizeRow(row({ metadata: { deep: nested(100_000), cyclic } as never }));
  const text = JSON.stringify(deep.metadata);
  assert.ok(text.includes('"[too deep]"') && !text.includes("leaf"));
  assert.ok(text.includes('"[circular]"'));
});

Deno.test("sanitizeRow drops a value whose toJSON throws", async () => {
  const clean = await sanitizeRow(row({
    metadata: {
      ok: 1,
      bad: {
        toJSON: () => {
          throw new Error("nope");
        },
      },
    } as never,
  }));
  assert.deepEqual(stored(clean.metadata), { ok: 1 });
});

Deno.test("sanitizeRow drops a value whose getter throws instead of failing the whole row", async () => {
  const metadata = {
    ok: 1,
    get broken(): string {
      throw new Error("getter failed");
    },
  };
  const clean = await sanitizeRow(row({ metadata: metadata as never }));
  assert.deepEqual(stored(clean.metadata), { ok: 1 });
});

Deno.test("sanitizeRow returns plain JSON that survives JSON.stringify and parse unchanged", async () => {
  const clean = await sanitizeRow(
    row({
      metadata: { at: new Date(0), big: 1n, u: undefined, loop: null } as never,
      request_messages: [{ role: "user", content: "a\u0000\ud800" }],
    }),
    { apiKey: API_KEY },
  );
  assert.deepEqual(JSON.parse(JSON.stringify(clean)), clean);
  assertStorable(clean);
});

// Leaves its input alone

Deno.test("sanitizeRow does not modify the row it is given", async () => {
  const input = row({
    completion_text: `a\u0000b ${API_KEY}`,
    request_messages: [{
      role: "user",
      content: [
        { type: "image_url", image_url: { url: dataUrl("image/png", 1000) } },
        { type: "input_audio", input_audio: { data: base64OfSize(1000), format: "wav" } },
        { type: "text", text: "lone \ud800" },
      ],
    }],
    metadata: { "k\u0000": API_KEY },
  });
  const before = structuredClone(input);
  const content = (input.request_messages as [{ content: unknown[] }])[0].content;
  const clean = await sanitizeRow(input, { apiKey: API_KEY });
  assert.deepEqual(input, before);
  assert.equal((input.request_messages as [{ content: unknown[] }])[0].content, content);
  assert.notDeepEqual(clean, input);
});

Deno.test("sanitizeRow leaves an already clean row equal to itself", async () => {
  const input = row();
  assert.deepEqual(await sanitizeRow(input, { apiKey: API_KEY }), input);
});

Deno.test("sanitizeRow gives the same result when run twice", async () => {
  const input = row({
    request_messages: [{ image_url: { url: dataUrl("image/png", 1000) } }, "x\u0000\udc00"],
    error_message: API_KEY,
  });
  const once = await sanitizeRow(input, { apiKey: API_KEY });
  assert.deepEqual(await sanitizeRow(once, { apiKey: API_KEY }), once);
});

Deno.test("identifying columns longer than 255 characters are cut with a marker, the original length kept", async () => {
  const long = "👋".repeat(200); // 400 code units: a cut must not split a pair
  const clean = await sanitizeRow(row({ model: long, request_id: "x".repeat(255) }));
  assert.equal(clean.request_id, "x".repeat(255), "255 characters are kept whole");
  assert.ok(clean.model.length <= 255);
  assert.ok(clean.model.endsWith("…[truncated]"));
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(clean.model), "no lone surrogate");
  assert.deepEqual((clean.metadata as Record<string, unknown>).llm_log_truncated, { model: 400 });
});
