/**
 * Enforces `llm_limits` before a call is sent, from a cached reading of the limits and their
 * usage plus what this worker has admitted since.
 *
 * A reading (one round trip) holds every enabled limit with the shared scopes' usage, and the
 * usage of the user it was made for. It is used for `cacheMs` (and never past the end of a
 * window); while it is fresh a check is a few map lookups and no I/O. Calls this worker admitted
 * count as one call each under every limit they fell under until a reading made after their row
 * landed (`landingMs` after they ended) includes them. Workers do not see each other's calls in
 * flight: limits are soft across workers, as docs/budgets.md explains.
 *
 * @module
 */
import { callHook } from "./caller-values.ts";
import type { LLMError } from "./errors.ts";
import { budgetExceededError, budgetUnavailableError } from "./budget-errors.ts";
import { type LimitsSource, type LimitUsage } from "./limits-source.ts";
import { InFlightCalls } from "./in-flight-calls.ts";
import { type ApplicableLimit, type CallScope, LimitsSnapshot } from "./limits-snapshot.ts";
import { countOption, delayOption } from "./numeric-options.ts";

/** Options of {@link BudgetGuard}. */
export interface BudgetGuardOptions {
  /** Where limits and usage are read. */
  source: LimitsSource;
  /** How long a reading is used before the next call reads again. @default {5_000} */
  cacheMs?: number;
  /**
   * What calls get while the limits cannot be read: `"allow"` lets them through (one warning
   * per outage), `"refuse"` rejects them with `budget_unavailable`. @default {"allow"}
   */
  onUnavailable?: "allow" | "refuse";
  /** Time allowed for one reading; at most 2^31 − 1 (`Infinity`: no limit). @default {3_000} */
  timeoutMs?: number;
  /** How long after a call ends its row is taken to be in the rollups. @default {2_000} */
  landingMs?: number;
  /** Most users whose usage is kept at once. @default {10_000} */
  maxUsers?: number;
  /** Wall clock in epoch milliseconds. @default {Date.now} */
  now?: () => number;
  /** Receives the one warning per outage. @default {console.warn} */
  warn?: (message: string) => void;
}

type Used = NonNullable<LimitUsage["used"]>;

interface Reading {
  startedAt: number;
  expiresAt: number;
}

/**
 * Checks calls against `llm_limits`.
 *
 * @example
 * ```ts
 * const guard = new BudgetGuard({ source: { read: () => Promise.resolve([]) }, cacheMs: 2_000 });
 * const logId = crypto.randomUUID();
 * const call = { userId: "user-1", edgeFunction: "chat", model: "openai/gpt-4o-mini" };
 * const refusal = await guard.check(logId, call);
 * if (refusal) throw refusal;
 * // … send the call, and when it has ended:
 * guard.callEnded(logId);
 * ```
 */
export class BudgetGuard {
  #options: Required<BudgetGuardOptions>;
  #shared: Reading & { snapshot: LimitsSnapshot } | null = null;
  #users = new Map<string, Reading & { usage: Map<string, Used> }>();
  #loading = new Map<string | null, Promise<void>>();
  #unavailableUntil = 0;
  #warned = false;
  #inFlight = new InFlightCalls();

