/**
 * Calls LLMs through OpenRouter and logs every call, completely and safely, to `llm_call_logs`.
 *
 * ```ts
 * import { llmService } from "../_shared/llm-service.ts";
 *
 * const completion = await llmService.chatCompletion(
 *   { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] },
 *   { edgeFunction: "chat", requestId: req.headers.get("x-request-id") ?? undefined },
 * );
 * ```
 *
 * Logging happens in the background and never delays, breaks or throws into the call: rows are
 * batched, retried, kept alive with `EdgeRuntime.waitUntil`, and printed whole to the function's
 * log when they truly cannot be written.
 *
 * @module
 */
import { type CallStart, snapshot, type UntimedOutcome } from "./llm/build-log-row.ts";
import { readableCopy, readContext } from "./llm/caller-values.ts";
import {
  apiError,
  cancelledError,
  missingKeyError,
  transportError,
  validationError,
} from "./llm/call-errors.ts";
import { LLMCancelledError, type LLMError } from "./llm/errors.ts";
import { isRecord, parseJson } from "./llm/json.ts";
import type { LLMMethodType } from "./llm/log-row.ts";
import { readCompletion, readStreamRefusal } from "./llm/read-completion.ts";
import { relayStream } from "./llm/relay-stream.ts";
import { sendRequest, type SentRequest } from "./llm/send-request.ts";
import {
  edgeRuntimeWaitUntil,
  type LLMServiceOptions,
  resolveConfig,
  type ServiceConfig,
  usageFlag,
} from "./llm/service-config.ts";
import type { ChatCompletion, ChatCompletionRequest, LLMCallContext } from "./llm/types.ts";
import { type RequestIssue, validateRequest } from "./llm/validate-request.ts";

export * from "./llm/errors.ts";
export type * from "./llm/types.ts";
export type {
  Json,
  LLMCallLogRow,
  LLMCallStatus,
  LLMCostSource,
  LLMMethodType,
} from "./llm/log-row.ts";
export { type LogSink, LogWriteError } from "./llm/log-sink.ts";
export type { UnwrittenRowLine } from "./llm/unwritten-line.ts";
export { createSupabaseSink, type SupabaseSinkOptions } from "./llm/supabase-sink.ts";
export { createSqlSink, type SqlQuery } from "./llm/sql-sink.ts";
export type { RedactHook } from "./llm/prepare-row.ts";
export type { LLMServiceOptions } from "./llm/service-config.ts";
export type { LLMLimitsOptions } from "./llm/call-budget.ts";
export {
  createSqlLimitsSource,
  createSupabaseLimitsSource,
  type LimitsSource,
  type LimitUsage,
  type SupabaseLimitsSourceOptions,
} from "./llm/limits-source.ts";

/**
 * Proxies OpenRouter's chat completions API and logs each call to `llm_call_logs`.
 *
 * @example
 * ```ts
 * const service = new LLMService({ apiKey: "sk-or-v1-…", sink: createSqlSink(query) });
 * const reply = await service.chatCompletion({ model: "openai/gpt-4o-mini", messages });
 * await service.flush(); // only needed where no waitUntil keeps the process alive
 * ```
 */
export class LLMService {
  #options: LLMServiceOptions;
  #resolved: ServiceConfig | null = null;

  /** Stores the options; nothing is read from the environment until the first call. */
  constructor(options: LLMServiceOptions = {}) {
    this.#options = { ...options };
  }

