/**
 * The service's options and how their defaults are resolved: from the options first, then the
 * environment, then built-in defaults. Runs on the first call, never at import.
 *
 * @module
 */
import { BudgetGuard } from "./budget-guard.ts";
import { CallBudget, type LLMLimitsOptions } from "./call-budget.ts";
import { type EnvironmentConfig, environmentConfig, SECRET_KEY_VARIABLES } from "./environment.ts";
import { isRecord } from "./json.ts";
import { LogPipeline, type LogPipelineLimits } from "./log-pipeline.ts";
import { countOption, delayOption } from "./numeric-options.ts";
import type { LogSink } from "./log-sink.ts";
import { type RedactHook, RowPreparer } from "./prepare-row.ts";
import { OpenRouterClient } from "./openrouter-client.ts";
import { ModelPriceList } from "./pricing.ts";
import { createSupabaseSink } from "./supabase-sink.ts";
import { createSupabaseLimitsSource } from "./limits-source.ts";

/**
 * Options of {@link LLMService}; every one has a default, and `undefined` means that default.
 *
 * Every `…Ms` option is a delay a timer waits: one past 2^31 − 1 ms (about 24.8 days), `Infinity`
 * included, is that maximum, so in effect never; 0 is at once. A negative or NaN delay, or a
 * count below one, is a `RangeError` from the constructor.
 */
export interface LLMServiceOptions {
  /** OpenRouter API key. @default {env OPENROUTER_API_KEY} */
  apiKey?: string;
  /** @default {env OPENROUTER_BASE_URL, else "https://openrouter.ai/api/v1"} */
  baseUrl?: string;
  /**
   * Where rows are written; `null` prints them to the log instead.
   * @default {a Supabase sink from SUPABASE_URL and SUPABASE_SECRET_KEYS / SUPABASE_SERVICE_ROLE_KEY}
   */
  sink?: LogSink | null;
  /** @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /**
   * Time allowed for a whole non-streaming call, or until a stream's headers; at most 2^31 − 1
   * (`Infinity`: in effect no limit). @default {300_000}
   */
  timeoutMs?: number;
  /**
   * A stream that passes on nothing for this long is aborted; at most 2^31 − 1 (`Infinity`: in
   * effect no limit). @default {60_000}
   */
  streamIdleTimeoutMs?: number;
  /**
   * A stream still open after this long is aborted; at most 2^31 − 1 (`Infinity`: in effect no
   * limit). @default {600_000}
   */
  streamTimeoutMs?: number;
  /** Runs on every row, on every path, before it is stored. */
  redact?: RedactHook;
  /**
   * How long an asynchronous `redact` may take before the row is stored without its content
   * columns (`metadata.redact_error` says so); at most 2^31 − 1. @default {10_000}
   */
  redactTimeoutMs?: number;
  /** Your site's URL, sent as `HTTP-Referer` for OpenRouter's app attribution. */
  siteUrl?: string;
  /** Your app's name, sent as `X-OpenRouter-Title` (and the older `X-Title`). */
  appName?: string;
  /**
   * Keeps the worker alive for background writes. A throw or a rejected promise from it is
   * ignored: the call goes on and its row is still written.
   * @default {EdgeRuntime.waitUntil when present}
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Estimate missing costs from OpenRouter's `/models` prices. @default {true} */
  estimateCosts?: boolean;
  /**
   * Batching, retry and memory limits of the log pipeline: `batchDelayMs` (default 100) is the
   * one batching delay, how long calls gather before their rows are prepared and written
   * together; `maxBatchRows`, `maxAttempts`, `retryDelayMs`, `attemptTimeoutMs`,
   * `maxQueuedRows` and `maxConcurrentWrites` are described in `docs/reliability.md`.
   */
  writer?: LogPipelineLimits;
  /**
   * Receives one JSON line per row that could not be written. It is the last resort: a throw
   * or a rejected promise from it is ignored. @default {console.error}
   */
  fallback?: (line: string) => void;
  /** Wall clock in epoch milliseconds, for `created_at` and `completed_at`. @default {Date.now} */
  now?: () => number;
  /**
   * Budgets and rate limits from `llm_limits`, checked before each call (docs/budgets.md);
   * `false` turns them off.
   * @default {read through the Data API when the sink is the default Supabase sink, else off}
   */
  limits?: LLMLimitsOptions | false;
}

/** The options with every default filled in. */
export interface ServiceConfig {
  /** Posts to OpenRouter; `null` when no API key is configured. */
  client: OpenRouterClient | null;
  streamIdleTimeoutMs: number;
  streamTimeoutMs: number;
  /** Where every call's row goes. */
  pipeline: LogPipeline;
  /** The pre-send budget check: `maxCostUsd` and `llm_limits`. */
  budget: CallBudget;
}

const DEFAULT_BASE_URL = "https://openrouter.ai/api/v1";

/**
 * Checks the numeric options as given, with the rules their readers apply, so that a bad one
 * fails where the service is made: on a call it would fail before the call could be logged.
 */
