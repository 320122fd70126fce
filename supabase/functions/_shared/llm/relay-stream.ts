/**
 * Turns an upstream SSE response into the `Response` the caller returns, logging it on the way.
 *
 * The body is the upstream's, chunk for chunk; the accumulator parses each chunk's events as it
 * passes (if reading them fails, the bytes still pass, and the row says where reading stopped).
 * When the body ends, however it ends, the call is recorded once; the last partial event
 * and the summary are read when its row is made, after the reader has had the end of the body. The
 * promise that keeps the worker alive is registered before the `Response` is handed out.
 *
 * @module
 */
import { type CallOutcome, callStatus } from "./build-log-row.ts";
import { observeStream, type StreamEnd } from "./observed-stream.ts";
import { StreamAccumulator } from "./stream-accumulator.ts";
import { streamError } from "./stream-error.ts";

/** What {@link relayStream} needs from the service. */
export interface RelayOptions {
  /** The log row id, also sent to the client as `X-LLM-Log-Id`. */
  logId: string;
  /** The upstream response; its body must be an event stream. */
  response: Response;
  /** Aborts the upstream request. */
  abortUpstream(reason: unknown): void;
  /**
   * Records the call's outcome, or a function that reads it when the row is made; settles once
   * its row is written or handed to the fallback.
   */
  record(outcome: CallOutcome | (() => CallOutcome)): Promise<void>;
  keepAlive(promise: Promise<unknown>): void;
  /** Wall clock in epoch milliseconds, for the end of the call. */
  now(): number;
  idleTimeoutMs: number;
  totalTimeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Returns the client's `Response`: status, `content-type` and `X-Generation-Id` as upstream.
 *
 * @example
 * ```ts
 * import { relayStream } from "./relay-stream.ts";
 *
 * const upstream = new Response("data: [DONE]\n\n", {
 *   headers: { "content-type": "text/event-stream" },
 * });
 * const response = relayStream({
 *   logId: crypto.randomUUID(),
 *   response: upstream,
 *   abortUpstream: () => {},
 *   record: () => Promise.resolve(),
 *   keepAlive: () => {},
 *   now: Date.now,
 *   idleTimeoutMs: 60_000,
 *   totalTimeoutMs: 600_000,
 * });
 * console.log(await response.text()); // "data: [DONE]\n\n"
 * ```
 */
export function relayStream(options: RelayOptions): Response {
  const { response, logId } = options;
  const accumulator = new StreamAccumulator();
  const generationId = response.headers.get("x-generation-id");
  // Registered now, before the Response is handed out; settles once the row has landed.
  let markEnded!: (written: Promise<void>) => void;
  options.keepAlive(new Promise<void>((resolve) => markEnded = resolve));
  const outcome = (end: StreamEnd, ended: { endedAt: number; endedMono: number }) => {
    const summary = end.kind === "eof" ? accumulator.finish() : accumulator.summary();
    const error = streamError(end, summary, logId);
    return {
      status: callStatus(error),
      ...ended,
      httpStatus: response.status,
      body: summary.responseBody,
      completionText: summary.completionText,
      finishReason: summary.finishReason,
      usage: summary.usage,
      generationId,
      firstTokenMono: summary.firstTokenAt,
      error,
    };
  };
  const onEnd = (end: StreamEnd): Error | undefined => {
    const ended = { endedAt: options.now(), endedMono: performance.now() };
    // Only a timeout needs telling: the client sees how an upstream body ended, a cancel came
    // from the client itself, and an abort of the caller's signal just ends the body. Every
    // other end is summed up when the row is made, so the reader never waits for it.
    if (end.kind !== "idle-timeout" && end.kind !== "total-timeout") {
      markEnded(options.record(() => outcome(end, ended)));
      return undefined;
    }
    const timedOut = outcome(end, ended);
    markEnded(options.record(timedOut));
    return timedOut.error ?? undefined;
  };
  const body = observeStream(response.body!, {
    onChunk: (chunk, arrivedAt) => accumulator.feed(chunk, arrivedAt),
    // The row then records what came before, and why the rest was not read.
    onChunkError: (error) => accumulator.stop(error),
    onEnd,
    abortUpstream: options.abortUpstream,
    idleTimeoutMs: options.idleTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
    signal: options.signal,
  });
  const headers = new Headers({
    "content-type": response.headers.get("content-type") ?? "text/event-stream",
    "cache-control": response.headers.get("cache-control") ?? "no-cache",
    "x-llm-log-id": logId,
  });
  if (generationId) headers.set("x-generation-id", generationId);
  return new Response(body, { status: response.status, headers });
}
