/**
 * Turns an upstream SSE response into the `Response` the caller returns, logging it on the way.
 *
 * The body is the upstream's, chunk for chunk; the accumulator keeps a copy of each chunk;
 * when the body ends, however it ends, the call is recorded once, and its events are read when
 * its row is made, after the reader has had the end of the body. The promise that
 * keeps the worker alive is registered before the `Response` is handed out.
 *
 * @module
 */
import type { UntimedOutcome } from "./build-log-row.ts";
import { LLMStreamError, LLMTimeoutError } from "./errors.ts";
import { observeStream, type StreamEnd } from "./observed-stream.ts";
import { StreamAccumulator } from "./stream-accumulator.ts";
import { judgeStream } from "./stream-outcome.ts";

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
  record(outcome: UntimedOutcome | (() => UntimedOutcome)): Promise<void>;
  keepAlive(promise: Promise<unknown>): void;
  idleTimeoutMs: number;
  totalTimeoutMs: number;
  signal?: AbortSignal;
}

/** Returns the client's `Response`: status, `content-type` and `X-Generation-Id` as upstream. */
export function relayStream(options: RelayOptions): Response {
  const { response, logId } = options;
  const accumulator = new StreamAccumulator();
  const generationId = response.headers.get("x-generation-id");
  // Registered now, before the Response is handed out; settles once the row has landed.
  let markEnded!: (written: Promise<void>) => void;
  options.keepAlive(new Promise<void>((resolve) => markEnded = resolve));
  const judge = (end: StreamEnd) => {
    const summary = end.kind === "eof" ? accumulator.finish() : accumulator.summary();
    const verdict = judgeStream(end, summary);
    const outcome: UntimedOutcome = {
      status: verdict.status,
      httpStatus: response.status,
      body: summary.responseBody,
      completionText: summary.completionText,
      finishReason: summary.finishReason,
      usage: summary.usage,
      generationId,
      firstTokenMono: summary.firstTokenAt,
      error: verdict.error,
    };
    return { outcome, error: verdict.error };
  };
  const onEnd = (end: StreamEnd): Error | undefined => {
    // Only a timeout needs telling: the client sees how an upstream body ended, a cancel came
    // from the client itself, and an abort of the caller's signal just ends the body. Every
    // other end is read when the row is made, so the reader never waits for the parsing.
    if (end.kind !== "idle-timeout" && end.kind !== "total-timeout") {
      markEnded(options.record(() => judge(end).outcome));
      return undefined;
    }
    const { outcome, error } = judge(end);
    markEnded(options.record(outcome));
    if (!error) return undefined;
    const init = { ...error, logId };
    return error.type === "timeout"
      ? new LLMTimeoutError(error.message, init)
      : new LLMStreamError(error.message, init);
  };
  const body = observeStream(response.body!, {
    onChunk: (chunk, arrivedAt) => accumulator.feed(chunk, arrivedAt),
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
