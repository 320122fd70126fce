/**
 * Streamed answers (`stream: true`) by scenario: the normal stream, and the stream-only
 * variants that need timing or a socket, or depend on the request (slow writes, a broken
 * connection, silence, endless keep-alives, byte-sized writes, and `sim/stream-long`'s N one-word
 * chunks, encoded lazily so that hundreds of such streams can run at once cheaply). Stream quirks
 * that are fixed bytes are replayed from the wire fixtures instead (`fixture-scenarios.ts`).
 *
 * @module
 */
import type { CompletionPlan } from "./completion.ts";
import { encodeFrame, eventStreamResponse, sseResponse } from "./sse.ts";
import { choice, chunkFrame, contentFrames, KEEP_ALIVE, streamFrames } from "./completion-wire.ts";

const encoder = new TextEncoder();

/** What a streamed scenario needs. */
export interface StreamRequest {
  scenario: string;
  plan: CompletionPlan;
  /** For `sim/stream-long`: the number of content chunks. */
  longChunks: number;
}

/**
 * The streamed answer of a scenario (the normal stream for a scenario that does not reshape it).
 *
 * @example
 * ```ts
 * streamAnswer({ scenario: "stream-bytes", plan, longChunks: 0 }).headers.get("content-type");
 * // "text/event-stream"
 * ```
 */
export function streamAnswer({ scenario, plan, longChunks }: StreamRequest): Response {
  const headers = { "x-generation-id": plan.id };
  const opening = [KEEP_ALIVE, ...contentFrames(plan)];
  /** The keep-alive, the role chunk and the first `n` content pieces. */
  const partial = (n: number) => opening.slice(0, 2 + n);
  switch (scenario) {
    case "slow":
      return sseResponse(streamFrames(plan), { headers, delayMs: 50, firstDelayMs: 50 });
    case "stream-abort":
      return sseResponse(partial(4), { headers, end: "abort" });
    case "stream-hang":
      return sseResponse(partial(2), { headers, end: "hang" });
    case "stream-keepalive-forever":
      return eventStreamResponse({ [Symbol.iterator]: keepAlivesForever }, {
        headers,
        delayMs: 100,
      });
    case "stream-bytes":
      return sseResponse(streamFrames(plan), { headers, newline: "\r\n", split: "bytes" });
    case "stream-long":
      return eventStreamResponse({ [Symbol.iterator]: () => longStreamWrites(plan, longChunks) }, {
        headers,
      });
  }
  return sseResponse(streamFrames(plan), { headers });
}

function* keepAlivesForever(): Generator<Uint8Array, void, undefined> {
  const bytes = encoder.encode(encodeFrame(KEEP_ALIVE));
  while (true) yield bytes;
}

/** Chunks sent when the request has no usable `max_tokens`. */
export const DEFAULT_LONG_CHUNKS = 2_000;

/** The most chunks one request can ask for. */
export const MAX_LONG_CHUNKS = 1_000_000;

/**
 * The chunk count a `sim/stream-long` request asks for: its `max_tokens` (or
 * `max_completion_tokens`), else {@link DEFAULT_LONG_CHUNKS}; at most {@link MAX_LONG_CHUNKS}.
 *
 * @example
 * ```ts
 * longChunkCount({ max_tokens: 10_000 }); // 10000
 * ```
 */
export function longChunkCount(body: Record<string, unknown>): number {
  const asked = body.max_tokens ?? body.max_completion_tokens;
  if (typeof asked !== "number" || !Number.isInteger(asked) || asked < 1) {
    return DEFAULT_LONG_CHUNKS;
  }
  return Math.min(asked, MAX_LONG_CHUNKS);
}

/** The word of chunk `index`. */
export function longWord(index: number): string {
  return `w${index} `;
}

/**
 * The writes of a long stream, one per event, produced as they are read: a keep-alive, the
 * role chunk, `count` content chunks, the finish chunk, usage, `[DONE]`.
 *
 * @example
 * ```ts
 * eventStreamResponse(longStreamWrites(plan, 2_000), { headers });
 * ```
 */
export function* longStreamWrites(
  plan: CompletionPlan,
  count: number,
): Generator<Uint8Array, void, undefined> {
  yield encoder.encode(encodeFrame(KEEP_ALIVE));
  yield encoder.encode(encodeFrame(chunkFrame(plan, [choice({ role: "assistant", content: "" })])));
  const marker = "\u0000";
  const template = encodeFrame(chunkFrame(plan, [choice({ role: "assistant", content: marker })]));
  const [before, after] = template.split(JSON.stringify(marker).slice(1, -1));
  const prefix = encoder.encode(before);
  const suffix = encoder.encode(after);
  for (let i = 0; i < count; i++) {
    const word = encoder.encode(longWord(i));
    const write = new Uint8Array(prefix.length + word.length + suffix.length);
    write.set(prefix, 0);
    write.set(word, prefix.length);
    write.set(suffix, prefix.length + word.length);
    yield write;
  }
  const tail = [chunkFrame(plan, [choice({ role: "assistant", content: "" }, "stop")])];
  if (plan.usage) tail.push(chunkFrame(plan, [], { usage: plan.usage }));
  for (const frame of tail) yield encoder.encode(encodeFrame(frame));
  yield encoder.encode(encodeFrame({ done: true }));
}
