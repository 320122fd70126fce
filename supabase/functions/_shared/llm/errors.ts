/**
 * Typed errors for failed LLM calls.
 *
 * Every failed, rejected or cancelled call rejects with an {@link LLMError} after its log row has
 * been queued; `logId` is the `id` of that row in `llm_call_logs`.
 *
 * @module
 */
import type { Json } from "./log-row.ts";

/**
 * The category stored in `llm_call_logs.error_type`.
 *
 * Upstream HTTP failures are named after their status (`rate_limited` for 429, …) so that error
 * analysis can group them; the rest say where the call broke.
 */
export type LLMErrorType =
  | "invalid_request"
  | "missing_api_key"
  | "bad_request"
  | "authentication"
  | "insufficient_credits"
  | "moderation"
  | "model_not_found"
  | "upstream_timeout"
  | "payload_too_large"
  | "rate_limited"
  | "server_error"
  | "provider_error"
  | "provider_unavailable"
  | "provider_overloaded"
  | "upstream_error"
  | "invalid_response"
  | "network_error"
  | "timeout"
  | "cancelled"
  | "stream_error"
  | "stream_interrupted"
  | "budget_exceeded"
  | "budget_unavailable";

/** What every {@link LLMError} carries. */
export interface LLMErrorInit {
  type: LLMErrorType;
  /** Upstream HTTP status, when a response came. */
  status?: number | null;
  /** Upstream error code (a number or a string such as `"server_error"`), when one was given. */
  code?: number | string | null;
  /** The upstream error object, or other structured detail. */
  details?: Json | null;
  /** The id of the call's row in `llm_call_logs`. */
  logId: string;
  cause?: unknown;
  /** The HTTP status of OpenRouter's response, when one came. */
  httpStatus?: number | null;
  /** OpenRouter's response body, parsed, when one came and was JSON. */
  responseBody?: Json | null;
  /** OpenRouter's `X-Generation-Id`, when a response came with one. */
  generationId?: string | null;
  /** Seconds to wait before trying again, when known. */
  retryAfter?: number | null;
}

/** The failures that may well succeed when the same call is simply made again. */
const RETRYABLE: ReadonlySet<LLMErrorType> = new Set<LLMErrorType>([
  "upstream_timeout",
  "rate_limited",
  "server_error",
  "provider_error",
  "provider_unavailable",
  "provider_overloaded",
  "network_error",
  "timeout",
  "stream_interrupted",
  "budget_unavailable",
]);

/**
 * A failed LLM call. Catch this to handle every failure; check `instanceof` a subclass, or
 * `type`, for a specific one.
 *
 * @example
 * ```ts
 * import { LLMError, LLMService } from "../llm-service.ts";
 *
 * const rateLimited = { error: { code: 429, message: "Rate limited" } };
 * const service = new LLMService({
 *   apiKey: "sk-or-v1-example",
 *   sink: null,
 *   fallback: () => {},
 *   fetch: () => Promise.resolve(Response.json(rateLimited, { status: 429 })),
 * });
 * try {
 *   await service.chatCompletion({
 *     model: "openai/gpt-4o-mini",
 *     messages: [{ role: "user", content: "Hi" }],
 *   });
 * } catch (error) {
 *   if (!(error instanceof LLMError)) throw error;
 *   console.log(error.type, error.retryable, error.logId); // "rate_limited" true "0193…"
 * }
 * await service.flush();
 * ```
 */
export class LLMError extends Error {
  override name = "LLMError";
  readonly type: LLMErrorType;
  readonly status: number | null;
  readonly code: number | string | null;
  readonly details: Json | null;
  readonly logId: string;
  /** The HTTP status of OpenRouter's response; `null` when none came (or none was sent). */
  readonly httpStatus: number | null;
  /** OpenRouter's response body, parsed, with the API key masked; `null` when there was none. */
  readonly responseBody: Json | null;
  /** OpenRouter's generation id, for its dashboard and support; `null` when none came. */
  readonly generationId: string | null;
  /** Seconds to wait before trying again, when OpenRouter or a limit says so. */
  readonly retryAfter: number | null;
  /** Whether making the same call again may well succeed (a 429, a 5xx, a timeout, …). */
  readonly retryable: boolean;

  constructor(message: string, init: LLMErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.type = init.type;
    this.status = init.status ?? null;
    this.code = init.code ?? null;
    this.details = init.details ?? null;
    this.logId = init.logId;
    this.httpStatus = init.httpStatus ?? null;
    this.responseBody = init.responseBody ?? null;
    this.generationId = init.generationId ?? null;
    this.retryAfter = init.retryAfter ?? null;
    this.retryable = RETRYABLE.has(init.type);
  }
}

