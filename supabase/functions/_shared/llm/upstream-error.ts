/**
 * Reads OpenRouter's error bodies, whatever their shape, into one description.
 *
 * Shapes seen on the wire: `{error: {code, message, metadata}}` with a numeric or string
 * `code`; newer availability errors without `code` but with `http_status`, `error_type` and
 * `availability`; `metadata.raw` as a string, a JSON string or an object next to
 * `metadata.provider_name`; and HTML or plain-text pages from the edge network.
 *
 * @module
 */
import type { LLMErrorInit, LLMErrorType } from "./errors.ts";
import { isRecord, parseJson } from "./json.ts";
import type { Json } from "./log-row.ts";

/**
 * What an upstream error says: the message and init of the {@link LLMError} it becomes, but for
 * the call's log id. `status` is the HTTP status first, then `error.code` when numeric, then
 * `error.http_status`; `details` is the upstream error object as received (or the start of a
 * non-JSON body).
 */
export type UpstreamError =
  & Required<Pick<LLMErrorInit, "type" | "status" | "code" | "details" | "retryAfter">>
  & { message: string };

const MAX_TEXT_DETAIL = 2_000;

/** Maps an HTTP status to the error category stored in `error_type`. */
export function errorTypeForStatus(status: number | null): LLMErrorType {
  switch (status) {
    case 400:
    case 422:
      return "bad_request";
    case 401:
      return "authentication";
    case 402:
      return "insufficient_credits";
    case 403:
      return "moderation";
    case 404:
      return "model_not_found";
    case 408:
    case 504:
    case 524:
      return "upstream_timeout";
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    case 500:
      return "server_error";
    case 503:
      return "provider_unavailable";
    case 529:
      return "provider_overloaded";
  }
  return status !== null && status >= 500 ? "provider_error" : "upstream_error";
}

/**
 * Describes an `error` object found in a body (top level, in a choice, or in a stream event).
 * `httpStatus` is the response's status when it is itself an error status.
 */
export function describeErrorObject(
  error: unknown,
  httpStatus: number | null,
  retryAfterHeader: string | null = null,
): UpstreamError {
  const object = isRecord(error) ? error : { message: String(error) };
  const code = typeof object.code === "number" || typeof object.code === "string"
    ? object.code
    : null;
  const status = httpStatus ?? (typeof code === "number" ? code : null) ??
    (typeof object.http_status === "number" ? object.http_status : null);
  return {
    type: errorTypeForStatus(status),
    status,
    code,
    message: detailedMessage(object, status),
    details: object as Json,
    retryAfter: retryAfterSeconds(retryAfterHeader, object),
  };
}

/** Describes a non-2xx response from its status, headers and body text. */
export function describeErrorResponse(
  status: number,
  headers: Headers,
  bodyText: string,
): UpstreamError {
  const parsed = parseJson(bodyText);
  const retryAfter = headers.get("retry-after");
  if (isRecord(parsed) && parsed.error !== undefined && parsed.error !== null) {
    return describeErrorObject(parsed.error, status, retryAfter);
  }
  const contentType = headers.get("content-type") ?? "unknown content type";
  const excerpt = bodyText.trim().slice(0, MAX_TEXT_DETAIL);
  const summary = isRecord(parsed) ? JSON.stringify(parsed).slice(0, 300) : textSummary(excerpt);
  return {
    type: errorTypeForStatus(status),
    status,
    code: null,
    message: `HTTP ${status} from OpenRouter (${contentType})${summary ? `: ${summary}` : ""}`,
    details: { content_type: contentType, body: isRecord(parsed) ? parsed as Json : excerpt },
    retryAfter: retryAfterSeconds(retryAfter, {}),
  };
}

/** "Provider returned error" says nothing: add the provider, the raw error and the reasons. */
function detailedMessage(error: Record<string, unknown>, status: number | null): string {
  const parts = [typeof error.message === "string" && error.message ? error.message : null];
  const metadata = isRecord(error.metadata) ? error.metadata : {};
  if (typeof metadata.provider_name === "string") parts.push(`provider: ${metadata.provider_name}`);
  if (metadata.raw !== undefined && metadata.raw !== null) {
    parts.push(`raw: ${rawText(metadata.raw)}`);
  }
  if (Array.isArray(metadata.reasons) && metadata.reasons.length) {
    parts.push(`reasons: ${metadata.reasons.join(", ")}`);
  }
  const availability = isRecord(error.availability) ? error.availability : null;
  if (availability && typeof availability.code === "string") {
    parts.push(`availability: ${availability.code}`);
  }
  const text = parts.filter(Boolean).join("; ");
  return text || `Upstream error${status === null ? "" : ` (HTTP ${status})`} without a message`;
}

/** `metadata.raw` may be a string, a JSON string, or an object: render it on one line. */
function rawText(raw: unknown): string {
  const value = typeof raw === "string" ? parseJson(raw) ?? raw : raw;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > MAX_TEXT_DETAIL ? `${text.slice(0, MAX_TEXT_DETAIL)}…` : text;
}

function retryAfterSeconds(header: string | null, error: Record<string, unknown>): number | null {
  if (header !== null && header.trim() !== "") {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, Math.round((date - Date.now()) / 1000));
  }
  const availability = isRecord(error.availability) ? error.availability : null;
  const fromBody = availability?.retry_after;
  return typeof fromBody === "number" && Number.isFinite(fromBody) ? Math.max(0, fromBody) : null;
}

/** First line of an HTML page's title or of a text body. */
function textSummary(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const line = (title ?? text.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
