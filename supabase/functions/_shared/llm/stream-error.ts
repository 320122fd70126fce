/**
 * Says how a streamed call ended, from the way its body ended and what it carried: the error it
 * failed with, or none.
 *
 * @module
 */
import { LLMCancelledError, type LLMError, LLMStreamError, LLMTimeoutError } from "./errors.ts";
import { describeValue } from "./caller-values.ts";
import type { StreamEnd } from "./observed-stream.ts";
import type { StreamSummary } from "./stream-accumulator.ts";
import { describeErrorObject } from "./upstream-error.ts";

/**
 * The error a streamed call ended with, or `null` when it completed. In order: an in-band error
 * (or `finish_reason: "error"`) fails the call whatever came after; `data: [DONE]` completes it;
 * otherwise a cancel or abort cancels it, and a timeout, a broken body or an end of body without
 * `[DONE]` fails it.
 *
 * @example
 * ```ts
 * import { StreamAccumulator } from "./stream-accumulator.ts";
 * import { streamError } from "./stream-error.ts";
 *
 * const accumulator = new StreamAccumulator();
 * accumulator.feed(new TextEncoder().encode("data: [DONE]\n\n"), performance.now());
 * console.log(streamError({ kind: "eof" }, accumulator.finish(), crypto.randomUUID())); // null
 * ```
 */
export function streamError(
  end: StreamEnd,
  summary: StreamSummary,
  logId: string,
): LLMError | null {
  if (summary.error !== null) {
    const error = describeErrorObject(summary.error, null);
    return new LLMStreamError(error.message, { ...error, type: "stream_error", logId });
  }
  if (summary.finishReason === "error") {
    const message = 'The stream finished with finish_reason "error" and no error details';
    return new LLMStreamError(message, { type: "stream_error", logId });
  }
  // Everything OpenRouter meant to send arrived: how the body was closed afterwards is moot.
  if (summary.done) return null;
  switch (end.kind) {
    case "cancelled":
      return cancelled("The stream's reader cancelled it (the client disconnected)", end, logId);
    case "aborted":
      return cancelled("The call was aborted through context.signal", end, logId);
    case "idle-timeout":
      return new LLMTimeoutError(
        `The stream made no progress for ${end.ms} ms (nothing arrived, or nobody read the body)`,
        { type: "timeout", logId },
      );
    case "total-timeout":
      return new LLMTimeoutError(`The stream was still open after ${end.ms} ms`, {
        type: "timeout",
        logId,
      });
    case "broken":
      return interrupted(`The stream broke off: ${describe(end.error)}`, logId);
  }
  return interrupted("The stream ended before data: [DONE]", logId);
}

function interrupted(message: string, logId: string): LLMError {
  return new LLMStreamError(message, { type: "stream_interrupted", logId });
}

function cancelled(message: string, end: { reason: unknown }, logId: string): LLMError {
  const why = end.reason === undefined ? "" : `: ${describe(end.reason)}`;
  return new LLMCancelledError(message + why, { type: "cancelled", logId });
}

/** A reason or error can be any value, even one `String()` cannot convert. */
function describe(value: unknown): string {
  return describeValue(value, { withName: true });
}
