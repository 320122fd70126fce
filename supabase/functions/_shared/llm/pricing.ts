/**
 * Cost estimates from OpenRouter's `GET /models` prices, for calls whose response carried no
 * `usage.cost`.
 *
 * The price list is fetched lazily, once (concurrent lookups share one request), cached, and
 * only ever awaited while a log row is being prepared in the background, never on the caller's
 * path. These are the top provider's prices: an estimate, never better than `usage.cost`.
 *
 * @module
 */
import { sumOfProducts } from "./decimal.ts";
import type { UsageColumns } from "./usage.ts";
import { isRecord } from "./json.ts";

/** Prices in US dollars per unit, as decimal strings. */
export interface ModelPrice {
  prompt: string;
  completion: string;
  request?: string;
  input_cache_read?: string;
  /** Most tokens of prompt and completion together, from the model's `context_length`. */
  context_length?: number;
  /** Most completion tokens, from `top_provider.max_completion_tokens`. */
  max_completion_tokens?: number;
}

/** Options of {@link ModelPriceList}. */
export interface ModelPriceListOptions {
  /** OpenRouter's API base URL. */
  baseUrl: string;
  fetch: typeof fetch;
  /** How long a fetched list is used. @default {3_600_000} */
  ttlMs?: number;
  /** How long to wait before retrying after a failed fetch. @default {300_000} */
  failureTtlMs?: number;
  /** Timeout of the `/models` request. @default {10_000} */
  timeoutMs?: number;
  /** Wall clock in milliseconds. @default {Date.now} */
  now?: () => number;
}

/** A lazily fetched, cached map from model id to price. */
export class ModelPriceList {
  #options: Required<ModelPriceListOptions>;
  #prices: Promise<Map<string, ModelPrice>> | null = null;
  #expiresAt = 0;

  constructor(options: ModelPriceListOptions) {
    this.#options = {
      ttlMs: 3_600_000,
      failureTtlMs: 300_000,
      timeoutMs: 10_000,
      now: Date.now,
      ...options,
    };
  }

  /** The price of `model` (its id or canonical slug), or `null` when unknown or unavailable. */
  async priceOf(model: string): Promise<ModelPrice | null> {
    if (!this.#prices || this.#options.now() >= this.#expiresAt) {
      this.#prices = this.#load(this.#prices);
    }
    return (await this.#prices).get(model) ?? null;
  }

  /** Fetches the list; a failed refresh keeps the last good list until the next attempt. */
  async #load(
    previous: Promise<Map<string, ModelPrice>> | null,
  ): Promise<Map<string, ModelPrice>> {
    const fallback = async () => (previous ? await previous : new Map<string, ModelPrice>());
    const { baseUrl, fetch, timeoutMs, ttlMs, failureTtlMs, now } = this.#options;
    this.#expiresAt = now() + failureTtlMs;
    try {
      const response = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) {
        await response.body?.cancel();
        return await fallback();
      }
      const prices = parsePriceList(await response.json());
      if (!prices.size) return await fallback();
      this.#expiresAt = now() + ttlMs;
      return prices;
    } catch {
      return await fallback();
    }
  }
}

/** Reads `{data: [{id, canonical_slug, pricing}]}` tolerantly. */
export function parsePriceList(body: unknown): Map<string, ModelPrice> {
  const prices = new Map<string, ModelPrice>();
  const models = isRecord(body) && Array.isArray(body.data) ? body.data : [];
  for (const model of models) {
    if (!isRecord(model) || !isRecord(model.pricing)) continue;
    const { prompt, completion, request, input_cache_read } = model.pricing;
    if (typeof prompt !== "string" || typeof completion !== "string") continue;
    const price: ModelPrice = { prompt, completion };
    if (typeof request === "string") price.request = request;
    if (typeof input_cache_read === "string") price.input_cache_read = input_cache_read;
    if (isCount(model.context_length)) price.context_length = model.context_length;
    const top = isRecord(model.top_provider) ? model.top_provider.max_completion_tokens : null;
    if (isCount(top)) price.max_completion_tokens = top;
    for (const key of [model.canonical_slug, model.id]) {
      if (typeof key === "string") prices.set(key, price);
    }
  }
  return prices;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/**
 * prompt × prompt price + completion × completion price + the per-request price, with cached
 * prompt tokens at the cache-read price where one is listed. `null` when a count is unknown or
 * a price is negative (OpenRouter lists `-1` for variable-price routers).
 */
export function estimateCost(price: ModelPrice, usage: UsageColumns): string | null {
  const { prompt_tokens: prompt, completion_tokens: completion } = usage;
  if (prompt === null || completion === null) return null;
  const listed = [price.prompt, price.completion, price.request, price.input_cache_read];
  if (listed.some((p) => p !== undefined && p.trim().startsWith("-"))) return null;
  const cached = price.input_cache_read !== undefined
    ? Math.min(usage.cached_tokens ?? 0, prompt)
    : 0;
  const terms: [string, number][] = [
    [price.prompt, prompt - cached],
    [price.completion, completion],
  ];
  if (cached > 0) terms.push([price.input_cache_read!, cached]);
  if (price.request !== undefined) terms.push([price.request, 1]);
  return sumOfProducts(terms);
}
