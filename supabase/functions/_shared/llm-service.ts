/**
 * Calls LLMs through OpenRouter and logs every call, completely and safely, to `llm_call_logs`.
 *
 * ```ts
 * import { llmService } from "./llm-service.ts"; // from a function: "../_shared/llm-service.ts"
 *
 * export async function handler(req: Request): Promise<Response> {
 *   const completion = await llmService.chatCompletion(
 *     { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] },
 *     { edgeFunction: "chat", requestId: req.headers.get("x-request-id") ?? undefined },
 *   );
 *   return Response.json(completion);
 * }
 * ```
 *
 * Logging happens in the background and never delays, breaks or throws into the call: rows are
 * batched, retried, kept alive with `EdgeRuntime.waitUntil`, and printed whole to the function's
 * log when they truly cannot be written.
 *
 * @module
 */
import { type CallOutcome, type CallStart, callStatus, snapshot } from "./llm/build-log-row.ts";
import { callHook, readableCopy, readContext } from "./llm/caller-values.ts";
import { cancelledError, missingKeyError, validationError } from "./llm/call-errors.ts";
import type { LLMError } from "./llm/errors.ts";
import { isRecord } from "./llm/json.ts";
import type { LLMMethodType } from "./llm/log-row.ts";
import type { ChatPost, OpenRouterClient } from "./llm/openrouter-client.ts";
import { relayStream } from "./llm/relay-stream.ts";
import {
  checkOptions,
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
 * import { createSqlSink, LLMService } from "./llm-service.ts";
 *
 * const written: unknown[] = [];
 * const service = new LLMService({
 *   apiKey: "sk-or-v1-example",
 *   // A direct connection: (text, params) => sql.unsafe(text, params), with npm:postgres.
 *   sink: createSqlSink((_text, params) => Promise.resolve(void written.push(params))),
 *   fetch: () => Promise.resolve(Response.json({ id: "gen-1", choices: [] })),
 *   estimateCosts: false,
 * });
 * const reply = await service.chatCompletion({
 *   model: "openai/gpt-4o-mini",
 *   messages: [{ role: "user", content: "Hello" }],
 * });
 * await service.flush(); // only needed where no waitUntil keeps the process alive
 * console.log(reply.id, written.length); // "gen-1" 1
 * ```
 */
export class LLMService {
  #options: LLMServiceOptions;
  #resolved: ServiceConfig | null = null;

  /**
   * Stores the options; nothing is read from the environment until the first call.
   * @throws {RangeError} when a delay is negative or NaN, or a count is below one.
   */
  constructor(options: LLMServiceOptions = {}) {
    checkOptions(options);
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
    const call = this.#start("chat_completion", request, context);
    const { client, post } = await this.#admit(call, {});
    let completion;
    try {
      completion = await client.complete(post);
    } catch (error) {
      throw this.#fail(call, error as LLMError);
    }
    this.#record(call, {
      status: "completed",
      ...this.#ended(),
      httpStatus: completion.status,
      bodyText: completion.text,
      generationId: completion.generationId,
    });
    return completion.body;
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
    const call = this.#start("stream_completion", request, context);
    const { client, post } = await this.#admit(call, { stream: true });
    let upstream;
    try {
      upstream = await client.stream(post);
    } catch (error) {
      throw this.#fail(call, error as LLMError);
    }
    const config = this.#config();
    return relayStream({
      logId: call.id,
      response: upstream.response,
      abortUpstream: upstream.abort,
      record: (outcome) => this.#record(call, outcome),
      keepAlive: (promise) => this.#keepAlive(promise),
      now: () => this.#now(),
      idleTimeoutMs: config.streamIdleTimeoutMs,
      totalTimeoutMs: config.streamTimeoutMs,
      signal: call.context.signal,
    });
  }

  /** Resolves once every row recorded so far is written or handed to the fallback. */
  async flush(): Promise<void> {
    await this.#resolved?.pipeline.flush();
  }

  #start(method: LLMMethodType, request: unknown, context: unknown): CallStart {
    const reading = readContext(context);
    return {
      id: crypto.randomUUID(),
      method,
      request,
      context: reading.context,
      contextIssues: reading.issues,
      metadataSnapshot: reading.metadataSnapshot,
      startedAt: this.#now(),
      startedMono: performance.now(),
    };
  }

  /**
   * Validates, checks the key, the budget and the caller's signal, and serialises the body: what
   * the client needs to send. A call refused here rejects, its row queued, before anything is sent.
   */
  async #admit(
    call: CallStart,
    overrides: Record<string, unknown>,
  ): Promise<{ client: OpenRouterClient; post: ChatPost }> {
    const config = this.#config();
    const { issues, json } = checkCall(call, overrides);
    if (issues.length) {
      call.snapshot = snapshot(call.request);
      if (call.snapshot === undefined) call.request = readableCopy(call.request);
      throw this.#fail(call, validationError(issues, call.id));
    }
    call.snapshot = json;
    const { client } = config;
    if (!client) throw this.#fail(call, missingKeyError(call.id));
    // Synchronous while the limits are cached; awaited only when they must be read.
    let refusal = config.budget.check(call);
    if (refusal instanceof Promise) refusal = await refusal;
    if (refusal) throw this.#fail(call, refusal);
    const { signal } = call.context;
    if (signal?.aborted) throw this.#fail(call, cancelledError(call.id, signal.reason));
    return { client, post: { body: json, logId: call.id, signal } };
  }

  /** Queues the failed call's row and returns the error to throw. */
  #fail(call: CallStart, error: LLMError): LLMError {
    this.#record(call, {
      status: callStatus(error),
      ...this.#ended(),
      httpStatus: error.httpStatus,
      body: error.responseBody,
      generationId: error.generationId,
      error,
    });
    return error;
  }

  /** Records how the call ended, or a function that says so when its row is made. */
  #record(call: CallStart, outcome: CallOutcome | (() => CallOutcome)): Promise<void> {
    this.#resolved?.budget.callEnded(call.id);
    const { metadata } = call.context;
    const metadataSnapshot = (metadata === undefined ? undefined : snapshot(metadata)) ??
      call.metadataSnapshot;
    const pipeline = this.#config().pipeline;
    if (typeof outcome !== "function") {
      return pipeline.record(call, { ...outcome, metadataSnapshot });
    }
    return pipeline.record(call, () => ({ ...outcome(), metadataSnapshot }));
  }

  #ended(): { endedAt: number; endedMono: number } {
    return { endedAt: this.#now(), endedMono: performance.now() };
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #keepAlive(promise: Promise<unknown>): void {
    const waitUntil = this.#options.waitUntil ?? edgeRuntimeWaitUntil();
    // A runtime refusing the registration must not break the call.
    if (waitUntil) callHook(waitUntil, promise.catch(() => {}));
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
