/**
 * Maps a failed call to the HTTP answer an Edge Function gives its client: a sensible status
 * and a JSON body that names the error and the log row, never the API key or a stack trace.
 *
 * @module
 */
import { LLMError, type LLMErrorType } from "../llm/errors.ts";
import { corsHeaders } from "./cors.ts";

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { type: string; message: string; log_id?: string; retry_after?: number };
}

/** What the client gets for each error type: its fault (4xx), or ours or upstream's (5xx). */
const STATUS: Record<LLMErrorType, number> = {
  invalid_request: 400,
  missing_api_key: 500,
  bad_request: 400,
  authentication: 502, // our OpenRouter key was refused: not the client's fault
  insufficient_credits: 502,
  moderation: 403,
  model_not_found: 404,
  upstream_timeout: 504,
  payload_too_large: 413,
  rate_limited: 429,
  server_error: 502,
  provider_error: 502,
  provider_unavailable: 503,
  provider_overloaded: 503,
  upstream_error: 502,
  invalid_response: 502,
  network_error: 502,
  timeout: 504,
  cancelled: 499,
  stream_error: 502,
  stream_interrupted: 502,
  budget_exceeded: 429,
  budget_unavailable: 503,
};

/**
 * Messages that would tell a client about our account or our infrastructure rather than their
 * request: a network error's message names the upstream URL, which may be a gateway path.
 */
const PRIVATE: ReadonlySet<LLMErrorType> = new Set([
  "missing_api_key",
  "authentication",
  "insufficient_credits",
  "network_error",
]);

/** A JSON error response with CORS headers. */
export function jsonError(status: number, type: string, message: string, extra = {}): Response {
  const body: ErrorBody = { error: { type, message, ...extra } };
  return Response.json(body, { status, headers: corsHeaders });
}

/**
 * The response for anything a handler caught. `LLMError`s keep their type, message and log id
 * (except where the message is about our own account); anything else is a bare 500.
 */
export function errorResponse(error: unknown): Response {
  if (!(error instanceof LLMError)) {
    console.error("Unexpected error in the chat function:", error);
    return jsonError(500, "internal_error", "Internal error");
  }
  const message = PRIVATE.has(error.type)
    ? "The LLM service is not available right now"
    : error.message;
  const extra: Record<string, unknown> = { log_id: error.logId };
  const { retryAfter } = error;
  if (retryAfter !== null) extra.retry_after = retryAfter;
  const response = jsonError(STATUS[error.type] ?? 500, error.type, message, extra);
  if (retryAfter !== null) response.headers.set("retry-after", String(retryAfter));
  return response;
}
