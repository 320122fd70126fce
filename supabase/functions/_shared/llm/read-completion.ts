/**
 * Reads a fully received response into the completion it holds, or the {@link LLMError} it
 * describes. A response is judged by its body, not only its status: a 200 can still carry a
 * top-level `error`, or a choice that failed with `finish_reason: "error"`. An upstream that
 * echoes the API key back (a proxy's error page, say) must not hand it to whoever sees the
 * error: it is masked in the message, details and response body.
 *
 * @module
 */
import { LLMApiError, LLMError } from "./errors.ts";
import { isRecord, parseJson } from "./json.ts";
import type { Json } from "./log-row.ts";
import { mask } from "./network-failure.ts";
import type { ChatCompletion } from "./types.ts";
import {
  describeErrorObject,
  describeErrorResponse,
  type UpstreamError,
} from "./upstream-error.ts";

const EXCERPT = 500;

/** Whose response is read: the call's row id, and the key to mask. */
export interface Caller {
  logId: string;
  apiKey: string;
}

/**
 * The completion a fully received body holds, or the error it describes (a non-2xx status, an
 * `error` object, a failed first choice, or a body that is no completion).
 *
 * @example
 * ```ts
 * import { readCompletion } from "./read-completion.ts";
 *
 * const read = readCompletion(429, new Headers({ "retry-after": "7" }), "{}", {
 *   logId: crypto.randomUUID(),
 *   apiKey: "sk-or-v1-example",
 * });
 * console.log(read); // LLMApiError { type: "rate_limited", retryAfter: 7, retryable: true, … }
 * ```
 */
export function readCompletion(
  status: number,
  headers: Headers,
  text: string,
  caller: Caller,
): ChatCompletion | LLMError {
  const body = parseJson(text);
  const fail = (error: UpstreamError, received: unknown = body) =>
    apiError(error, caller, { status, headers, body: received });
  if (status < 200 || status > 299) return fail(describeErrorResponse(status, headers, text));
  if (!isRecord(body)) return fail(invalidResponse(status, headers, text), null);
  if (body.error !== undefined && body.error !== null) {
    return fail(describeErrorObject(body.error, null, headers.get("retry-after")));
  }
  if (!Array.isArray(body.choices)) {
    return fail(invalidResponse(status, headers, text, "it has no choices"));
  }
  const choice = isRecord(body.choices[0]) ? body.choices[0] : null;
  if (choice && (choice.error != null || choice.finish_reason === "error")) {
    const error = choice.error ?? { message: 'The completion finished with finish_reason "error"' };
    return fail(describeErrorObject(error, null));
  }
  return body as ChatCompletion;
}

/** Why a stream request got no event stream: an error status or body, or a body of another type. */
export function readStreamRefusal(
  status: number,
  headers: Headers,
  text: string,
  caller: Caller,
): LLMError {
  const read = readCompletion(status, headers, text, caller);
  if (read instanceof LLMError) return read;
  const type = headers.get("content-type") ?? "no content type";
  const refusal: UpstreamError = {
    type: "invalid_response",
    status: null,
    code: null,
    message: `OpenRouter answered a stream request with ${type} instead of text/event-stream`,
    details: { content_type: type, body: text.slice(0, EXCERPT) },
    retryAfter: null,
  };
  return apiError(refusal, caller, { status, headers, body: parseJson(text) });
}

/** OpenRouter answered with an error: the key is masked wherever the answer echoed it. */
function apiError(
  error: UpstreamError,
  caller: Caller,
  response: { status: number; headers: Headers; body: unknown },
): LLMError {
  const masked = (value: unknown) =>
    value === null || value === undefined
      ? null
      : JSON.parse(mask(JSON.stringify(value), caller.apiKey)) as Json;
  return new LLMApiError(mask(error.message, caller.apiKey), {
    ...error,
    details: masked(error.details),
    logId: caller.logId,
    httpStatus: response.status,
    responseBody: masked(response.body),
    generationId: response.headers.get("x-generation-id"),
  });
}

function invalidResponse(
  status: number,
  headers: Headers,
  text: string,
  why = text.trim() === "" ? "it is empty" : "it is not a JSON object",
): UpstreamError {
  const contentType = headers.get("content-type") ?? "no content type";
  const excerpt = text.slice(0, EXCERPT);
  return {
    type: "invalid_response",
    status: null,
    code: null,
    message: `Cannot read OpenRouter's HTTP ${status} response (${contentType}): ${why}` +
      (excerpt.trim() ? `: ${JSON.stringify(excerpt)}` : ""),
    details: { content_type: contentType, body: excerpt, length: text.length },
    retryAfter: null,
  };
}
