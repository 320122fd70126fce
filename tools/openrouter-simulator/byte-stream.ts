/**
 * A response body that sends prepared writes one at a time, paced, and then ends the way a
 * scenario asks: normally, by dropping the connection, by breaking it, or not at all.
 *
 * @module
 */

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

/** Options of {@link pacedBody}. */
export interface PacedBodyOptions {
  /** Pause before each write after the first, in milliseconds. @default {0} */
  delayMs?: number;
  /** Pause before the first write, in milliseconds. @default {0} */
  firstDelayMs?: number;
  /** How the body ends after the last write. @default {"done"} */
  end?: StreamEnd;
}

/** The pause before an `"abort"` breaks the body, in milliseconds. */
const ABORT_AFTER_MS = 5;

const dropped = new WeakSet<ReadableStream<Uint8Array>>();
const replayable = new WeakMap<ReadableStream<Uint8Array>, Iterable<Uint8Array>>();

/**
 * Whether `body` was ended early on purpose (`end: "drop"`), which looks like a normal end of
 * body on the wire. The exchange recorder uses it to tell "server-closed" from "completed".
 */
export function wasDropped(body: ReadableStream<Uint8Array>): boolean {
  return dropped.has(body);
}

/**
 * The writes `body` sends, when they are produced lazily and can be produced again (an
 * iterable, not an array, that makes a fresh iterator each time): the exchange recorder then
 * makes again the bytes it forwarded instead of keeping a copy, so long streams cost no memory
 * per write.
 */
export function replayableWrites(body: ReadableStream<Uint8Array>): Iterable<Uint8Array> | null {
  return replayable.get(body) ?? null;
}

/**
 * A body that sends `writes` (read lazily, so an endless or long iterable costs nothing up
 * front) one per network write. Timers stop as soon as the reader cancels.
 *
 * @example
 * ```ts
 * const keepAlive = new TextEncoder().encode(": OPENROUTER PROCESSING\n\n");
 * const body = pacedBody([keepAlive], { end: "hang" });
 * ```
 */
export function pacedBody(
  writes: Iterable<Uint8Array>,
  options: PacedBodyOptions = {},
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

/**
 * Cuts bytes into network writes as {@link Split} says.
 *
 * @example
 * ```ts
 * cutBytes(new TextEncoder().encode("data: 1\n\n"), 4).map((w) => w.length); // [4, 4, 1]
 * ```
 */
export function cutBytes(
  bytes: Uint8Array,
  split: Split,
): Uint8Array[] {
  if (bytes.length === 0) return [];
  if (typeof split === "number" && !(split >= 1)) {
    throw new RangeError(`Cannot split a stream into writes of ${split} bytes: use 1 or more`);
  }
  const size = split === "none" ? bytes.length : split === "bytes" ? 1 : Math.floor(split);
  const writes: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) writes.push(bytes.subarray(at, at + size));
  return writes;
}
