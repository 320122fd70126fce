import assert from "node:assert/strict";
import {
  StreamAccumulator,
  type StreamSummary,
} from "../../supabase/functions/_shared/llm/stream-accumulator.ts";
import { streamError } from "../../supabase/functions/_shared/llm/stream-error.ts";
import type { Json } from "../../supabase/functions/_shared/llm/log-row.ts";
import { TextBuilder } from "../../supabase/functions/_shared/llm/text-builder.ts";

// ---------------------------------------------------------------------------------------------
// Building SSE transcripts

const encoder = new TextEncoder();
const TEXT = "héllo wörld — 你好 👋";
const KEEPALIVE = ": OPENROUTER PROCESSING\n\n";
const DONE = "data: [DONE]\n\n";
const META = {
  id: "gen-1764158400-AbCdEfGhIjKlMnOpQrSt",
  provider: "OpenAI",
  model: "openai/gpt-4o-mini",
  object: "chat.completion.chunk",
  created: 1764158400,
};
const USAGE = {
  prompt_tokens: 24,
  completion_tokens: 7,
  total_tokens: 31,
  cost: 0.0000078,
  is_byok: false,
  prompt_tokens_details: { cached_tokens: 0 },
  cost_details: { upstream_inference_cost: null },
  completion_tokens_details: { reasoning_tokens: 0 },
};

function event(body: unknown): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** One `chat.completion.chunk` event with a single choice. */
function chunk(
  delta: Record<string, unknown>,
  finish: string | null = null,
  extra: Record<string, unknown> = {},
): string {
  return event({
    ...META,
    choices: [{
      index: 0,
      delta,
      finish_reason: finish,
      native_finish_reason: finish,
      logprobs: null,
    }],
    ...extra,
  });
}

const ROLE = chunk({ role: "assistant", content: "" });
const TEXT_DELTAS = ["hé", "llo w", "örld — 你", "好 👋"].map((c) =>
  chunk({ role: "assistant", content: c })
);
const STOP = chunk({ role: "assistant", content: "" }, "stop");
const FINAL_USAGE = event({ ...META, choices: [], usage: USAGE });

function toolCall(call: Record<string, unknown>): string {
  return chunk({ role: "assistant", content: null, tool_calls: [call] });
}

const PROVIDER_ERROR = {
  message: "Provider returned error",
  metadata: { provider_name: "Azure", raw: '{"error":{"message":"The server had an error"}}' },
};

function errorEvent(code: number | string): string {
  return event({
    ...META,
    error: { code, ...PROVIDER_ERROR },
    choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
  });
}

/** A transcript: its events in order, and which one carries the first token (if any). */
interface Transcript {
  frames: string[];
  firstToken: number | null;
}

