/**
 * Builds event-stream responses byte for byte: frames, how the bytes are cut into network
 * writes, the pause between writes, and how the stream ends (`[DONE]`, dropped, aborted, or
 * hanging until the client leaves).
 *
 * @module
 */

/** One piece of an event stream. `raw` is sent exactly as written (malformed lines, CRLF). */
export type SseFrame =
  | { comment: string }
  | { data: unknown }
  | { raw: string }
  | { done: true };

/** How the bytes are cut: whole, one byte per write, at most N bytes, or by a function. */
export type Split = "none" | "bytes" | number | ((encoded: Uint8Array) => Uint8Array[]);

/** Options of {@link sseResponse} and {@link replayTranscript}. */
export interface StreamOptions {
  status?: number;
  headers?: HeadersInit;
  /** @default {"none"}: one write per frame */
  split?: Split;
  /** Pause before each write after the first, in ms. @default {0} */
  delayMs?: number;
  /** Pause before the first write, in ms. @default {0} */
  firstDelayMs?: number;
  /**
   * After the frames: `"close"` ends the body normally, `"abort"` errors it (the connection
   * breaks), `"hang"` sends nothing more until the client leaves.
   * @default {"close"}
   */
  end?: "close" | "abort" | "hang";
  /** Line ending between fields and events. @default {"\n"} */
  newline?: "\n" | "\r\n";
}

const encoder = new TextEncoder();

/** Encodes frames as the wire text of an event stream. */
export function encodeFrames(frames: readonly SseFrame[], newline: "\n" | "\r\n" = "\n"): string {
  return frames.map((frame) => {
    if ("comment" in frame) return `: ${frame.comment}${newline}${newline}`;
    if ("raw" in frame) return frame.raw;
    if ("done" in frame) return `data: [DONE]${newline}${newline}`;
    return `data: ${JSON.stringify(frame.data)}${newline}${newline}`;
  }).join("");
}

/**
 * An event-stream `Response` for these frames.
 *
 * @example
 * ```ts
 * sseResponse([{ comment: "OPENROUTER PROCESSING" }, { data: chunk }, { done: true }], { split: "bytes" });
 * ```
 */
export function sseResponse(frames: readonly SseFrame[], options: StreamOptions = {}): Response {
  const newline = options.newline ?? "\n";
  const writes = frames.flatMap((frame) =>
    cut(encoder.encode(encodeFrames([frame], newline)), options.split)
  );
  return streamWrites(writes, options);
}

/** Streams a transcript's exact text, cut and paced as asked. */
export function replayTranscript(text: string, options: StreamOptions = {}): Response {
  return streamWrites(cut(encoder.encode(text), options.split ?? 64), options);
}

function cut(bytes: Uint8Array, split: Split = "none"): Uint8Array[] {
  if (typeof split === "function") return split(bytes);
  const size = split === "bytes" ? 1 : split === "none" ? bytes.length || 1 : Math.max(1, split);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return pieces;
}

/** A body that sends the writes one per pull, paced, and ends as asked. */
function streamWrites(writes: Uint8Array[], options: StreamOptions): Response {
  let index = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    ms > 0
      ? new Promise<void>((resolve) => (wake = resolve, timer = setTimeout(resolve, ms)))
      : null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < writes.length) {
        const wait = pause(index === 0 ? options.firstDelayMs ?? 0 : options.delayMs ?? 0);
        if (wait) await wait;
        controller.enqueue(writes[index++]);
        return;
      }
      if (options.end === "abort") return controller.error(new Error("simulated connection drop"));
      if (options.end === "hang") return new Promise<void>((resolve) => wake = resolve);
      controller.close();
    },
    cancel() {
      clearTimeout(timer);
      wake?.();
    },
  }, { highWaterMark: 0 });
  const headers = new Headers(options.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/event-stream");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-cache");
  return new Response(body, { status: options.status ?? 200, headers });
}
