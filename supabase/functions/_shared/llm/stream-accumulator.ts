// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Reassembles a streamed completion from the raw bytes of OpenRouter's SSE stream.
 *
 * Each network chunk is decoded and handed to `eventsource-parser` as it passes, which does the
 * framing (comments such as `: OPENROUTER PROCESSING`, CRLF or LF, events split anywhere, one
 * event's size bounded by its `maxBufferSize`); a streaming `TextDecoder` keeps multi-byte
 * characters split across network chunks intact. Each event is read tolerantly: usage may ride
 * on any chunk (the last non-null wins), `choices` may be empty, each choice is put back
 * together by a {@link StreamedChoice}, and a line that is not JSON is recorded, not fatal. An
 * event larger than the bound is recorded as the stream's error and the rest of the stream is
 * passed on unread, as is everything after a failure to read it
 * ({@link StreamAccumulator.stop}).
 *
 * @module
 */
import {
  createParser,
  type EventSourceParser,
  type ParseError,
} from "npm:eventsource-parser@4.1.3";
import { describeValue } from "./caller-values.ts";
import { isRecord } from "./json.ts";
import type { Json } from "./log-row.ts";
import { StreamedChoice } from "./streamed-choice.ts";

const MAX_INVALID_SAMPLES = 5;
const MAX_SAMPLE_LENGTH = 500;
/**
 * The largest event read, in characters: far above any text delta, room for an image model's
 * base64 output in one event, and a bound on what a broken upstream can make us buffer.
 */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;
/** Event fields kept from the first event that has them. */
const META_KEYS = ["id", "model", "provider", "created", "system_fingerprint"] as const;

/** What the stream said, once it is over (or as far as it got). */
export interface StreamSummary {
  /** The reassembled completion, shaped like a non-streaming response body. */
  responseBody: Record<string, Json>;
  /** All content deltas of the first choice, joined. */
  completionText: string | null;
  finishReason: string | null;
  usage: unknown;
  /**
   * An in-band `error` as it came, usually an object but sometimes just a string (as in a
   * non-streamed body, any non-null value counts), or the reason reading stopped; else `null`.
   */
  error: Json | null;
  /** True once `data: [DONE]` was seen. */
  done: boolean;
  /** `performance.now()` of the first non-empty content, reasoning or tool-call delta. */
  firstTokenAt: number | null;
}

/** Options of {@link StreamAccumulator}. */
export interface StreamAccumulatorOptions {
  /**
   * The largest event read, in characters (`eventsource-parser`'s `maxBufferSize`). A larger
   * one is recorded as the stream's `error` (code `event_too_large`), and the rest is not read.
   *
   * @default {16777216}
   */
  maxEventChars?: number;
}

/**
 * Feed it the stream's bytes as they pass; ask for the {@link StreamSummary} at the end.
 *
 * @example
 * ```ts
 * const accumulator = new StreamAccumulator();
 * const bytes = new TextEncoder().encode('data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n');
 * accumulator.feed(bytes, performance.now());
 * accumulator.finish().completionText; // "Hi"
 * ```
 */
export class StreamAccumulator {
  #decoder = new TextDecoder();
  #parser: EventSourceParser;
  #maxEventChars: number;
  /** Set once an event was too large or reading failed: the stream goes on unread. */
  #stopped = false;
  #chunkAt = 0;
  #meta: Record<string, Json> = {};
  #choices = new Map<number, StreamedChoice>();
  #usage: unknown = null;
  #error: Json | null = null;
  #done = false;
  #firstTokenAt: number | null = null;
  #invalid: string[] = [];
  #invalidCount = 0;

  constructor(options: StreamAccumulatorOptions = {}) {
    this.#maxEventChars = options.maxEventChars ?? MAX_EVENT_CHARS;
    this.#parser = createParser({
      onEvent: (event) => this.#onData(event.data),
      onError: (error) => this.#onParseError(error),
      maxBufferSize: this.#maxEventChars,
    });
  }

  /** Takes one network chunk that arrived at `arrivedAt` (`performance.now()`). */
  feed(chunk: Uint8Array, arrivedAt: number): void {
    if (this.#stopped) return;
    this.#chunkAt = arrivedAt;
    this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
  }

  /** Flushes a final event that lacked its blank line, then summarises. */
  finish(): StreamSummary {
    // `reset({ consume: true })` would parse a last unterminated line but, as the SSE spec has
    // it, never dispatch an event whose blank line did not come: a stream ending in a bare
    // `data: [DONE]` would then look cut off. Ending the line and the event dispatches it.
    if (!this.#stopped) {
      try {
        this.#parser.feed(this.#decoder.decode() + "\n\n");
      } catch (error) {
        this.stop(error); // the row still gets what came before
      }
    }
    return this.summary();
  }

  /**
   * Stops reading after `error` broke it (a chunk that is not bytes, a bug): as for an oversized
   * event, the summary keeps what came before, its `error` says why it ends there (code
   * `stream_unreadable`), and later chunks are not read.
   */
  stop(error: unknown): void {
    this.#stopped = true;
    this.#error ??= {
      code: "stream_unreadable",
      message:
        `Reading the stream's events failed (${describeValue(error, { withName: true })}); ` +
        "the rest of the stream was passed on without being read",
    };
  }

  /** What has been received so far. */
  summary(): StreamSummary {
    const first = this.#choices.get(lowest(this.#choices.keys()));
    return {
      responseBody: this.#responseBody(),
      completionText: first?.text ?? null,
      finishReason: first?.finishReason ?? null,
      usage: this.#usage,
      error: this.#error,
      done: this.#done,
      firstTokenAt: this.#firstTokenAt,
    };
  }

  /** Only an oversized event matters: other parse errors are lines SSE says to ignore. */
  #onParseError(error: ParseError): void {
    if (error.type !== "max-buffer-size-exceeded") return;
    this.#stopped = true;
    this.#error ??= {
      code: "event_too_large",
      message: `An event of the stream was longer than ${this.#maxEventChars} characters; ` +
        "the rest of the stream was passed on without being read",
    };
  }

  #onData(data: string): void {
    // The SSE parser drops only the one space after `data:`; a sender may pad the marker.
    if (data.trim() === "[DONE]") {
      this.#done = true;
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      this.#recordInvalid(data);
      return;
    }
    if (!isRecord(event)) return this.#recordInvalid(data);
    for (const key of META_KEYS) {
      if (this.#meta[key] === undefined && event[key] != null) this.#meta[key] = event[key] as Json;
    }
    if (event.usage != null) this.#usage = event.usage;
    if (event.error != null) this.#error = event.error as Json;
    if (Array.isArray(event.choices)) {
      for (const choice of event.choices) if (isRecord(choice)) this.#onChoice(choice);
    }
  }

  #onChoice(choice: Record<string, unknown>): void {
    const index = typeof choice.index === "number" ? choice.index : 0;
    let streamed = this.#choices.get(index);
    if (!streamed) this.#choices.set(index, streamed = new StreamedChoice(index));
    const token = streamed.add(choice);
    if (choice.error != null && this.#error === null) this.#error = choice.error as Json;
    if (token && this.#firstTokenAt === null) this.#firstTokenAt = this.#chunkAt;
  }

  #recordInvalid(data: string): void {
    this.#invalidCount++;
    if (this.#invalid.length < MAX_INVALID_SAMPLES) {
      this.#invalid.push(data.slice(0, MAX_SAMPLE_LENGTH));
    }
  }

  #responseBody(): Record<string, Json> {
    const body: Record<string, Json> = { ...this.#meta, object: "chat.completion" };
    body.choices = [...this.#choices.values()].sort((a, b) => a.index - b.index)
      .map((choice) => choice.body());
    body.usage = (this.#usage ?? null) as Json;
    if (this.#error !== null) body.error = this.#error;
    if (this.#invalidCount) {
      body.invalid_events = { count: this.#invalidCount, samples: this.#invalid };
    }
    return body;
  }
}

/** `Math.min` of any number of keys (`Infinity` for none), which spreading them could not do. */
function lowest(keys: Iterable<number>): number {
  let min = Infinity;
  for (const key of keys) if (key < min) min = key;
  return min;
}
