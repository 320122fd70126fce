/**
 * The errors a call is refused with before anything is sent, and the caller's abort, with
 * messages that say what to do. What OpenRouter answered is read in `read-completion.ts`, what
 * failed in transit in `openrouter-client.ts`.
 *
 * @module
 */
import {
  LLMCancelledError,
  LLMConfigurationError,
  type LLMError,
  LLMValidationError,
} from "./errors.ts";
import { describeValue } from "./caller-values.ts";
import type { RequestIssue } from "./validate-request.ts";

/** The request was not sent because of these issues. */
export function validationError(issues: RequestIssue[], logId: string): LLMError {
  const list = issues.map((issue) => `${issue.field || "request"}: ${issue.message}`).join("; ");
  return new LLMValidationError(`Invalid request: ${list}`, { logId, issues, details: { issues } });
}

/** No API key was configured. */
export function missingKeyError(logId: string): LLMError {
  return new LLMConfigurationError(
    "Missing OpenRouter API key: set the OPENROUTER_API_KEY secret or pass apiKey to LLMService",
    { type: "missing_api_key", logId },
  );
}

/** The caller aborted through `context.signal`. */
export function cancelledError(
  logId: string,
  reason: unknown,
  httpStatus: number | null = null,
): LLMError {
  // Any value can be a reason, one `String()` cannot convert too: the row must still be written.
  const why = reason === undefined ? "" : `: ${describeValue(reason)}`;
  return new LLMCancelledError(`The call was aborted through context.signal${why}`, {
    type: "cancelled",
    logId,
    status: httpStatus,
    httpStatus,
    cause: reason,
  });
}
