/**
 * Decides how a streamed call ended, from the way its body ended and what it carried.
 *
 * @module
 */
import type { LLMErrorType } from "./errors.ts";
import type { Json, LLMCallStatus } from "./log-row.ts";
import type { StreamEnd } from "./observed-stream.ts";
import type { StreamSummary } from "./stream-accumulator.ts";
import { describeErrorObject } from "./upstream-error.ts";

/** The status and, unless it completed, the error of a streamed call. */
export interface StreamVerdict {
  status: LLMCallStatus;
  error: {
    type: LLMErrorType;
    message: string;
    details: Json | null;
    code: number | string | null;
    status: number | null;
  } | null;
}

/**
 * In order: an in-band error (or `finish_reason: "error"`) fails the call whatever came after;
 * `data: [DONE]` completes it; otherwise a cancel or abort cancels it, and a timeout, a broken
 * body or an end of body without `[DONE]` fails it.
 */
export function judgeStream(end: StreamEnd, summary: StreamSummary): StreamVerdict {
  if (summary.error) {
    const error = describeErrorObject(summary.error, null);
    return { status: "failed", error: { ...error, type: "stream_error" } };
  }
  if (summary.finishReason === "error") {
    return failed(
      "stream_error",
      'The stream finished with finish_reason "error" and no error details',
    );
  }
  // Everything OpenRouter meant to send arrived: how the body was closed afterwards is moot.
  if (summary.done) return { status: "completed", error: null };
  switch (end.kind) {
    case "cancelled":
      return cancelled("The stream's reader cancelled it (the client disconnected)", end.reason);
    case "aborted":
      return cancelled("The call was aborted through context.signal", end.reason);
    case "idle-timeout":
      return failed(
        "timeout",
        `The stream made no progress for ${end.ms} ms (nothing arrived, or nobody read the body)`,
      );
    case "total-timeout":
      return failed("timeout", `The stream was still open after ${end.ms} ms`);
    case "broken":
      return failed("stream_interrupted", `The stream broke off: ${describe(end.error)}`);
  }
  return failed("stream_interrupted", "The stream ended before data: [DONE]");
}

function failed(type: LLMErrorType, message: string): StreamVerdict {
  return { status: "failed", error: { type, message, details: null, code: null, status: null } };
}

function cancelled(message: string, reason: unknown): StreamVerdict {
  const why = reason === undefined ? "" : `: ${describe(reason)}`;
  return {
    status: "cancelled",
    error: { type: "cancelled", message: message + why, details: null, code: null, status: null },
  };
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