const STREAMS: Record<string, Transcript> = {
  "text with keep-alives and usage on a final choices: [] chunk": {
    frames: [KEEPALIVE, KEEPALIVE, ROLE, ...TEXT_DELTAS, STOP, FINAL_USAGE, DONE],
    firstToken: 3,
  },
  "reasoning, then text, then interleaved tool-call fragments": {
    frames: [
      KEEPALIVE,
      ROLE,
      chunk({ role: "assistant", content: "", reasoning: "Need " }),
      chunk({ role: "assistant", content: "", reasoning: "the wéather." }),
      KEEPALIVE,
      chunk({ role: "assistant", content: "Let me check." }),
      toolCall({
        index: 0,
        id: "call_a",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      }),
      toolCall({ index: 0, id: "", type: "function", function: { arguments: '{"loc' } }),
      toolCall({
        index: 1,
        id: "call_b",
        type: "function",
        function: { name: "get_time", arguments: '{"tz":' },
      }),
      toolCall({ index: 0, id: "call_a", function: { arguments: 'ation":"París"}' } }),
      toolCall({ index: 1, function: { arguments: '"Europe/Paris"}' } }),
      chunk({ role: "assistant", content: "" }, "tool_calls", {}),
      event({
        ...META,
        choices: [],
        usage: { ...USAGE, completion_tokens_details: { reasoning_tokens: 5 } },
      }),
      DONE,
    ],
    firstToken: 2,
  },
  "tool calls only, with the name repeated on every fragment": {
    frames: [
      ROLE,
      toolCall({ index: 0, id: "call_1", type: "function", function: { name: "lookup" } }),
      toolCall({ index: 0, id: "call_1", function: { name: "lookup", arguments: '{"q":' } }),
      toolCall({ index: 0, id: "call_1", function: { name: "lookup", arguments: '"👋"}' } }),
      chunk({}, "tool_calls"),
      FINAL_USAGE,
      DONE,
    ],
    firstToken: 1,
  },
  "usage riding on a chunk that repeats finish_reason stop": {
    frames: [
      ROLE,
      ...TEXT_DELTAS,
      STOP,
      chunk({ role: "assistant", content: "" }, "stop", { usage: USAGE }),
      DONE,
    ],
    firstToken: 1,
  },
  "usage sent twice and a later null finish_reason": {
    frames: [
      ROLE,
      chunk({ content: "Hi" }, "stop", { usage: { ...USAGE, cost: null } }),
      chunk({ content: "" }, null, { usage: null }),
      FINAL_USAGE,
      DONE,
    ],
    firstToken: 1,
  },
  "a mid-stream error with a numeric code": {
    frames: [KEEPALIVE, ROLE, TEXT_DELTAS[0], TEXT_DELTAS[1], errorEvent(502)],
    firstToken: 2,
  },
  "a mid-stream error with a string code": {
    frames: [KEEPALIVE, ROLE, TEXT_DELTAS[0], errorEvent("server_error")],
    firstToken: 2,
  },
  "finish_reason error without an error object": {
    frames: [ROLE, TEXT_DELTAS[0], chunk({ content: "" }, "error"), DONE],
    firstToken: 1,
  },
  "a data line that is not JSON": {
    frames: [
      ROLE,
      chunk({ content: "A" }),
      "data: {not json at all\n\n",
      chunk({ content: "B" }),
      STOP,
      DONE,
    ],
    firstToken: 1,
  },
  "CRLF framing": {
    frames: [KEEPALIVE, KEEPALIVE, ROLE, ...TEXT_DELTAS, STOP, FINAL_USAGE, DONE].map((f) =>
      f.replaceAll("\n", "\r\n")
    ),
    firstToken: 3,
  },
  "a dropped connection: no [DONE], no usage": {
    frames: [KEEPALIVE, ROLE, ...TEXT_DELTAS.slice(0, 3)],
    firstToken: 2,
  },
  "[DONE] without its trailing blank line": {
    frames: [ROLE, ...TEXT_DELTAS, STOP, FINAL_USAGE, "data: [DONE]"],
    firstToken: 1,
  },
  "only keep-alives and a role chunk": {
    frames: [KEEPALIVE, KEEPALIVE, ROLE, KEEPALIVE, DONE],
    firstToken: null,
  },
};

// ---------------------------------------------------------------------------------------------
// Feeding

function bytesOf(transcript: Transcript): Uint8Array {
  return encoder.encode(transcript.frames.join(""));
}

/** Byte offsets [start, end) of the event that carries the first token. */
function firstTokenBytes(transcript: Transcript): [number, number] | null {
  if (transcript.firstToken === null) return null;
  const before = encoder.encode(transcript.frames.slice(0, transcript.firstToken).join("")).length;
  const own = encoder.encode(transcript.frames[transcript.firstToken]).length;
  return [before, before + own];
}

/** Feeds the chunks in order, chunk i arriving at time 1000 + i, and finishes. */
function feed(chunks: Uint8Array[]): StreamSummary {
  const accumulator = new StreamAccumulator();
  chunks.forEach((c, i) => accumulator.feed(c, 1000 + i));
  return accumulator.finish();
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).map((end, i) => bytes.slice(bounds[i], end));
}

/** The summary without its timing, which depends on the chunking by design. */
function content(summary: StreamSummary): Omit<StreamSummary, "firstTokenAt"> {
  const { firstTokenAt: _, ...rest } = summary;
  return rest;
}

