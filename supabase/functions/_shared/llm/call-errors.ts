/**
 * The errors a call can end with, built from what went wrong, with messages that say what to do.
 *
 * @module
 */
import {
  LLMApiError,
  LLMCancelledError,
  LLMConfigurationError,
  type LLMError,
  LLMNetworkError,
  LLMTimeoutError,
  LLMValidationError,
} from "./errors.ts";
import { describeNetworkFailure, mask, maskedError } from "./network-failure.ts";
import type { UpstreamError } from "./upstream-error.ts";
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

/**
 * OpenRouter answered with an error. An upstream that echoes the API key back (a proxy's error
 * page, say) must not hand it to whoever sees the error: it is masked in message and details.
 */
export function apiError(error: UpstreamError, logId: string, apiKey: string): LLMError {
  const mask = (text: string) =>
    apiKey.length >= 8 ? text.replaceAll(apiKey, "[redacted: api key]") : text;
  const details = error.details === null ? null : JSON.parse(mask(JSON.stringify(error.details)));
  return new LLMApiError(mask(error.message), { ...error, details, logId });
}

/** The caller aborted through `context.signal`. */
export function cancelledError(
  logId: string,
  reason: unknown,
  status: number | null = null,
): LLMError {
  const why = reason === undefined ? "" : `: ${errorText(reason)}`;
  return new LLMCancelledError(`The call was aborted through context.signal${why}`, {
    type: "cancelled",
    logId,
    status,
    cause: reason,
  });
}

/**
 * The request or its body failed in transit: a timeout of ours, the caller's abort, or the
 * network. The runtime's error can hold the request URL, and with it an API key that sits in
 * `baseUrl` (a gateway path): message, details and `cause` are masked.
 */
export function transportError(
  abortedBy: "timeout" | "signal" | null,
  error: unknown,
  context: {
    logId: string;
    status: number | null;
    timeoutMs: number;
    reason?: unknown;
    apiKey?: string | null;
  },
): LLMError {
  const { logId, status, apiKey } = context;
  if (abortedBy === "signal") return cancelledError(logId, context.reason, status);
  const init = { logId, cause: maskedError(error, apiKey), status };
  if (abortedBy === "timeout") {
    return new LLMTimeoutError(
      `No complete response from OpenRouter within ${context.timeoutMs} ms`,
      { ...init, type: "timeout" },
    );
  }
  const failure = describeNetworkFailure(error, apiKey);
  const detail = failure.causes.at(-1) ?? mask(errorText(error), apiKey);
  return new LLMNetworkError(
    `Cannot reach OpenRouter (${failure.reason.replaceAll("_", " ")}): ${detail}`,
    {
      ...init,
      type: "network_error",
      details: { network_reason: failure.reason, causes: failure.causes },
    },
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
