/**
 * Passes an upstream body through to the consumer unchanged while letting the logger watch it.
 *
 * Each chunk is handed on exactly as it arrived (same bytes, same boundaries) the moment the
 * consumer asks for it; the observer sees it right after. Nothing is read ahead of the consumer
 * (`highWaterMark: 0`), so a consumer that stops reading stops the upstream too, and memory
 * stays flat. The stream ends exactly once, for one of these reasons, and `onEnd` is told which.
 * The observer cannot break the relay: if it throws, it is told so once and sees no more chunks,
 * while the consumer still gets every byte and `onEnd` still comes.
 *
 * @module
 */

/** Why an observed stream ended. */
export type StreamEnd =
  | { kind: "eof" }
  | { kind: "cancelled"; reason: unknown }
  | { kind: "aborted"; reason: unknown }
  | { kind: "broken"; error: unknown }
  | { kind: "idle-timeout"; ms: number }
  | { kind: "total-timeout"; ms: number };

/** Options of {@link observeStream}. */
export interface ObserveStreamOptions {
  /**
   * Called for every chunk, after the consumer has been given it. If it throws, it is not called
   * again, `onChunkError` is told why, and the stream goes on.
   */
  onChunk(chunk: Uint8Array, arrivedAt: number): void;
  /**
   * Called once if `onChunk` throws, with what it threw.
   *
   * @default {() => {}}
   */
  onChunkError?(error: unknown): void;
  /**
   * Called once when the stream ends. For timeouts, the returned error is what the consumer's
   * pending or next read rejects with; an abort of `signal` ends the body without error.
   */
  onEnd(end: StreamEnd): Error | undefined;
  /** Aborts the upstream request (its fetch). */
  abortUpstream(reason: unknown): void;
  /** Ends the stream when no chunk has been passed on for this long. */
  idleTimeoutMs: number;
  /** Ends the stream when it has been open for this long. */
  totalTimeoutMs: number;
  /** The caller's signal: aborting it ends the stream as `aborted`. */
  signal?: AbortSignal;
}

/**
 * Wraps `upstream` in a stream that forwards it chunk for chunk and reports how it ended.
 *
 * @example
 * ```ts
 * import { observeStream } from "./observed-stream.ts";
 *
 * const upstream = new Response("data: [DONE]\n\n").body!;
 * let bytes = 0;
 * const body = observeStream(upstream, {
 *   onChunk: (chunk) => void (bytes += chunk.byteLength),
 *   onEnd: (end) => {
 *     console.log(end.kind, bytes); // "eof" 14
 *     return undefined; // a timeout would return the error the reader gets
 *   },
 *   abortUpstream: () => {},
 *   idleTimeoutMs: 60_000,
 *   totalTimeoutMs: 600_000,
 * });
 * await new Response(body).text();
 * ```
 */