/** firstTokenAt names a chunk that carried part of the first token's event. */
function assertFirstTokenAt(
  summary: StreamSummary,
  transcript: Transcript,
  chunks: Uint8Array[],
  label: string,
): void {
  const range = firstTokenBytes(transcript);
  if (range === null) {
    assert.equal(summary.firstTokenAt, null, label);
    return;
  }
  const chunkOf = (byte: number) => {
    let end = 0;
    for (let i = 0; i < chunks.length; i++) {
      end += chunks[i].length;
      if (byte < end) return i;
    }
    throw new RangeError(`byte ${byte} is past the end`);
  };
  const earliest = 1000 + chunkOf(range[0]);
  const latest = 1000 + chunkOf(range[1] - 1);
  assert.ok(
    summary.firstTokenAt !== null && summary.firstTokenAt >= earliest &&
      summary.firstTokenAt <= latest,
    `${label}: firstTokenAt ${summary.firstTokenAt} not in [${earliest}, ${latest}]`,
  );
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCuts(length: number, random: () => number, maxChunk: number): number[] {
  const cuts: number[] = [];
  let at = 0;
  while (true) {
    at += 1 + Math.floor(random() * maxChunk);
    if (at >= length) return cuts;
    cuts.push(at);
  }
}

// ---------------------------------------------------------------------------------------------
// What each stream says, fed whole

function whole(name: string): StreamSummary {
  return feed([bytesOf(STREAMS[name])]);
}

Deno.test("StreamAccumulator reassembles a text stream with keep-alives into a completion body", () => {
  const summary = whole("text with keep-alives and usage on a final choices: [] chunk");
  assert.deepEqual(summary, {
    responseBody: {
      id: META.id,
      provider: "OpenAI",
      model: "openai/gpt-4o-mini",
      created: 1764158400,
      object: "chat.completion",
      choices: [{
        index: 0,
        message: { role: "assistant", content: TEXT },
        finish_reason: "stop",
        native_finish_reason: "stop",
      }],
      usage: USAGE,
    },
    completionText: TEXT,
    finishReason: "stop",
    usage: USAGE,
    error: null,
    done: true,
    firstTokenAt: 1000,
  });
});

Deno.test("StreamAccumulator joins reasoning, and tool-call fragments by index despite empty or repeated ids", () => {
  const summary = whole("reasoning, then text, then interleaved tool-call fragments");
  assert.equal(summary.completionText, "Let me check.");
  assert.equal(summary.finishReason, "tool_calls");
  assert.equal(summary.done, true);
  assert.deepEqual(summary.responseBody.choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: "Let me check.",
      reasoning: "Need the wéather.",
      tool_calls: [
        {
          id: "call_a",
          type: "function",
          function: { name: "get_weather", arguments: '{"location":"París"}' },
        },
        {
          id: "call_b",
          type: "function",
          function: { name: "get_time", arguments: '{"tz":"Europe/Paris"}' },
        },
      ],
    },
    finish_reason: "tool_calls",
    native_finish_reason: "tool_calls",
  }]);
  assert.deepEqual(
    (summary.usage as { completion_tokens_details: unknown }).completion_tokens_details,
    { reasoning_tokens: 5 },
  );
});

Deno.test("StreamAccumulator keeps a tool name once when a provider repeats it on every fragment", () => {
  const summary = whole("tool calls only, with the name repeated on every fragment");
  assert.equal(summary.completionText, null);
  const [choice] = summary.responseBody.choices as [{ message: Record<string, unknown> }];
  assert.equal(choice.message.content, null);
  assert.deepEqual(choice.message.tool_calls, [{
    id: "call_1",
    type: "function",
    function: { name: "lookup", arguments: '{"q":"👋"}' },
  }]);
});

Deno.test("StreamAccumulator reads usage from a chunk that still has a choice and repeats stop", () => {
  const summary = whole("usage riding on a chunk that repeats finish_reason stop");
  assert.deepEqual(summary.usage, USAGE);
  assert.deepEqual(summary.responseBody.usage, USAGE);
  assert.equal(summary.finishReason, "stop");
  assert.equal(summary.completionText, TEXT);
});

Deno.test("StreamAccumulator keeps the last non-null usage and the last non-null finish_reason", () => {
  const summary = whole("usage sent twice and a later null finish_reason");
  assert.deepEqual(summary.usage, USAGE, "the final usage, with its cost");
  assert.equal(summary.finishReason, "stop");
});

Deno.test("StreamAccumulator records a mid-stream error with a numeric code and the text before it", () => {
  const summary = whole("a mid-stream error with a numeric code");
  assert.deepEqual(summary.error, { code: 502, ...PROVIDER_ERROR });
  assert.deepEqual(summary.responseBody.error, { code: 502, ...PROVIDER_ERROR });
  assert.equal(summary.finishReason, "error");
  assert.equal(summary.completionText, "héllo w");
  assert.equal(summary.done, false);
  assert.equal(summary.usage, null);
});

