/**
 * Judges a non-streaming response by its body, not only its status: a 200 can still carry a
 * top-level `error`, or a choice that failed with `finish_reason: "error"`.
 *
 * @module
 */
import { isRecord, parseJson } from "./json.ts";
import type { ChatCompletion } from "./types.ts";
import {
  describeErrorObject,
  describeErrorResponse,
  type UpstreamError,
} from "./upstream-error.ts";

/** A body that is a completion, or the failure it describes (with the parsed body, if any). */
export type CompletionReading =
  | { ok: true; body: ChatCompletion }
  | { ok: false; body: unknown; error: UpstreamError };

const EXCERPT = 500;

/**
 * Reads a response body that has been fully received as text.
 *
 * @example
 * ```ts
 * const reading = readCompletion(response.status, response.headers, await response.text());
 * if (!reading.ok) throw new Error(reading.error.message);
 * ```
 */
export function readCompletion(status: number, headers: Headers, text: string): CompletionReading {
  const body = parseJson(text);
  if (status < 200 || status > 299) {
    return { ok: false, body: body ?? null, error: describeErrorResponse(status, headers, text) };
  }
  if (!isRecord(body)) {
    return { ok: false, body: null, error: invalidResponse(status, headers, text) };
  }
  if (body.error !== undefined && body.error !== null) {
    return {
      ok: false,
      body,
      error: describeErrorObject(body.error, null, headers.get("retry-after")),
    };
  }
  if (!Array.isArray(body.choices)) {
    return { ok: false, body, error: invalidResponse(status, headers, text, "it has no choices") };
  }
  const choice = isRecord(body.choices[0]) ? body.choices[0] : null;
  if (choice && (choice.error != null || choice.finish_reason === "error")) {
    const error = choice.error ?? { message: 'The completion finished with finish_reason "error"' };
    return { ok: false, body, error: describeErrorObject(error, null) };
  }
  return { ok: true, body: body as ChatCompletion };
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

/**
 * Why a stream request got no event stream: an error status or error body, or a body of
 * another type.
 */
export function readStreamRefusal(status: number, headers: Headers, text: string): UpstreamError {
  const reading = readCompletion(status, headers, text);
  if (!reading.ok) return reading.error;
  const type = headers.get("content-type") ?? "no content type";
  return {
    type: "invalid_response",
    status: null,
    code: null,
    message: `OpenRouter answered a stream request with ${type} instead of text/event-stream`,
    details: { content_type: type, body: text.slice(0, EXCERPT) },
    retryAfter: null,
  };
}
