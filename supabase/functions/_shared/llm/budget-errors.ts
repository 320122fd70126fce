/**
 * The errors a budget check refuses a call with, worded for the person who hits them.
 *
 * @module
 */
import {
  type BudgetExceededDetails,
  LLMBudgetExceededError,
  LLMBudgetUnavailableError,
  type LLMError,
} from "./errors.ts";
import type { LimitUsage } from "./limits-source.ts";

/** Which measure of a limit was reached. */
export interface Overrun {
  metric: BudgetExceededDetails["metric"];
  used: number;
  max: number;
}

const WINDOW_NAMES: Record<LimitUsage["period"], string> = {
  minute: "this minute",
  hour: "this hour",
  day: "today (UTC)",
  month: "this month (UTC)",
};

/** A limit of `llm_limits` is used up; `retryAfter` counts to the end of its window. */
export function budgetExceededError(
  logId: string,
  limit: LimitUsage,
  overrun: Overrun,
  now: number,
): LLMError {
  const retryAfter = Math.max(1, Math.ceil((limit.windowEnd - now) / 1_000));
  const windowEnd = new Date(limit.windowEnd).toISOString();
  return new LLMBudgetExceededError(
    `Budget exceeded: ${overrun.metric === "cost_usd" ? usd(overrun.used) : overrun.used} of ${
      amount(overrun.metric, overrun.max)
    } used ${WINDOW_NAMES[limit.period]} by ${scopeName(limit)}; resets at ${windowEnd}`,
    {
      logId,
      retryAfter,
      details: {
        kind: "limit",
        limit_id: limit.limitId,
        scope: limit.scope,
        scope_value: limit.scopeValue,
        window: limit.period,
        window_end: windowEnd,
        metric: overrun.metric,
        used: overrun.used,
        max: overrun.max,
      },
    },
  );
}

/** The call's worst-case cost is above its own `maxCostUsd`; waiting will not change that. */
export function costCeilingError(logId: string, worstCase: number, max: number): LLMError {
  return new LLMBudgetExceededError(
    `Budget exceeded: the call could cost up to ${usd(worstCase)}, over its maxCostUsd of ${
      usd(max)
    }; lower max_tokens or shorten the prompt`,
    {
      logId,
      retryAfter: null,
      details: {
        kind: "max_cost_usd",
        limit_id: null,
        scope: "call",
        scope_value: null,
        window: null,
        window_end: null,
        metric: "cost_usd",
        used: worstCase,
        max,
      },
    },
  );
}

/** The limits could not be read and the service refuses calls it cannot check. */
export function budgetUnavailableError(logId: string, retryInMs: number): LLMError {
  return new LLMBudgetUnavailableError(
    "Cannot check the LLM budget: the limits could not be read, and unchecked calls are refused",
    { logId, retryAfter: Math.max(1, Math.ceil(retryInMs / 1_000)) },
  );
}

function scopeName(limit: LimitUsage): string {
  switch (limit.scope) {
    case "global":
      return "all calls";
    case "each_user":
      return "this user";
    case "user":
      return `user "${limit.scopeValue}"`;
    case "edge_function":
      return `edge function "${limit.scopeValue}"`;
    case "model":
      return `model "${limit.scopeValue}"`;
  }
}

function amount(metric: Overrun["metric"], value: number): string {
  if (metric === "cost_usd") return usd(value);
  return `${value} ${metric}`;
}

function usd(value: number): string {
  return `$${Number(value.toPrecision(6))}`;
}