Deno.test("StreamAccumulator records a mid-stream error with a string code", () => {
  const summary = whole("a mid-stream error with a string code");
  assert.deepEqual(summary.error, { code: "server_error", ...PROVIDER_ERROR });
  assert.equal(summary.finishReason, "error");
  assert.equal(summary.completionText, "hé");
});

Deno.test("StreamAccumulator reports finish_reason error even when no error object came", () => {
  const summary = whole("finish_reason error without an error object");
  assert.equal(summary.error, null);
  assert.equal(summary.finishReason, "error");
  assert.equal(summary.done, true);
});

Deno.test("StreamAccumulator notes a data line that is not JSON and keeps reading", () => {
  const summary = whole("a data line that is not JSON");
  assert.equal(summary.completionText, "AB");
  assert.equal(summary.done, true);
  assert.deepEqual(summary.responseBody.invalid_events, {
    count: 1,
    samples: ["{not json at all"],
  });
});

Deno.test("StreamAccumulator records an event longer than maxEventChars as a failure and reads no further", () => {
  const huge = chunk({ content: "x".repeat(2_000) });
  const bytes = encoder.encode(
    [ROLE, TEXT_DELTAS[0], huge, TEXT_DELTAS[1], STOP, FINAL_USAGE, DONE].join(""),
  );
  const accumulator = new StreamAccumulator({ maxEventChars: 1_000 });
  splitAt(bytes, randomCuts(bytes.length, prng(7), 100)).forEach((c, i) => accumulator.feed(c, i));
  const summary = accumulator.finish();
  assert.equal(summary.completionText, "hé", "the text before the oversized event is kept");
  assert.equal((summary.error as { code?: Json } | null)?.code, "event_too_large");
  assert.match(
    String((summary.error as { message?: Json } | null)?.message),
    /longer than 1000 characters/,
  );
  assert.equal(summary.done, false);
  assert.equal(summary.usage, null);
  assert.equal(streamError({ kind: "eof" }, summary, "log-1")?.type, "stream_error");
});

Deno.test("StreamAccumulator keeps every item of an event with 300,000 reasoning_details", () => {
  const details = Array.from({ length: 300_000 }, (_, i) => i);
  const accumulator = new StreamAccumulator();
  accumulator.feed(encoder.encode(chunk({ reasoning_details: details }) + DONE), 0);
  const summary = accumulator.finish();
  const message = (summary.responseBody.choices as { message: Record<string, unknown> }[])[0]
    .message;
  assert.deepEqual(message.reasoning_details, details);
  assert.equal(summary.done, true);
  assert.equal(summary.error, null);
});

Deno.test("StreamAccumulator stopped by a failure keeps what came, says why, and reads no further", () => {
  const accumulator = new StreamAccumulator();
  accumulator.feed(encoder.encode(ROLE + TEXT_DELTAS[0]), 0);
  accumulator.stop(new TypeError("not bytes"));
  accumulator.feed(encoder.encode(TEXT_DELTAS[1] + STOP + DONE), 1);
  const summary = accumulator.finish();
  assert.equal(summary.completionText, "hé", "the text before the failure is kept");
  assert.equal(summary.done, false);
  assert.deepEqual(summary.error, {
    code: "stream_unreadable",
    message: "Reading the stream's events failed (TypeError: not bytes); " +
      "the rest of the stream was passed on without being read",
  });
  assert.equal(streamError({ kind: "eof" }, summary, "log-1")?.type, "stream_error");
});

Deno.test("StreamAccumulator records a mid-stream error that is only a string, as a body's would be", () => {
  const summary = feed([encoder.encode(TEXT_DELTAS[0] + event({ error: "boom" }))]);
  assert.equal(summary.error, "boom");
  assert.equal(summary.responseBody.error, "boom");
  const error = streamError({ kind: "eof" }, summary, "log-1");
  assert.deepEqual([error?.type, error?.message], ["stream_error", "boom"]);
});

Deno.test("StreamAccumulator records a choice's error that is only a string", () => {
  const failed = {
    index: 0,
    delta: { content: "" },
    finish_reason: "error",
    error: "choice failed",
  };
  const summary = feed([encoder.encode(event({ ...META, choices: [failed] }))]);
  assert.equal(summary.error, "choice failed");
});

