/**
 * Maps OpenRouter's `usage` object to the log row's token and cost columns.
 *
 * Unknown stays `null`: a missing count is never a made-up 0, while a provider's reported
 * `cost: 0` (free models) is a real zero.
 *
 * @module
 */
import { toDecimalString } from "./decimal.ts";
import type { LLMCallLogRow } from "./log-row.ts";
import { isRecord } from "./json.ts";

/** The row columns that usage fills. */
export type UsageColumns = Pick<
  LLMCallLogRow,
  | "prompt_tokens"
  | "completion_tokens"
  | "total_tokens"
  | "cached_tokens"
  | "reasoning_tokens"
  | "cost_usd"
  | "cost_source"
>;

/** Columns for a call whose usage is not known at all. */
export const UNKNOWN_USAGE: Readonly<UsageColumns> = Object.freeze({
  prompt_tokens: null,
  completion_tokens: null,
  total_tokens: null,
  cached_tokens: null,
  reasoning_tokens: null,
  cost_usd: null,
  cost_source: null,
});

/**
 * Token counts and provider cost from a `usage` object of any shape.
 *
 * @example
 * ```ts
 * usageColumns({ prompt_tokens: 12, completion_tokens: 3, cost: 0 });
 * // { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, cost_usd: "0", cost_source: "provider", … }
 * ```
 */
export function usageColumns(usage: unknown): UsageColumns {
  if (!isRecord(usage)) return { ...UNKNOWN_USAGE };
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  const total = count(usage.total_tokens) ??
    (prompt !== null && completion !== null ? count(prompt + completion) : null);
  const cost = toDecimalString(usage.cost);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
    cached_tokens: count(detail(usage.prompt_tokens_details, "cached_tokens")),
    reasoning_tokens: count(detail(usage.completion_tokens_details, "reasoning_tokens")),
    cost_usd: cost,
    cost_source: cost === null ? null : "provider",
  };
}

function detail(details: unknown, key: string): unknown {
  return isRecord(details) ? details[key] : undefined;
}

/** A token count fits a Postgres `integer`; anything else is unknown. */
function count(value: unknown): number | null {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return null;
  const rounded = Math.round(value);
  return rounded <= 2_147_483_647 ? rounded : null;
}