/** The request was malformed and was not sent. `field` names the offending field. */
export class LLMValidationError extends LLMError {
  override name = "LLMValidationError";
  /** Path of the first offending field, such as `messages[1].role`; `""` for the whole request. */
  readonly field: string;
  /** Every problem found, one per field. */
  readonly issues: readonly { field: string; message: string }[];

  constructor(
    message: string,
    init: Omit<LLMErrorInit, "type"> & { issues: { field: string; message: string }[] },
  ) {
    super(message, { ...init, type: "invalid_request" });
    this.issues = init.issues;
    this.field = init.issues[0]?.field ?? "";
  }
}

/** The service is not configured to make calls (no OpenRouter API key). Nothing was sent. */
export class LLMConfigurationError extends LLMError {
  override name = "LLMConfigurationError";
}

/** OpenRouter answered with an error: a non-2xx status, or a 2xx body that carries an error. */
export class LLMApiError extends LLMError {
  override name = "LLMApiError";
}

/** A stream failed after it started: an in-band error event, or the body broke off. */
export class LLMStreamError extends LLMError {
  override name = "LLMStreamError";
}

/** No response (or no stream progress) within the configured time. */
export class LLMTimeoutError extends LLMError {
  override name = "LLMTimeoutError";
}

/** The caller aborted the call through `context.signal`, or the stream's reader cancelled it. */
export class LLMCancelledError extends LLMError {
  override name = "LLMCancelledError";
}

/** OpenRouter could not be reached (DNS, connection refused or reset, TLS). */
export class LLMNetworkError extends LLMError {
  override name = "LLMNetworkError";
}

/** Which limit a call would have broken, as {@link LLMBudgetExceededError} reports it. */
export interface BudgetExceededDetails {
  [key: string]: Json;
  /** `"limit"` for a row of `llm_limits`, `"max_cost_usd"` for the call's own ceiling. */
  kind: "limit" | "max_cost_usd";
  /** The limit's `id` in `llm_limits`; `null` for the per-call ceiling. */
  limit_id: string | null;
  /** `global`, `edge_function`, `model`, `each_user` or `user`; `call` for the ceiling. */
  scope: string;
  /** The function, model or user the limit names; `null` for `global` and `each_user`. */
  scope_value: string | null;
  /** `minute`, `hour`, `day` or `month` (UTC); `null` for the ceiling. */
  window: string | null;
  /** When the window resets, ISO 8601; `null` for the ceiling. */
  window_end: string | null;
  /** What was measured: `cost_usd`, `calls` or `tokens`. */
  metric: "cost_usd" | "calls" | "tokens";
  /** The amount used in the window (for the ceiling: the call's worst-case cost). */
  used: number;
  /** The maximum the limit allows. */
  max: number;
}

/**
 * The call was refused before sending because it would exceed a budget: a limit of
 * `llm_limits` or the call's own `maxCostUsd`. Nothing was sent; the call is logged as `failed`
 * with `error_type = 'budget_exceeded'`.
 *
 * @example
 * ```ts
 * import { type ChatCompletionRequest, LLMBudgetExceededError, llmService } from "../llm-service.ts";
 *
 * export async function answer(request: ChatCompletionRequest, userId: string) {
 *   try {
 *     return Response.json(await llmService.chatCompletion(request, { userId }));
 *   } catch (error) {
 *     if (error instanceof LLMBudgetExceededError) {
 *       return new Response("Daily budget used up", {
 *         status: 429,
 *         headers: { "retry-after": String(error.retryAfter ?? 60) },
 *       });
 *     }
 *     throw error;
 *   }
 * }
 * ```
 */
export class LLMBudgetExceededError extends LLMError {
  override name = "LLMBudgetExceededError";
  /** Seconds until the limit's window resets; `null` when waiting will not help (the ceiling). */
  declare readonly retryAfter: number | null;
  override readonly details: BudgetExceededDetails;

  constructor(
    message: string,
    init: Omit<LLMErrorInit, "type" | "details"> & {
      details: BudgetExceededDetails;
      retryAfter: number | null;
    },
  ) {
    super(message, { ...init, type: "budget_exceeded", status: init.status ?? 429 });
    this.details = init.details;
  }
}

/**
 * The limits could not be read and the service is configured to refuse calls then
 * (`limits: { onUnavailable: "refuse" }`). Nothing was sent.
 */
export class LLMBudgetUnavailableError extends LLMError {
  override name = "LLMBudgetUnavailableError";
  /** Seconds until the limits are read again. */
  declare readonly retryAfter: number | null;

  constructor(message: string, init: Omit<LLMErrorInit, "type"> & { retryAfter: number | null }) {
    super(message, { ...init, type: "budget_unavailable", status: init.status ?? 503 });
  }
}