Deno.test("StreamAccumulator sees data: [DONE] padded with whitespace as the end", () => {
  const summary = feed([encoder.encode(ROLE + TEXT_DELTAS[0] + "data: [DONE] \t\n\n")]);
  assert.equal(summary.done, true);
  assert.equal(streamError({ kind: "eof" }, summary, "log-1"), null);
});

Deno.test("StreamAccumulator bounds a line that never ends at 16 MiB by default", () => {
  const accumulator = new StreamAccumulator();
  accumulator.feed(encoder.encode(ROLE + TEXT_DELTAS[0] + "data: "), 0);
  const megabyte = encoder.encode("y".repeat(1024 * 1024));
  for (let i = 1; i <= 17; i++) accumulator.feed(megabyte, i);
  const summary = accumulator.finish();
  assert.equal((summary.error as { code?: Json } | null)?.code, "event_too_large");
  assert.equal(summary.completionText, "hé");
});

Deno.test("StreamAccumulator reads a CRLF-framed stream exactly like an LF-framed one", () => {
  assert.deepEqual(
    whole("CRLF framing"),
    whole("text with keep-alives and usage on a final choices: [] chunk"),
  );
});

Deno.test("StreamAccumulator reports a stream cut off without [DONE] as not done, without usage", () => {
  const summary = whole("a dropped connection: no [DONE], no usage");
  assert.equal(summary.done, false);
  assert.equal(summary.usage, null);
  assert.equal(summary.finishReason, null);
  assert.equal(summary.completionText, "héllo wörld — 你");
  assert.equal(summary.responseBody.usage, null);
});

Deno.test("StreamAccumulator sees a final [DONE] that lacks its trailing blank line", () => {
  const summary = whole("[DONE] without its trailing blank line");
  assert.equal(summary.done, true);
  assert.equal(summary.completionText, TEXT);
  assert.deepEqual(summary.usage, USAGE);
});

Deno.test("StreamAccumulator has no first token and no text when only keep-alives and a role chunk came", () => {
  const summary = whole("only keep-alives and a role chunk");
  assert.equal(summary.firstTokenAt, null);
  assert.equal(summary.completionText, null);
  assert.equal(summary.done, true);
  assert.deepEqual(summary.responseBody.choices, [{
    index: 0,
    message: { role: "assistant", content: null },
    finish_reason: null,
    native_finish_reason: null,
  }]);
});

Deno.test("StreamAccumulator summarises an empty stream as nothing received", () => {
  const summary = new StreamAccumulator().finish();
  assert.deepEqual(summary, {
    responseBody: { object: "chat.completion", choices: [], usage: null },
    completionText: null,
    finishReason: null,
    usage: null,
    error: null,
    done: false,
    firstTokenAt: null,
  });
});

// ---------------------------------------------------------------------------------------------
// However the bytes are split

for (const [name, transcript] of Object.entries(STREAMS)) {
  Deno.test(`StreamAccumulator summarises "${name}" identically however its bytes are split`, async (t) => {
    const bytes = bytesOf(transcript);
    const expected = content(feed([bytes]));

    await t.step("split once at every byte boundary", () => {
      for (let cut = 1; cut < bytes.length; cut++) {
        const chunks = splitAt(bytes, [cut]);
        const summary = feed(chunks);
        assert.deepEqual(content(summary), expected, `split at byte ${cut}`);
        assertFirstTokenAt(summary, transcript, chunks, `split at byte ${cut}`);
      }
    });

    await t.step("fed one byte at a time", () => {
      const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
      const summary = feed(chunks);
      assert.deepEqual(content(summary), expected);
      assertFirstTokenAt(summary, transcript, chunks, "1-byte chunks");
    });

    await t.step("fed in random chunkings (seeded, deterministic)", () => {
      for (let seed = 1; seed <= 60; seed++) {
        const random = prng(seed * 7919 + name.length);
        const maxChunk = [3, 17, 64, 512][seed % 4];
        const chunks = splitAt(bytes, randomCuts(bytes.length, random, maxChunk));
        const summary = feed(chunks);
        assert.deepEqual(content(summary), expected, `seed ${seed}`);
        assertFirstTokenAt(summary, transcript, chunks, `seed ${seed}`);
      }
    });
  });
}

