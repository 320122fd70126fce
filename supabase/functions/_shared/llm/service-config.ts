/**
 * The service's options and how their defaults are resolved: from the options first, then the
 * environment, then built-in defaults. Runs on the first call, never at import.
 *
 * @module
 */
import { environmentConfig } from "./environment.ts";
import { isRecord } from "./json.ts";
import { LogPipeline, type LogPipelineLimits } from "./log-pipeline.ts";
import type { LogSink } from "./log-sink.ts";
import { type RedactHook, RowPreparer } from "./prepare-row.ts";
import { ModelPriceList } from "./pricing.ts";
import { createSupabaseSink } from "./supabase-sink.ts";

/** Options of {@link LLMService}; every one has a default. */
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
  /** Time allowed for a whole non-streaming call, or until a stream's headers. @default {300_000} */
  timeoutMs?: number;
  /** A stream that passes on nothing for this long is aborted. @default {60_000} */
  streamIdleTimeoutMs?: number;
  /** A stream still open after this long is aborted. @default {600_000} */
  streamTimeoutMs?: number;
  /** Runs on every row, on every path, before it is stored. */
  redact?: RedactHook;
  /** Your site's URL, sent as `HTTP-Referer` for OpenRouter's app attribution. */
  siteUrl?: string;
  /** Your app's name, sent as `X-OpenRouter-Title` (and the older `X-Title`). */
  appName?: string;
  /** Keeps the worker alive for background writes. @default {EdgeRuntime.waitUntil when present} */
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
  /** Receives one JSON line per row that could not be written. @default {console.error} */
  fallback?: (line: string) => void;
  /** Wall clock in epoch milliseconds, for `created_at` and `completed_at`. @default {Date.now} */
  now?: () => number;
}

/** The options with every default filled in. */
export interface ServiceConfig {
  apiKey: string | null;
  baseUrl: string;
  fetch: typeof fetch;
  /** Attribution headers. */
  headers: Record<string, string>;
  timeoutMs: number;
  streamIdleTimeoutMs: number;
  streamTimeoutMs: number;
  /** Where every call's row goes. */
  pipeline: LogPipeline;
}

const DEFAULT_BASE_URL = "https://openrouter.ai/api/v1";

/** Resolves the options; `keepAlive` registers background work with the runtime. */
export function resolveConfig(
  options: LLMServiceOptions,
  keepAlive: (promise: Promise<unknown>) => void,
): ServiceConfig {
  const env = environmentConfig();
  const apiKey = options.apiKey ?? env.apiKey ?? null;
  const baseUrl = (options.baseUrl ?? env.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const fallback = options.fallback ?? ((line: string) => console.error(line));
  let sink = options.sink;
  if (sink === undefined) {
    sink = env.supabaseUrl && env.supabaseKey
      ? createSupabaseSink({ url: env.supabaseUrl, key: env.supabaseKey })
      : null;
    if (!sink) {
      console.warn(
        "llm-service: SUPABASE_URL and a secret key are not set; call logs go to the console",
      );
    }
  }
  const siteUrl = options.siteUrl ?? env.siteUrl;
  const appName = options.appName ?? env.appName;
  const headers: Record<string, string> = {};
  if (siteUrl) headers["http-referer"] = siteUrl;
  if (appName) headers["x-openrouter-title"] = headers["x-title"] = appName;
  const preparer = new RowPreparer({
    prices: options.estimateCosts === false
      ? null
      : new ModelPriceList({ baseUrl, fetch: fetchImpl }),
    redact: options.redact,
    apiKey: apiKey ?? undefined,
  });
  const pipeline = new LogPipeline({ ...options.writer, sink, fallback, keepAlive, preparer });
  // Supabase's Edge Runtime warns before it shuts a worker down: print what has not landed yet.
  if (edgeRuntimeWaitUntil()) {
    globalThis.addEventListener?.("beforeunload", () => pipeline.shutdown("worker_shutdown"));
  }
  return {
    apiKey,
    baseUrl,
    fetch: fetchImpl,
    headers,
    timeoutMs: options.timeoutMs ?? 300_000,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? 60_000,
    streamTimeoutMs: options.streamTimeoutMs ?? 600_000,
    pipeline,
  };
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
  return typeof runtime?.waitUntil === "function" ? (p) => void runtime.waitUntil!(p) : null;
}