export function checkOptions(options: LLMServiceOptions): void {
  for (
    const name of [
      "timeoutMs",
      "streamIdleTimeoutMs",
      "streamTimeoutMs",
      "redactTimeoutMs",
    ] as const
  ) {
    delayOption(name, options[name], 0);
  }
  const writer = options.writer ?? {};
  for (
    const name of ["batchDelayMs", "retryDelayMs", "maxRetryDelayMs", "attemptTimeoutMs"] as const
  ) {
    delayOption(name, writer[name], 0);
  }
  for (
    const name of ["maxBatchRows", "maxQueuedRows", "maxAttempts", "maxConcurrentWrites"] as const
  ) {
    countOption(name, writer[name], 1);
  }
  if (options.limits) {
    for (const name of ["timeoutMs", "cacheMs", "landingMs"] as const) {
      delayOption(`limits.${name}`, options.limits[name], 0);
    }
    countOption("limits.maxUsers", options.limits.maxUsers, 1);
  }
}

/** Resolves the options; `keepAlive` registers background work with the runtime. */
export function resolveConfig(
  options: LLMServiceOptions,
  keepAlive: (promise: Promise<unknown>) => void,
): ServiceConfig {
  // Bad options throw here, before anything is registered with the runtime.
  const timeoutMs = delayOption("timeoutMs", options.timeoutMs, 300_000);
  const streamIdleTimeoutMs = delayOption(
    "streamIdleTimeoutMs",
    options.streamIdleTimeoutMs,
    60_000,
  );
  const streamTimeoutMs = delayOption("streamTimeoutMs", options.streamTimeoutMs, 600_000);
  const env = environmentConfig();
  const apiKey = options.apiKey ?? env.apiKey ?? null;
  const baseUrl = (options.baseUrl ?? env.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const fallback = options.fallback ?? ((line: string) => console.error(line));
  let sink = options.sink;
  const envSupabase = env.supabaseUrl && env.supabaseKey
    ? { url: env.supabaseUrl, key: env.supabaseKey }
    : null;
  if (sink === undefined) {
    sink = envSupabase ? createSupabaseSink(envSupabase) : null;
    for (const warning of env.warnings) console.warn(`llm-service: ${warning}`);
    if (!sink) console.warn(`llm-service: ${missingSinkReason(env)}; call logs go to the console`);
  }
  const siteUrl = options.siteUrl ?? env.siteUrl;
  const appName = options.appName ?? env.appName;
  const headers: Record<string, string> = {};
  if (siteUrl) headers["http-referer"] = siteUrl;
  if (appName) headers["x-openrouter-title"] = headers["x-title"] = appName;
  const prices = new ModelPriceList({ baseUrl, fetch: fetchImpl });
  const preparer = new RowPreparer({
    prices: options.estimateCosts === false ? null : prices,
    redact: options.redact,
    redactTimeoutMs: options.redactTimeoutMs,
    apiKey: apiKey ?? undefined,
  });
  const pipeline = new LogPipeline({ ...options.writer, sink, fallback, keepAlive, preparer });
  const budget = resolveBudget(options, options.sink === undefined ? envSupabase : null, prices);
  // Supabase's Edge Runtime warns before it shuts a worker down: print what has not landed yet.
  if (edgeRuntimeWaitUntil()) {
    globalThis.addEventListener?.("beforeunload", () => pipeline.shutdown("worker_shutdown"));
  }
  return {
    client: apiKey
      ? new OpenRouterClient({ baseUrl, apiKey, fetch: fetchImpl, headers, timeoutMs })
      : null,
    streamIdleTimeoutMs,
    streamTimeoutMs,
    pipeline,
    budget,
  };
}

/** Limits are read where the default sink writes, unless a source is given or they are off. */
function resolveBudget(
  options: LLMServiceOptions,
  supabase: { url: string; key: string } | null,
  prices: ModelPriceList,
): CallBudget {
  const limits = options.limits === false ? null : options.limits ?? {};
  const source = limits?.source ?? (supabase && createSupabaseLimitsSource(supabase));
  const guard = limits && source ? new BudgetGuard({ ...limits, source, now: options.now }) : null;
  return new CallBudget({
    guard,
    priceOf: (model) => prices.priceOf(model),
    onUnavailable: limits?.onUnavailable,
    warn: limits?.warn,
  });
}

/** `usage: {include: true}` makes older OpenRouter deployments return `usage.cost`; harmless now. */
export function usageFlag(request: unknown): Record<string, unknown> {
  const usage = isRecord(request) && isRecord(request.usage) ? request.usage : {};
  return { ...usage, include: true };
}

/** `EdgeRuntime.waitUntil` when running on Supabase's Edge Runtime, else `null`. */
export function edgeRuntimeWaitUntil(): ((promise: Promise<unknown>) => void) | null {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil?: (p: Promise<unknown>) => unknown } })
    .EdgeRuntime;
  // What it returns is passed on, so that a rejection from it is caught like any `waitUntil`'s.
  return typeof runtime?.waitUntil === "function" ? (p) => runtime.waitUntil!(p) : null;
}

/** Why the environment gives no log sink, naming exactly what is missing. */
function missingSinkReason(env: EnvironmentConfig): string {
  const noKey = env.warnings.length > 0
    ? "no usable secret key (see the warning above)"
    : `no secret key (${SECRET_KEY_VARIABLES.join(", ")} are all unset)`;
  if (!env.supabaseUrl && !env.supabaseKey) return `SUPABASE_URL is not set and there is ${noKey}`;
  if (!env.supabaseUrl) return "SUPABASE_URL is not set";
  return `there is ${noKey}`;
}