// Several times longer than the bytes the accumulator gathers before it parses (64 KiB), with
// the first token only after the first 64 KiB.
const LONG_DELTAS = Array.from({ length: 1_500 }, (_, i) => `wörd ${i} — 你好 👋 `);
const LONG: Transcript = {
  frames: [
    ...Array.from({ length: 3_000 }, () => KEEPALIVE),
    ROLE,
    ...LONG_DELTAS.map((c) => chunk({ content: c })),
    STOP,
    FINAL_USAGE,
    DONE,
  ],
  firstToken: 3_001,
};

Deno.test("StreamAccumulator reads a long stream, its first token after 64 KiB, the same however it arrives", async (t) => {
  const bytes = bytesOf(LONG);
  assert.ok(bytes.length > 5 * 65_536 && firstTokenBytes(LONG)![0] > 65_536);
  const expected = content(feed([bytes]));
  assert.equal(expected.completionText, LONG_DELTAS.join(""));
  assert.equal(expected.done, true);

  await t.step("one event per chunk", () => {
    const chunks = LONG.frames.map((f) => encoder.encode(f));
    const summary = feed(chunks);
    assert.deepEqual(content(summary), expected);
    assertFirstTokenAt(summary, LONG, chunks, "one event per chunk");
  });

  await t.step("random chunkings, some chunks larger than 64 KiB", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const random = prng(seed * 104_729);
      const maxChunk = [7, 300, 4_096, 150_000][seed % 4];
      const chunks = splitAt(bytes, randomCuts(bytes.length, random, maxChunk));
      const summary = feed(chunks);
      assert.deepEqual(content(summary), expected, `seed ${seed}`);
      assertFirstTokenAt(summary, LONG, chunks, `seed ${seed}`);
    }
  });

  await t.step("asked for its progress in the middle", () => {
    const accumulator = new StreamAccumulator();
    const half = LONG.firstToken! + 700;
    LONG.frames.slice(0, half).forEach((f, i) => accumulator.feed(encoder.encode(f), i));
    const partial = accumulator.summary();
    assert.equal(partial.firstTokenAt, LONG.firstToken);
    assert.ok(LONG_DELTAS.join("").startsWith(partial.completionText!));
    LONG.frames.slice(half).forEach((f, i) => accumulator.feed(encoder.encode(f), half + i));
    assert.deepEqual(content(accumulator.finish()), expected);
  });
});

Deno.test("StreamAccumulator keeps every multi-byte character intact when a chunk ends inside it", () => {
  const frame = chunk({ content: TEXT });
  const bytes = encoder.encode(frame);
  const starts = ["é", "ö", "—", "你", "好", "👋"].map((ch) =>
    bytes.findIndex((_, i) => encoder.encode(ch).every((b, j) => bytes[i + j] === b))
  );
  for (const [k, start] of starts.entries()) {
    assert.ok(start > 0, `character ${k} found`);
    const width = encoder.encode(["é", "ö", "—", "你", "好", "👋"][k]).length;
    for (let inside = 1; inside < width; inside++) {
      const summary = feed(splitAt(bytes, [start + inside]));
      assert.equal(summary.completionText, TEXT, `cut ${inside} bytes into character ${k}`);
    }
  }
});

Deno.test("StreamAccumulator treats a chunk boundary between \\r and \\n as one line break", () => {
  const frames = [ROLE, chunk({ content: "one" }), chunk({ content: " two" }), STOP, DONE].map((
    f,
  ) => f.replaceAll("\n", "\r\n"));
  const bytes = encoder.encode(frames.join(""));
  const crs = [...bytes.keys()].filter((i) => bytes[i] === 13);
  assert.ok(crs.length >= 10);
  for (const cr of crs) {
    const summary = feed(splitAt(bytes, [cr + 1]));
    assert.equal(summary.completionText, "one two", `split after the \\r at ${cr}`);
    assert.equal(summary.done, true);
    assert.equal(summary.responseBody.invalid_events, undefined);
  }
  const allSplits = feed(splitAt(bytes, crs.map((cr) => cr + 1)));
  assert.equal(allSplits.completionText, "one two");
});

// ---------------------------------------------------------------------------------------------
// Time to first token

/** Feeds one event per network chunk at the given times. */
function feedFrames(frames: string[], times: number[]): StreamSummary {
  const accumulator = new StreamAccumulator();
  frames.forEach((f, i) => accumulator.feed(encoder.encode(f), times[i]));
  return accumulator.finish();
}

