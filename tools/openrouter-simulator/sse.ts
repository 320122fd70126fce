/**
 * Event-stream responses scripted byte for byte: the frames, how the bytes are cut into network
 * writes, the pause between writes, and how the body ends (normally, by dropping the connection,
 * by breaking it, or not at all).
 *
 * @module
 */

/**
 * One piece of an event stream.
 *
 * - `{ comment }`: a comment line such as `: OPENROUTER PROCESSING`, then a blank line.
 * - `{ data }`: `data: <JSON.stringify(data)>`, then a blank line.
 * - `{ done: true }`: `data: [DONE]`, then a blank line.
 */
export type SseFrame =
  | { comment: string }
  | { data: unknown }
  | { done: true };

/**
 * How a body ends once its writes are sent.
 *
 * - `"done"`: the body ends normally.
 * - `"drop"`: the body ends early, as a clean end of body: a Deno `fetch` client reads to the
 *   end without an error, only without `[DONE]`.
 * - `"abort"`: the body is errored: a Deno `fetch` client's read rejects with
 *   `TypeError: error reading a body from connection`.
 * - `"hang"`: nothing more is sent until the client disconnects or the simulator closes.
 */
export type StreamEnd = "done" | "drop" | "abort" | "hang";

/** How bytes are cut into network writes: kept whole, one byte each, or at most this many. */
export type Split = "none" | "bytes" | number;

/** Options of {@link sseResponse} and {@link replayTranscript}. */
export interface StreamOptions {
  /** @default {200} */
  status?: number;
  /** Extra headers; `content-type: text/event-stream` and `cache-control: no-cache` are added. */
  headers?: HeadersInit;
  /**
   * How the whole encoded stream is cut into writes: `"none"` (for {@link sseResponse}, one write
   * per frame; for {@link replayTranscript}, the text in one write), `"bytes"` (one byte per
   * write), or a number (the largest write, cuts land anywhere).
   * @default {"none"} for sseResponse, one write per event for replayTranscript
   */
  split?: Split;
  /** Pause before each write after the first, in milliseconds. @default {0} */
  delayMs?: number;
  /** Pause before the first write, in milliseconds. @default {0} */
  firstDelayMs?: number;
  /**
   * How the body ends after the frames (see {@link StreamEnd}). With `"drop"` and `"abort"`,
   * {@link sseResponse} leaves out trailing `{ done: true }` frames; a transcript is always sent
   * as written.
   * @default {"done"}
   */
  end?: StreamEnd;
  /** Line ending written after each field and event by {@link sseResponse}. @default {"\n"} */
  newline?: "\n" | "\r\n";
}

const encoder = new TextEncoder();

/** The pause before an `"abort"` breaks the body, in milliseconds. */
const ABORT_AFTER_MS = 5;

const dropped = new WeakSet<ReadableStream<Uint8Array>>();
const replayable = new WeakMap<ReadableStream<Uint8Array>, Iterable<Uint8Array>>();

/**
 * The wire text of one frame.
 *
 * @example
 * ```ts
 * encodeFrame({ done: true }); // "data: [DONE]\n\n"
 * ```
 */
export function encodeFrame(frame: SseFrame, newline = "\n"): string {
  const line = "comment" in frame
    ? `: ${frame.comment}`
    : `data: ${"done" in frame ? "[DONE]" : JSON.stringify(frame.data)}`;
  return `${line}${newline}${newline}`;
}

/**
 * A `text/event-stream` response sending these frames.
 *
 * @example
 * ```ts
 * sim.route("test/drop", () =>
 *   sseResponse([{ comment: "OPENROUTER PROCESSING" }, { data: chunk }], {
 *     split: "bytes",
 *     end: "drop",
 *   }));
 * ```
 */
export function sseResponse(frames: readonly SseFrame[], options: StreamOptions = {}): Response {
  let sent = [...frames];
  if (options.end === "drop" || options.end === "abort") {
    while (sent.length && "done" in sent[sent.length - 1]) sent = sent.slice(0, -1);
  }
  const texts = sent.map((frame) => encodeFrame(frame, options.newline));
  const split = options.split ?? "none";
  const writes = split === "none"
    ? texts.map((text) => encoder.encode(text))
    : cutBytes(encoder.encode(texts.join("")), split);
  return eventStreamResponse(writes, options);
}

/**
 * A `text/event-stream` response sending exactly `text`, cut and paced as asked; by default one
 * write per event (each cut after a blank line).
 *
 * @example
 * ```ts
 * const text = await loadTranscript("basic");
 * sim.route("test/basic", () => replayTranscript(text, { split: "bytes", delayMs: 1 }));
 * ```
 */