export function observeStream(
  upstream: ReadableStream<Uint8Array>,
  options: ObserveStreamOptions,
): ReadableStream<Uint8Array> {
  const source = chunkSource(upstream);
  const { signal, idleTimeoutMs, totalTimeoutMs } = options;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let totalTimer: ReturnType<typeof setTimeout> | undefined;
  let lastProgress = performance.now();
  let observing = true;
  const observe = (chunk: Uint8Array) => {
    if (!observing) return;
    try {
      options.onChunk(chunk, lastProgress);
    } catch (error) {
      // The consumer already has the chunk; the row is the observer's, written at the end.
      observing = false;
      options.onChunkError?.(error);
    }
  };

  const end = (reason: StreamEnd, stopUpstream: boolean): Error | undefined => {
    if (ended) return undefined;
    ended = true;
    clearTimeout(idleTimer);
    clearTimeout(totalTimer);
    signal?.removeEventListener("abort", onAbort);
    if (stopUpstream) {
      // Cancelling the body drops the connection while data is still due, which stops the
      // generation; aborting the fetch as well would also kill a connection whose response
      // had already arrived in full and could have been reused.
      source.cancel(reason);
      options.abortUpstream(reason);
    }
    return options.onEnd(reason);
  };
  const fail = (reason: StreamEnd) => {
    const error = end(reason, true);
    if (error) {
      try {
        controller.error(error);
      } catch { /* already closed */ }
    }
  };
  // One timer per idle period, not one per chunk: it re-arms itself for the time left.
  const checkIdle = () => {
    const idleFor = performance.now() - lastProgress;
    if (idleFor >= idleTimeoutMs) fail({ kind: "idle-timeout", ms: idleTimeoutMs });
    else idleTimer = setTimeout(checkIdle, idleTimeoutMs - idleFor);
  };
  // Usually the caller's signal is the incoming request's, aborted because its client left:
  // the body just ends (an errored body would be reported by Deno.serve to nobody).
  const onAbort = () => {
    end({ kind: "aborted", reason: signal?.reason }, true);
    try {
      controller.close();
    } catch { /* already closed */ }
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      totalTimer = setTimeout(
        () => fail({ kind: "total-timeout", ms: totalTimeoutMs }),
        totalTimeoutMs,
      );
      idleTimer = setTimeout(checkIdle, idleTimeoutMs);
    },
    pull(c) {
      return source.read().then((chunk) => {
        if (ended) return;
        if (chunk === null) {
          end({ kind: "eof" }, false);
          c.close();
          return;
        }
        c.enqueue(chunk);
        lastProgress = performance.now();
        observe(chunk);
      }, (error) => {
        if (ended) return;
        end({ kind: "broken", error }, false);
        c.error(error);
      });
    },
    cancel(reason) {
      end({ kind: "cancelled", reason }, true);
    },
  }, { highWaterMark: 0 });
}

/** Reads an upstream body chunk by chunk. */
interface ChunkSource {
  /** The next chunk as it arrived, or `null` at the end. */
  read(): Promise<Uint8Array | null>;
  cancel(reason: unknown): void;
}

const BYOB_BUFFER_BYTES = 16_384;
const POOLED_BUFFERS = 32;
/** Read buffers of finished streams, reused so each stream does not allocate its own. */
const bufferPool: ArrayBuffer[] = [];

/**
 * Reads `fetch` bodies (byte streams) with a BYOB reader into one pooled buffer, copying out
 * exactly the bytes each read delivered. Other streams are read with the default reader.
 * Kept because the end-to-end benchmark shows it: with the default reader, the handler spent
 * about twice the CPU per 2,000-chunk stream (docs/benchmarks.md, "What issue 14 removed").
 */
function chunkSource(upstream: ReadableStream<Uint8Array>): ChunkSource {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = upstream.getReader({ mode: "byob" });
  } catch { /* not a byte stream */ }
  if (!byob) {
    const reader = upstream.getReader();
    return {
      read: async () => {
        const { done, value } = await reader.read();
        return done ? null : value;
      },
      cancel: (reason) => void reader.cancel(reason).catch(() => {}),
    };
  }
  const reader = byob;
  let buffer: ArrayBuffer | null = bufferPool.pop() ?? new ArrayBuffer(BYOB_BUFFER_BYTES);
  const release = () => {
    if (buffer && buffer.byteLength === BYOB_BUFFER_BYTES && bufferPool.length < POOLED_BUFFERS) {
      bufferPool.push(buffer);
    }
    buffer = null;
  };
  return {
    read: () => {
      if (!buffer) return Promise.resolve(null);
      return reader.read(new Uint8Array(buffer)).then(({ done, value }) => {
        if (done || !value) {
          if (value) buffer = value.buffer as ArrayBuffer;
          release();
          return null;
        }
        buffer = value.buffer as ArrayBuffer;
        return value.slice();
      });
    },
    cancel: (reason) => void reader.cancel(reason).catch(() => {}),
  };
}