Deno.test("StreamAccumulator times the first token from the chunk that carried the first content", () => {
  const summary = feedFrames(
    [
      KEEPALIVE,
      ROLE,
      chunk({ content: "" }),
      chunk({ content: "Hi" }),
      chunk({ content: "!" }),
      DONE,
    ],
    [10, 20, 30, 40, 50, 60],
  );
  assert.equal(summary.firstTokenAt, 40);
});

Deno.test("StreamAccumulator times the first token from a reasoning delta that comes before content", () => {
  const summary = feedFrames(
    [ROLE, chunk({ reasoning: "Thinking" }), chunk({ content: "Hi" }), DONE],
    [5, 15, 25, 35],
  );
  assert.equal(summary.firstTokenAt, 15);
});

Deno.test("StreamAccumulator times the first token from a tool-call fragment when no text comes", () => {
  const summary = feedFrames(
    [
      ROLE,
      toolCall({ index: 0, id: "c", type: "function", function: { name: "f", arguments: "" } }),
      toolCall({ index: 0, function: { arguments: "{}" } }),
      DONE,
    ],
    [5, 15, 25, 35],
  );
  assert.equal(summary.firstTokenAt, 15);
});

Deno.test("StreamAccumulator times the first token when the chunk that completes its event arrives", () => {
  const frame = chunk({ content: "Hi" });
  const accumulator = new StreamAccumulator();
  accumulator.feed(encoder.encode(ROLE + frame.slice(0, 20)), 100);
  assert.equal(accumulator.summary().firstTokenAt, null, "the event is not complete yet");
  accumulator.feed(encoder.encode(frame.slice(20)), 200);
  assert.equal(accumulator.summary().firstTokenAt, 200);
});

Deno.test("StreamAccumulator reports its progress before the stream is finished", () => {
  const accumulator = new StreamAccumulator();
  accumulator.feed(encoder.encode(ROLE + TEXT_DELTAS[0] + TEXT_DELTAS[1]), 1);
  const partial = accumulator.summary();
  assert.equal(partial.completionText, "héllo w");
  assert.equal(partial.done, false);
  accumulator.feed(encoder.encode(TEXT_DELTAS[2] + TEXT_DELTAS[3] + STOP + DONE), 2);
  const summary = accumulator.finish();
  assert.equal(summary.completionText, TEXT);
  assert.equal(summary.done, true);
});

// ---------------------------------------------------------------------------------------------
// Odd but valid events

Deno.test("StreamAccumulator notes JSON that is not an object, and caps the samples it keeps", () => {
  const bad = ["42", '"text"', "null", "[1,2]", "{oops", `{${"x".repeat(1000)}`, "nope"];
  const frames = [ROLE, ...bad.map((b) => `data: ${b}\n\n`), chunk({ content: "ok" }), DONE];
  const summary = feed([encoder.encode(frames.join(""))]);
  assert.equal(summary.completionText, "ok");
  const invalid = summary.responseBody.invalid_events as { count: number; samples: string[] };
  assert.equal(invalid.count, bad.length);
  assert.equal(invalid.samples.length, 5);
  assert.deepEqual(invalid.samples.slice(0, 5), ["42", '"text"', "null", "[1,2]", "{oops"]);
});

Deno.test("StreamAccumulator keeps choices apart by index and takes the text of the first", () => {
  const two = (index: number, content: string, finish: string | null = null) =>
    event({ ...META, choices: [{ index, delta: { content }, finish_reason: finish }] });
  const summary = feed([
    encoder.encode([two(1, "B1"), two(0, "A1"), two(1, "B2"), two(0, "A2", "stop"), DONE].join("")),
  ]);
  assert.equal(summary.completionText, "A1A2");
  assert.equal(summary.finishReason, "stop");
  const choices = summary.responseBody.choices as { index: number; message: { content: string } }[];
  assert.deepEqual(choices.map((c) => [c.index, c.message.content]), [[0, "A1A2"], [1, "B1B2"]]);
});

Deno.test("StreamAccumulator treats a choice without an index as choice 0", () => {
  const summary = feed([
    encoder.encode(
      [event({ ...META, choices: [{ delta: { content: "x" } }] }), chunk({ content: "y" })].join(
        "",
      ),
    ),
  ]);
  assert.equal(summary.completionText, "xy");
  assert.equal((summary.responseBody.choices as unknown[]).length, 1);
});