export function replayTranscript(text: string, options: StreamOptions = {}): Response {
  const bytes = encoder.encode(text);
  const writes = options.split === undefined
    ? cutAfterEvents(bytes)
    : cutBytes(bytes, options.split);
  return eventStreamResponse(writes, options);
}

/**
 * A `text/event-stream` response over prepared writes, one per network write, read lazily (an
 * endless or long iterable costs nothing up front). A lazy iterable that makes a fresh iterator
 * each time (not an array) is also run again by the exchange recorder instead of being copied,
 * so long streams cost no memory per write.
 */
export function eventStreamResponse(
  writes: Iterable<Uint8Array>,
  options: Omit<StreamOptions, "split" | "newline"> = {},
): Response {
  const headers = new Headers(options.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/event-stream");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-cache");
  return new Response(pacedBody(writes, options), { status: options.status ?? 200, headers });
}

/**
 * Whether `body` was ended early on purpose (`end: "drop"`), which looks like a normal end of
 * body on the wire. The exchange recorder uses it to tell "server-closed" from "completed".
 */
export function wasDropped(body: ReadableStream<Uint8Array>): boolean {
  return dropped.has(body);
}

/** The lazy, repeatable writes `body` sends (see {@link eventStreamResponse}), else `null`. */
export function replayableWrites(body: ReadableStream<Uint8Array>): Iterable<Uint8Array> | null {
  return replayable.get(body) ?? null;
}

/** A body sending `writes` paced and ended as `options` say; timers stop when the reader cancels. */
function pacedBody(
  writes: Iterable<Uint8Array>,
  options: Pick<StreamOptions, "delayMs" | "firstDelayMs" | "end">,
): ReadableStream<Uint8Array> {
  const end = options.end ?? "done";
  const iterator = writes[Symbol.iterator]();
  let next = iterator.next();
  let first = true;
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });
  const finish = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    if (end === "hang") return await new Promise((resolve) => wake = resolve);
    if (end === "abort") {
      // Let the bytes before the break leave first: Deno 2.1 (the Edge Runtime's) otherwise
      // drops the whole answer, headers included, when a body errors in the same burst.
      await pause(ABORT_AFTER_MS);
      if (!cancelled) {
        controller.error(new Error("Simulated connection failure: the stream was broken off"));
      }
    } else {
      if (end === "drop") dropped.add(body);
      controller.close();
    }
  };
  const body: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next.done) return await finish(controller);
      const ms = first ? options.firstDelayMs ?? 0 : options.delayMs ?? 0;
      first = false;
      if (ms > 0) await pause(ms);
      if (cancelled) return;
      controller.enqueue(next.value);
      next = iterator.next();
      // Close together with the last write, so a client that cancels as soon as it has read
      // everything still leaves a "completed" exchange. An abort waits for the next read, so
      // the last write is not discarded with the queue.
      if (next.done && (end === "done" || end === "drop")) await finish(controller);
    },
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      wake?.();
      iterator.return?.();
    },
  }, { highWaterMark: 0 });
  // Arrays are cheaper to copy than to keep; a lazy iterable is cheaper to run again.
  if (!Array.isArray(writes) && (iterator as unknown) !== writes) replayable.set(body, writes);
  return body;
}

/** Cuts bytes into network writes as {@link Split} says. */
function cutBytes(bytes: Uint8Array, split: Split): Uint8Array[] {
  if (typeof split === "number" && !(split >= 1)) {
    throw new RangeError(`Cannot split a stream into writes of ${split} bytes: use 1 or more`);
  }
  const size = split === "none" ? bytes.length : split === "bytes" ? 1 : Math.floor(split);
  const writes: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) writes.push(bytes.subarray(at, at + size));
  return writes;
}

/** Cuts after each blank line (`\n\n`, `\r\n\r\n` or `\r\r`), so each event is one write. */
function cutAfterEvents(bytes: Uint8Array): Uint8Array[] {
  const writes: Uint8Array[] = [];
  let start = 0;
  for (let i = 1; i < bytes.length; i++) {
    const crlfCrlf = i >= 3 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13;
    const blank = (bytes[i] === 10 && (bytes[i - 1] === 10 || crlfCrlf)) ||
      (bytes[i] === 13 && bytes[i - 1] === 13 && bytes[i + 1] !== 10);
    if (blank) {
      writes.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) writes.push(bytes.subarray(start));
  return writes;
}