  /**
   * Sends a chat completion and resolves with OpenRouter's response body, unchanged. Rejects
   * with an {@link LLMError} subclass on every other outcome, after its row is queued.
   */
  async chatCompletion(
    request: ChatCompletionRequest,
    context?: LLMCallContext,
  ): Promise<ChatCompletion> {
    const call = this.#begin("chat_completion", request, context);
    const config = this.#config();
    const sent = await this.#send(call, config, {});
    try {
      const response = await this.#await(call, sent);
      const text = await response.text().catch((error) => {
        throw this.#transportError(call, sent, error, response.status);
      });
      const reading = readCompletion(response.status, response.headers, text);
      const generationId = response.headers.get("x-generation-id");
      if (!reading.ok) {
        throw this.#fail(call, apiError(reading.error, call.id, config.apiKey!), {
          httpStatus: response.status,
          body: reading.body,
          generationId,
        });
      }
      this.#record(call, {
        status: "completed",
        httpStatus: response.status,
        bodyText: text,
        generationId,
      });
      return reading.body;
    } finally {
      sent.release();
    }
  }

  /**
   * Starts a streamed chat completion and resolves with a `Response` to return from an Edge
   * Function as is: status 200, `text/event-stream`, the upstream bytes unchanged, plus
   * `X-Generation-Id` and `X-LLM-Log-Id` headers. Failures before the stream starts reject as in
   * {@link chatCompletion}; the row of a started stream is written when it ends.
   */
  async streamCompletion(
    request: ChatCompletionRequest,
    context?: LLMCallContext,
  ): Promise<Response> {
    const call = this.#begin("stream_completion", request, context);
    const config = this.#config();
    const sent = await this.#send(call, config, { stream: true });
    let response: Response;
    try {
      response = await this.#await(call, sent);
      const type = response.headers.get("content-type") ?? "";
      if (!response.ok || !type.includes("text/event-stream") || !response.body) {
        const text = await response.text().catch(() => "");
        throw this.#fail(
          call,
          apiError(
            readStreamRefusal(response.status, response.headers, text),
            call.id,
            config.apiKey!,
          ),
          {
            httpStatus: response.status,
            body: parseJson(text) ?? null,
            generationId: response.headers.get("x-generation-id"),
          },
        );
      }
    } finally {
      sent.release();
    }
    return relayStream({
      logId: call.id,
      response,
      abortUpstream: (reason) => sent.controller.abort(reason),
      record: (outcome) => this.#record(call, outcome),
      keepAlive: (promise) => this.#keepAlive(promise),
      idleTimeoutMs: config.streamIdleTimeoutMs,
      totalTimeoutMs: config.streamTimeoutMs,
      signal: call.context.signal,
    });
  }

  /** Resolves once every row recorded so far is written or handed to the fallback. */
  async flush(): Promise<void> {
    await this.#resolved?.pipeline.flush();
  }

  #begin(method: LLMMethodType, request: unknown, context: unknown): CallStart {
    const reading = readContext(context);
    return {
      id: crypto.randomUUID(),
      method,
      request,
      context: reading.context,
      contextIssues: reading.issues,
      metadataSnapshot: reading.metadataSnapshot,
      startedAt: this.#options.now?.() ?? Date.now(),
      startedMono: performance.now(),
    };
  }

  /** Validates, checks key and budget, starts the request; rejects (logged) before sending. */
  async #send(
    call: CallStart,
    config: ServiceConfig,
    overrides: Record<string, unknown>,
  ): Promise<SentRequest> {
    const { issues, json } = checkCall(call, overrides);
    if (issues.length) {
      call.snapshot = snapshot(call.request);
      if (call.snapshot === undefined) call.request = readableCopy(call.request);
      throw this.#fail(call, validationError(issues, call.id));
    }
    call.snapshot = json;
    if (!config.apiKey) throw this.#fail(call, missingKeyError(call.id));
    // Synchronous while the limits are cached; awaited only when they must be read.
    let refusal = config.budget.check(call);
    if (refusal instanceof Promise) refusal = await refusal;
    if (refusal) throw this.#fail(call, refusal);
    const { signal } = call.context;
    if (signal?.aborted) throw this.#fail(call, cancelledError(call.id, signal.reason));
    return sendRequest({
      url: `${config.baseUrl}/chat/completions`,
      apiKey: config.apiKey,
      body: json,
      fetch: config.fetch,
      headers: config.headers,
      timeoutMs: config.timeoutMs,
      signal,
    });
  }

  async #await(call: CallStart, sent: SentRequest): Promise<Response> {
    try {
      return await sent.response;
    } catch (error) {
      throw this.#transportError(call, sent, error, null);
    }
  }

  #transportError(call: CallStart, sent: SentRequest, error: unknown, status: number | null) {
    const context = {
      logId: call.id,
      status,
      timeoutMs: this.#config().timeoutMs,
      reason: call.context.signal?.reason,
      apiKey: this.#config().apiKey,
    };
    return this.#fail(call, transportError(sent.abortedBy(), error, context), {
      httpStatus: status,
    });
  }

  /** Queues the failed call's row and returns the error to throw. */
  #fail(call: CallStart, error: LLMError, extra: Partial<UntimedOutcome> = {}): LLMError {
    this.#record(call, {
      status: error instanceof LLMCancelledError ? "cancelled" : "failed",
      ...extra,
      error: { type: error.type, message: error.message, details: error.details },
    });
    return error;
  }

  /** Records how the call ended now; a function is asked for the details when the row is made. */
  #record(call: CallStart, outcome: UntimedOutcome | (() => UntimedOutcome)): Promise<void> {
    const ended = { endedAt: this.#options.now?.() ?? Date.now(), endedMono: performance.now() };
    this.#resolved?.budget.settle(call.id);
    const { metadata } = call.context;
    const metadataSnapshot = (metadata === undefined ? undefined : snapshot(metadata)) ??
      call.metadataSnapshot;
    const pipeline = this.#config().pipeline;
    if (typeof outcome !== "function") {
      return pipeline.record(call, { ...outcome, ...ended, metadataSnapshot });
    }
    return pipeline.record(call, () => ({ ...outcome(), ...ended, metadataSnapshot }));
  }

  #keepAlive(promise: Promise<unknown>): void {
    const waitUntil = this.#options.waitUntil ?? edgeRuntimeWaitUntil();
    try {
      waitUntil?.(promise.catch(() => {}));
    } catch { /* a runtime refusing the registration must not break the call */ }
  }

  #config(): ServiceConfig {
    return this.#resolved ??= resolveConfig(this.#options, (p) => this.#keepAlive(p));
  }
}

/**
 * Checks the request and the context, and serialises the body to send. Nothing the caller
 * passed (a throwing getter, a `Proxy`) can make it throw: that becomes an issue too.
 */
function checkCall(
  call: CallStart,
  overrides: Record<string, unknown>,
): { issues: RequestIssue[]; json: string } {
  const issues = [...call.contextIssues ?? []];
  const { request } = call;
  try {
    issues.push(...validateRequest(request));
    if (call.method === "chat_completion" && isRecord(request) && request.stream) {
      issues.push({ field: "stream", message: "stream: true needs streamCompletion" });
    }
    if (issues.length) return { issues, json: "" };
    const body = { ...request as object, ...overrides, usage: usageFlag(request) };
    return { issues, json: JSON.stringify(body) };
  } catch (error) {
    const why = error instanceof Error ? error.message : "an unreadable value";
    issues.push({ field: "", message: `cannot be serialised as JSON: ${why}` });
    return { issues, json: "" };
  }
}

/**
 * The shared service, configured from the environment on its first call (never at import):
 * `OPENROUTER_API_KEY`, optional `OPENROUTER_BASE_URL`, and `SUPABASE_URL` with
 * `SUPABASE_SECRET_KEYS` or `SUPABASE_SERVICE_ROLE_KEY` for the log sink.
 */
export const llmService: LLMService = new LLMService();