  constructor(options: BudgetGuardOptions) {
    this.#options = {
      source: options.source,
      cacheMs: delayOption("limits.cacheMs", options.cacheMs, 5_000),
      onUnavailable: options.onUnavailable ?? "allow",
      timeoutMs: delayOption("limits.timeoutMs", options.timeoutMs, 3_000),
      landingMs: delayOption("limits.landingMs", options.landingMs, 2_000),
      maxUsers: countOption("limits.maxUsers", options.maxUsers, 10_000),
      now: options.now ?? Date.now,
      warn: options.warn ?? ((message) => console.warn(message)),
    };
  }

  /**
   * Resolves with the error to reject the call with, or `null` to let it through (it then counts
   * as in flight until {@link callEnded}). Synchronous while the cached reading is fresh.
   */
  check(callId: string, call: CallScope): LLMError | null | Promise<LLMError | null> {
    const now = this.#options.now();
    if (now < this.#unavailableUntil) return this.#unavailable(callId, now);
    const shared = this.#shared;
    // Before the first reading, any call with a user may need that user's usage.
    const needsUser = shared ? shared.snapshot.hasUserLimits(call.userId) : call.userId !== null;
    if (shared && now < shared.expiresAt && (!needsUser || this.#userFresh(call.userId!, now))) {
      return this.#decide(callId, call);
    }
    // A reading already on its way serves every call that needs no user's usage of its own:
    // a cold worker with many users makes one reading, not one per user.
    const reading = this.#loading.values().next().value;
    if (reading && (!needsUser || !shared)) {
      return reading.then(() => this.#afterReading(callId, call));
    }
    return this.#load(needsUser ? call.userId : null).then(() => this.#decide(callId, call));
  }

  /** The call has ended: its row will be in the rollups soon, and then in the next reading. */
  callEnded(callId: string): void {
    this.#inFlight.callEnded(callId, this.#options.now());
  }

  /** Calls admitted under `key` (a limit id, plus `\0user` for per-user limits) not yet read back. */
  pendingCalls(key: string): number {
    return this.#inFlight.pending(key);
  }

  #userFresh(userId: string, now: number): boolean {
    const user = this.#users.get(userId);
    return user !== undefined && now < user.expiresAt;
  }

  /** After another call's reading: reads this call's user too if their limits need it. */
  #afterReading(callId: string, call: CallScope): LLMError | null | Promise<LLMError | null> {
    const now = this.#options.now();
    const needsUser = this.#shared?.snapshot.hasUserLimits(call.userId) ?? false;
    if (needsUser && now >= this.#unavailableUntil && !this.#userFresh(call.userId!, now)) {
      return this.#load(call.userId).then(() => this.#decide(callId, call));
    }
    return this.#decide(callId, call);
  }

  #decide(callId: string, call: CallScope): LLMError | null {
    const now = this.#options.now();
    if (now < this.#unavailableUntil || !this.#shared) return this.#unavailable(callId, now);
    const applicable = this.#shared.snapshot.applicable(call);
    if (!applicable) return null;
    const userUsage = call.userId === null ? undefined : this.#users.get(call.userId)?.usage;
    for (const entry of applicable) {
      const used = entry.perUser ? userUsage?.get(entry.limit.limitId) : entry.limit.used;
      const refusal = this.#over(callId, entry, used ?? ZERO, now);
      if (refusal) return refusal;
    }
    this.#inFlight.admit(callId, applicable.map((entry) => entry.key), now);
    return null;
  }

  #over(callId: string, entry: ApplicableLimit, used: Used, now: number): LLMError | null {
    const { limit, key } = entry;
    const calls = used.calls + this.#inFlight.pending(key);
    const over = limit.maxCalls !== null && calls >= limit.maxCalls
      ? { metric: "calls" as const, used: calls, max: limit.maxCalls }
      : limit.maxCostUsd !== null && used.costUsd >= limit.maxCostUsd
      ? { metric: "cost_usd" as const, used: used.costUsd, max: limit.maxCostUsd }
      : limit.maxTokens !== null && used.tokens >= limit.maxTokens
      ? { metric: "tokens" as const, used: used.tokens, max: limit.maxTokens }
      : null;
    return over && budgetExceededError(callId, limit, over, now);
  }

  #unavailable(callId: string, now: number): LLMError | null {
    if (this.#options.onUnavailable === "allow") return null;
    return budgetUnavailableError(callId, Math.max(this.#unavailableUntil, now + 1_000) - now);
  }

  /** One reading at a time per user (and one for no user), shared by every call waiting on it. */
  #load(userId: string | null): Promise<void> {
    let loading = this.#loading.get(userId);
    if (!loading) {
      loading = this.#read(userId).finally(() => this.#loading.delete(userId));
      this.#loading.set(userId, loading);
    }
    return loading;
  }

  async #read(userId: string | null): Promise<void> {
    const { source, timeoutMs, cacheMs, now } = this.#options;
    const startedAt = now();
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const rows = await Promise.race([
        source.read(userId, { signal: controller.signal }),
        timeout,
      ]);
      this.#store(userId, rows, startedAt);
      this.#unavailableUntil = 0;
      this.#warned = false;
    } catch (error) {
      this.#unavailableUntil = now() + cacheMs;
      if (!this.#warned) {
        this.#warned = true;
        const outcome = this.#options.onUnavailable === "allow"
          ? "calls go through unchecked"
          : "calls are refused";
        callHook(
          this.#options.warn,
          `llm-service: cannot read the LLM limits (${
            errorText(error)
          }); ${outcome} until they can be read`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #store(userId: string | null, rows: LimitUsage[], startedAt: number): void {
    const snapshot = new LimitsSnapshot(rows);
    const expiresAt = Math.min(startedAt + this.#options.cacheMs, snapshot.earliestWindowEnd);
    if (!this.#shared || this.#shared.startedAt <= startedAt) {
      this.#shared = { snapshot, startedAt, expiresAt };
    }
    if (userId !== null) {
      const usage = new Map<string, Used>();
      for (const row of rows) {
        if (row.usageUserId === userId && row.used) usage.set(row.limitId, row.used);
      }
      if (this.#users.size >= this.#options.maxUsers) this.#evictUsers(startedAt);
      this.#users.set(userId, { usage, startedAt, expiresAt });
    }
    this.#inFlight.forgetReadBack({ userId, rows, startedAt }, this.#options.landingMs);
  }

  #evictUsers(now: number): void {
    for (const [user, reading] of this.#users) {
      if (reading.expiresAt <= now) this.#users.delete(user);
    }
    // Still full of fresh readings: drop the oldest (a Map iterates in insertion order).
    while (this.#users.size >= this.#options.maxUsers) {
      this.#users.delete(this.#users.keys().next().value!);
    }
  }
}

const ZERO: Used = Object.freeze({ costUsd: 0, calls: 0, tokens: 0 });

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
