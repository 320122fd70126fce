/**
 * `sim/stream-long`: a stream of N one-word content chunks (`w0 `, `w1 `, …), encoded lazily
 * from a prefix and a suffix prepared once, so hundreds of them can run at once cheaply.
 *
 * @module
 */
import type { CompletionPlan } from "./completion.ts";
import { encodeFrames } from "./sse.ts";
import { choice, chunkFrame, KEEP_ALIVE } from "./stream-frames.ts";

/** Chunks sent when the request has no usable `max_tokens`. */
export const DEFAULT_LONG_CHUNKS = 2_000;

/** The most chunks one request can ask for. */
export const MAX_LONG_CHUNKS = 1_000_000;

const encoder = new TextEncoder();

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
  yield encoder.encode(encodeFrames([KEEP_ALIVE]));
  yield encoder.encode(
    encodeFrames([chunkFrame(plan, [choice({ role: "assistant", content: "" })])]),
  );
  const marker = "\u0000";
  const template = encodeFrames([
    chunkFrame(plan, [choice({ role: "assistant", content: marker })]),
  ]);
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
  for (const frame of tail) yield encoder.encode(encodeFrames([frame]));
  yield encoder.encode(encodeFrames([{ done: true }]));
}