Deno.test("StreamAccumulator takes id, model and provider from the first event that has them", () => {
  const summary = feed([
    encoder.encode(
      [
        event({ choices: [], object: "chat.completion.chunk" }),
        event({
          ...META,
          model: "anthropic/claude-3.5-sonnet",
          provider: "Anthropic",
          choices: [],
        }),
        event({ ...META, model: "other/model", provider: "Other", choices: [] }),
      ].join(""),
    ),
  ]);
  assert.equal(summary.responseBody.id, META.id);
  assert.equal(summary.responseBody.model, "anthropic/claude-3.5-sonnet");
  assert.equal(summary.responseBody.provider, "Anthropic");
  assert.equal(summary.responseBody.object, "chat.completion");
});

// ---------------------------------------------------------------------------------------------
// Long streams

Deno.test("StreamAccumulator reassembles a 10,000-chunk stream fed one event per network chunk", () => {
  const accumulator = new StreamAccumulator();
  const pieces: string[] = [];
  accumulator.feed(encoder.encode(KEEPALIVE + ROLE), 0);
  for (let i = 0; i < 10_000; i++) {
    const piece = i % 7 === 0 ? `👋${i} ` : `w${i} `;
    pieces.push(piece);
    accumulator.feed(encoder.encode(chunk({ content: piece })), i + 1);
  }
  accumulator.feed(encoder.encode(STOP + FINAL_USAGE + DONE), 10_001);
  const summary = accumulator.finish();
  assert.equal(summary.completionText, pieces.join(""));
  assert.equal(summary.firstTokenAt, 1);
  assert.equal(summary.finishReason, "stop");
  assert.deepEqual(summary.usage, USAGE);
  assert.equal(summary.done, true);
});

Deno.test("StreamAccumulator joins a tool call's arguments from 10,000 fragments in order", () => {
  const accumulator = new StreamAccumulator();
  const fragments: string[] = [];
  accumulator.feed(
    encoder.encode(
      toolCall({ index: 0, id: "c", type: "function", function: { name: "f", arguments: "[" } }),
    ),
    0,
  );
  fragments.push("[");
  for (let i = 0; i < 10_000; i++) {
    const fragment = `${i},`;
    fragments.push(fragment);
    accumulator.feed(
      encoder.encode(toolCall({ index: 0, id: "", function: { arguments: fragment } })),
      i + 1,
    );
  }
  const summary = accumulator.finish();
  const [choice] = summary.responseBody.choices as [
    { message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } },
  ];
  assert.equal(choice.message.tool_calls.length, 1);
  assert.equal(choice.message.tool_calls[0].id, "c");
  assert.equal(choice.message.tool_calls[0].function.name, "f");
  assert.equal(choice.message.tool_calls[0].function.arguments, fragments.join(""));
});

// ---------------------------------------------------------------------------------------------
// TextBuilder

Deno.test("TextBuilder joins pieces in order across block boundaries", () => {
  for (const count of [0, 1, 255, 256, 257, 511, 512, 513, 10_000]) {
    const builder = new TextBuilder();
    const pieces = Array.from({ length: count }, (_, i) => `${i}${i % 3 === 0 ? "é👋" : ""},`);
    for (const piece of pieces) builder.append(piece);
    const expected = pieces.join("");
    assert.equal(builder.toString(), expected, `${count} pieces`);
    assert.equal(builder.length, expected.length, `${count} pieces`);
  }
});

Deno.test("TextBuilder ignores empty pieces without disturbing the order", () => {
  const builder = new TextBuilder();
  const pieces: string[] = [];
  for (let i = 0; i < 1_000; i++) {
    builder.append("");
    builder.append(String(i));
    pieces.push(String(i));
  }
  assert.equal(builder.toString(), pieces.join(""));
  assert.equal(new TextBuilder().toString(), "");
  assert.equal(new TextBuilder().length, 0);
});

Deno.test("TextBuilder can be read and then appended to again", () => {
  const builder = new TextBuilder();
  const pieces: string[] = [];
  for (let i = 0; i < 600; i++) {
    builder.append(`${i};`);
    pieces.push(`${i};`);
    if (i % 97 === 0) assert.equal(builder.toString(), pieces.join(""), `after ${i + 1} pieces`);
  }
  assert.equal(builder.toString(), pieces.join(""));
  assert.equal(builder.toString(), builder.toString());
});

Deno.test("TextBuilder counts length in UTF-16 code units", () => {
  const builder = new TextBuilder();
  builder.append("👋");
  builder.append("é");
  assert.equal(builder.length, 3);
});
