/**
 * What the simulator has served: one record per generation, read back by
 * `GET /generation?id=…` and summed by `GET /key`.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A new generation id in OpenRouter's shape, `gen-<unix seconds>-<20 random characters>`.
 *
 * @example
 * ```ts
 * generationId(); // "gen-1764158400-q3ZtN8cYw1LrB0xKd7Vm"
 * ```
 */
export function generationId(): string {
  const random = crypto.getRandomValues(new Uint8Array(20));
  const suffix = Array.from(random, (byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return `gen-${Math.floor(Date.now() / 1000)}-${suffix}`;
}

/** What is known of a served generation. */
export interface GenerationFacts {
  id: string;
  model: string;
  provider: string;
  streamed: boolean;
  finishReason: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  reasoningTokens: number | null;
  cachedTokens: number | null;
  /** USD, exact decimal string, or `null` when unknown. */
  cost: string | null;
}

interface GenerationRecord extends GenerationFacts {
  createdAt: Date;
  startedMs: number;
  latencyMs: number | null;
  cancelled: boolean;
}

/** Generations remembered for `GET /generation` by default; older ones are forgotten. */
export const DEFAULT_REMEMBERED_GENERATIONS = 10_000;

/**
 * The generations a simulator served, by id: the most recent `remember` of them, so that a
 * simulator serving a long benchmark keeps a steady heap (what they cost is still summed).
 */
export class GenerationLedger {
  #records = new Map<string, GenerationRecord>();
  #remember: number;
  #spent = 0;

  constructor(remember: number = DEFAULT_REMEMBERED_GENERATIONS) {
    this.#remember = Math.max(1, remember);
  }

  /** Notes a generation as it starts being served. */
  add(facts: GenerationFacts): void {
    if (this.#records.size >= this.#remember) {
      this.#records.delete(this.#records.keys().next().value!);
    }
    this.#spent += Number(facts.cost ?? 0);
    this.#records.set(facts.id, {
      ...facts,
      createdAt: new Date(),
      startedMs: performance.now(),
      latencyMs: null,
      cancelled: false,
    });
  }

  /** Whether a generation with this id was served. */
  has(id: string): boolean {
    return this.#records.has(id);
  }

  /** Notes how the answer ended: a client that left before the end cancelled it. */
  settle(id: string, end: "completed" | "client-closed" | "server-closed"): void {
    const record = this.#records.get(id);
    if (!record) return;
    record.latencyMs = Math.max(1, Math.round(performance.now() - record.startedMs));
    record.cancelled = end === "client-closed";
  }

  /** The `GET /generation` body for an id, or `null` when the simulator never served it. */
  body(id: string): { data: Record<string, unknown> } | null {
    const r = this.#records.get(id);
    if (!r) return null;
    const latency = r.latencyMs ?? Math.max(1, Math.round(performance.now() - r.startedMs));
    const totalCost = r.cost === null ? 0 : Number(r.cost);
    return {
      data: {
        id: r.id,
        upstream_id: `chatcmpl-${r.id.slice(-20)}`,
        total_cost: totalCost,
        cache_discount: null,
        upstream_inference_cost: null,
        created_at: r.createdAt.toISOString(),
        model: r.model,
        app_id: null,
        streamed: r.streamed,
        cancelled: r.cancelled,
        provider_name: r.provider,
        latency,
        moderation_latency: null,
        generation_time: Math.max(1, Math.round(latency * 0.8)),
        finish_reason: r.finishReason,
        native_finish_reason: r.finishReason,
        tokens_prompt: r.promptTokens,
        tokens_completion: r.completionTokens,
        native_tokens_prompt: r.promptTokens,
        native_tokens_completion: r.completionTokens,
        native_tokens_reasoning: r.reasoningTokens,
        native_tokens_cached: r.cachedTokens,
        num_media_prompt: null,
        num_media_completion: null,
        num_search_results: null,
        origin: "",
        usage: totalCost,
        is_byok: false,
      },
    };
  }

  /** The `GET /key` body: a $100 limit, less what every served generation cost. */
  keyBody(): { data: Record<string, unknown> } {
    const usage = this.#spent;
    return {
      data: {
        label: "sk-or-v1-sim…mulator",
        limit: 100,
        limit_remaining: 100 - usage,
        limit_reset: null,
        include_byok_in_limit: false,
        usage,
        usage_daily: usage,
        usage_weekly: usage,
        usage_monthly: usage,
        byok_usage: 0,
        byok_usage_daily: 0,
        byok_usage_weekly: 0,
        byok_usage_monthly: 0,
        is_free_tier: false,
        is_provisioning_key: false,
        rate_limit: { requests: -1, interval: "10s" },
      },
    };
  }
}
