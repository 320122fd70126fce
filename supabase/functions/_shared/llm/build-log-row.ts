/**
 * Turns what is known about a call into its `llm_call_logs` row.
 *
 * One function for every path (success, failure, rejection before sending, stream, cancel), so
 * every row is filled the same way as far as its facts are known, and unknown stays `null`.
 *
 * @module
 */
import { LLMCancelledError, type LLMError } from "./errors.ts";
import { isRecord, parseJson, stringOrNull } from "./json.ts";
import type { Json, LLMCallLogRow, LLMCallStatus, LLMMethodType } from "./log-row.ts";
import type { LLMCallContext } from "./types.ts";
import { usageColumns } from "./usage.ts";

/** What is known when a call starts. */
export interface CallStart {
  id: string;
  method: LLMMethodType;
  /** The request exactly as the caller passed it. */
  request: unknown;
  /**
   * The request as JSON text, taken when the call was made, so a caller who reuses or edits
   * its objects afterwards cannot change the log: the body as sent (the request plus `usage`,
   * `stream`), or the rejected request as given. Unset when it could not be serialised.
   */
  snapshot?: string;
  context: LLMCallContext;
  /** What was wrong with the context as given; the call is rejected with these. */
  contextIssues?: { field: string; message: string }[];
  /** The context's metadata as JSON text when the call started. */
  metadataSnapshot?: string;
  /** Wall clock at the start, epoch milliseconds. */
  startedAt: number;
  /** `performance.now()` at the start. */
  startedMono: number;
}

/**
 * How a call ended, and when: what it returned, or the error it failed with. Every field but
 * `status` and the end's time is optional: leave out what is not known.
 */
export interface CallOutcome {
  status: LLMCallStatus;
  /** Wall clock at the end, epoch milliseconds. */
  endedAt: number;
  /** `performance.now()` at the end. */
  endedMono: number;
  firstTokenMono?: number | null;
  httpStatus?: number | null;
  /** The response body (or the reassembled completion of a stream). */
  body?: unknown;
  /** The response body as received, preferred to `body`: the caller owns the parsed object. */
  bodyText?: string;
  /** The caller's metadata as JSON text, taken when the call ended. */
  metadataSnapshot?: string;
  completionText?: string | null;
  finishReason?: string | null;
  usage?: unknown;
  /** `X-Generation-Id`, used when the body carries no id. */
  generationId?: string | null;
  /** The error the call failed with; `null` or left out when it completed. */
  error?: LLMError | null;
}

/**
 * The status of a call that ended with `error` (or without one).
 *
 * @example
 * ```ts
 * import { callStatus } from "./build-log-row.ts";
 *
 * console.log(callStatus(null)); // "completed"
 * ```
 */
export function callStatus(error: LLMError | null | undefined): LLMCallStatus {
  if (!error) return "completed";
  return error instanceof LLMCancelledError ? "cancelled" : "failed";
}

/** The model named in the column: `model`, else the first of `models`, else the default. */
export function requestedModel(request: unknown): string {
  if (!isRecord(request)) return "(unknown)";
  if (typeof request.model === "string" && request.model) return request.model;
  const first = Array.isArray(request.models) ? request.models[0] : undefined;
  return typeof first === "string" && first ? first : "(account default)";
}

/** Builds the row. Pure: the same inputs give the same row. */
export function buildLogRow(start: CallStart, outcome: CallOutcome): LLMCallLogRow {
  const { request, context } = start;
  const source = start.snapshot !== undefined ? parseJson(start.snapshot) : request;
  const { messages, ...params } = isRecord(source) ? source : { messages: undefined };
  const received = outcome.bodyText !== undefined ? parseJson(outcome.bodyText) : outcome.body;
  const body = isRecord(received) ? received : null;
  const metadata = outcome.metadataSnapshot !== undefined
    ? parseJson(outcome.metadataSnapshot)
    : context.metadata;
  const choice = Array.isArray(body?.choices) && isRecord(body.choices[0]) ? body.choices[0] : null;
  const message = isRecord(choice?.message) ? choice.message : null;
  return {
    id: start.id,
    created_at: new Date(start.startedAt).toISOString(),
    completed_at: new Date(outcome.endedAt).toISOString(),
    request_id: text(context.requestId),
    edge_function: text(context.edgeFunction),
    user_id: text(context.userId),
    method_type: start.method,
    model: requestedModel(source),
    response_model: stringOrNull(body?.model),
    provider: stringOrNull(body?.provider),
    generation_id: stringOrNull(body?.id) ?? outcome.generationId ?? null,
    status: outcome.status,
    request_messages: (messages ?? []) as Json,
    request_params: (isRecord(source) ? params : { request: source ?? null }) as Json,
    response_body: (received ?? null) as Json,
    completion_text: outcome.completionText !== undefined
      ? outcome.completionText
      : messageText(message?.content),
    finish_reason: outcome.finishReason !== undefined
      ? outcome.finishReason
      : stringOrNull(choice?.finish_reason),
    ...usageColumns(outcome.usage !== undefined ? outcome.usage : body?.usage),
    response_time_ms: elapsed(start.startedMono, outcome.endedMono),
    time_to_first_token_ms: outcome.firstTokenMono == null
      ? null
      : elapsed(start.startedMono, outcome.firstTokenMono),
    http_status: outcome.httpStatus ?? null,
    error_type: outcome.error?.type ?? null,
    error_message: outcome.error?.message ?? null,
    error_details: outcome.error?.details ?? null,
    metadata: (isRecord(metadata) ? metadata : {}) as Json,
  };
}

/** JSON text of a caller's value, or `undefined` when it cannot be serialised (cycles, bigint). */
export function snapshot(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * A message's `content` as text: a string as is, or the `text` of its text parts joined when it
 * is an array of parts; `null` when it holds no text.
 */
function messageText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  let text: string | null = null;
  for (const part of content) {
    if (isRecord(part) && part.type === "text" && typeof part.text === "string") {
      text = (text ?? "") + part.text;
    }
  }
  return text;
}

/** Context ids are text; JavaScript callers sometimes pass numbers. */
function text(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}

function elapsed(from: number, to: number): number {
  return Math.max(0, Math.round(to - from));
}
