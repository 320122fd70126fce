/**
 * The budget check every call passes before it is sent: the call's own `maxCostUsd`, then the
 * limits of `llm_limits`. A call with neither pays one property read.
 *
 * @module
 */
import { type CallStart, requestedModel } from "./build-log-row.ts";
import { callHook } from "./caller-values.ts";
import { budgetUnavailableError, costCeilingError } from "./budget-errors.ts";
import { BudgetGuard, type BudgetGuardOptions } from "./budget-guard.ts";
import { validationError } from "./call-errors.ts";
import { dearestWorstCase } from "./cost-ceiling.ts";
import type { LLMError } from "./errors.ts";
import { isRecord } from "./json.ts";
import type { LimitsSource } from "./limits-source.ts";
import type { ModelPrice } from "./pricing.ts";

/**
 * Options of the service's `limits`: where `llm_limits` is read and how it is cached.
 * Leave `source` out to read through Supabase's Data API with the sink's URL and secret key.
 */
export type LLMLimitsOptions = Omit<BudgetGuardOptions, "source" | "now"> & {
  /** @default {the Data API, from SUPABASE_URL and the secret key, when the sink uses them} */
  source?: LimitsSource;
};

/** Options of {@link CallBudget}. */
export interface CallBudgetOptions {
  /** `null` when no limits are enforced (`maxCostUsd` still is). */
  guard: BudgetGuard | null;
  /** Model prices for `maxCostUsd`; `null` when prices cannot be fetched. */
  priceOf: ((model: string) => Promise<ModelPrice | null>) | null;
  /** What a call with a `maxCostUsd` gets when its cost cannot be bounded. @default {"allow"} */
  onUnavailable?: "allow" | "refuse";
  /** @default {console.warn} */
  warn?: (message: string) => void;
}

/**
 * Checks calls before sending and tracks the ones it let through until they end.
 *
 * @example
 * ```ts
 * const budget = new CallBudget({ guard: null, priceOf: () => Promise.resolve(null) });
 * const refusal = await budget.check({
 *   id: crypto.randomUUID(),
 *   method: "chat_completion",
 *   request: { model: "openai/gpt-4o-mini", messages: [] },
 *   context: { maxCostUsd: -1 },
 *   startedAt: Date.now(),
 *   startedMono: performance.now(),
 * });
 * console.log(refusal?.type); // "invalid_request": maxCostUsd must be 0 or more
 * ```
 */
export class CallBudget {
  #options: CallBudgetOptions;
  #warned = false;

  constructor(options: CallBudgetOptions) {
    this.#options = options;
  }

  /** The error to refuse the call with, or `null`; synchronous unless a lookup is needed. */
  check(call: CallStart): LLMError | null | Promise<LLMError | null> {
    const max = call.context.maxCostUsd;
    if (max === undefined) return this.#limits(call);
    if (typeof max !== "number" || !(max >= 0) || max === Infinity) {
      const message = "must be a finite number of US dollars, 0 or more";
      return validationError([{ field: "context.maxCostUsd", message }], call.id);
    }
    return this.#ceiling(call, max).then((refusal) => refusal ?? this.#limits(call));
  }

  /** The call has ended (whatever the outcome). */
  callEnded(callId: string): void {
    this.#options.guard?.callEnded(callId);
  }

  #limits(call: CallStart): LLMError | null | Promise<LLMError | null> {
    const { guard } = this.#options;
    if (!guard) return null;
    const { userId, edgeFunction } = call.context;
    return guard.check(call.id, {
      userId: typeof userId === "string" && userId ? userId : null,
      edgeFunction: typeof edgeFunction === "string" && edgeFunction ? edgeFunction : null,
      model: requestedModel(call.request),
    });
  }

  async #ceiling(call: CallStart, max: number): Promise<LLMError | null> {
    const request = isRecord(call.request) ? call.request : {};
    const { priceOf } = this.#options;
    const worst = priceOf ? await dearestWorstCase(request, priceOf) : null;
    if (worst !== null) return worst > max ? costCeilingError(call.id, worst, max) : null;
    if (this.#options.onUnavailable === "refuse") return budgetUnavailableError(call.id, 60_000);
    if (!this.#warned) {
      this.#warned = true;
      callHook(
        this.#options.warn ?? console.warn,
        "llm-service: cannot bound a call's cost for maxCostUsd (no /models price for its model, or no completion limit); such calls go through unchecked",
      );
    }
    return null;
  }
}
