/**
 * Event-stream responses scripted byte for byte: the frames, how the bytes are cut into network
 * writes, the pause between writes, and how the body ends.
 *
 * @module
 */
import { cutBytes, pacedBody, type Split, type StreamEnd } from "./byte-stream.ts";

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

/**
 * The wire text of frames.
 *
 * @example
 * ```ts
 * encodeFrames([{ comment: "OPENROUTER PROCESSING" }, { done: true }]);
 * // ": OPENROUTER PROCESSING\n\ndata: [DONE]\n\n"
 * ```
 */
export function encodeFrames(frames: readonly SseFrame[], newline: "\n" | "\r\n" = "\n"): string {
  return frames.map((frame) => encodeFrame(frame, newline)).join("");
}

function encodeFrame(frame: SseFrame, newline: string): string {
  if ("comment" in frame) return `: ${frame.comment}${newline}${newline}`;
  if ("done" in frame) return `data: [DONE]${newline}${newline}`;
  return `data: ${JSON.stringify(frame.data)}${newline}${newline}`;
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
  const newline = options.newline ?? "\n";
  let sent = [...frames];
  if (options.end === "drop" || options.end === "abort") {
    while (sent.length && "done" in sent[sent.length - 1]) sent = sent.slice(0, -1);
  }
  const split = options.split ?? "none";
  const writes = split === "none"
    ? sent.map((frame) => encoder.encode(encodeFrame(frame, newline)))
    : cutBytes(encoder.encode(encodeFrames(sent, newline)), split);
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
 * A `text/event-stream` response over prepared writes (what {@link sseResponse} and
 * {@link replayTranscript} build on).
 */
export function eventStreamResponse(
  writes: Iterable<Uint8Array>,
  options: Omit<StreamOptions, "split" | "newline"> = {},
): Response {
  const headers = new Headers(options.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/event-stream");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-cache");
  const body = pacedBody(writes, options);
  return new Response(body, { status: options.status ?? 200, headers });
}

/** Cuts after each blank line (`\n\n`, `\r\n\r\n` or `\r\r`), so each event is one write. */
function cutAfterEvents(bytes: Uint8Array): Uint8Array[] {
  const writes: Uint8Array[] = [];
  let start = 0;
  for (let i = 1; i < bytes.length; i++) {
    const blank = (bytes[i] === 10 && (bytes[i - 1] === 10 || isCrLfCrLf(bytes, i))) ||
      (bytes[i] === 13 && bytes[i - 1] === 13 && bytes[i + 1] !== 10);
    if (blank) {
      writes.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) writes.push(bytes.subarray(start));
  return writes;
}

function isCrLfCrLf(bytes: Uint8Array, i: number): boolean {
  return i >= 3 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13;
}
