/**
 * One reading of `llm_limit_usage()`, indexed so that finding the limits of a call is a few map
 * lookups: no limit applies, nothing is allocated.
 *
 * @module
 */
import type { LimitUsage } from "./limits-source.ts";

/** What a call is, for choosing its limits. */
export interface CallScope {
  userId: string | null;
  edgeFunction: string | null;
  model: string | null;
}

/** A limit that applies to a call, with the key its usage is counted under. */
export interface ApplicableLimit {
  limit: LimitUsage;
  /** The limit id, plus the user for per-user scopes (each user has their own usage). */
  key: string;
  /** Whether its usage comes from a per-user reading. */
  perUser: boolean;
}

const NONE: readonly LimitUsage[] = Object.freeze([]);

/** Every enabled limit, indexed by what it applies to. */
export class LimitsSnapshot {
  readonly limits: readonly LimitUsage[];
  /** When the earliest window among the limits ends: usage read before then is stale after. */
  readonly earliestWindowEnd: number;
  readonly #global: LimitUsage[] = [];
  readonly #byFunction = new Map<string, LimitUsage[]>();
  readonly #byModel = new Map<string, LimitUsage[]>();
  readonly #eachUser: LimitUsage[] = [];
  readonly #byUser = new Map<string, LimitUsage[]>();

  constructor(limits: readonly LimitUsage[]) {
    this.limits = limits;
    let earliest = Infinity;
    for (const limit of limits) {
      earliest = Math.min(earliest, limit.windowEnd);
      const value = limit.scopeValue ?? "";
      if (limit.scope === "global") this.#global.push(limit);
      else if (limit.scope === "each_user") this.#eachUser.push(limit);
      else if (limit.scope === "edge_function") push(this.#byFunction, value, limit);
      else if (limit.scope === "model") push(this.#byModel, value, limit);
      else push(this.#byUser, value, limit);
    }
    this.earliestWindowEnd = earliest;
  }

  /** Whether a call by this user has per-user limits (and so needs that user's usage). */
  hasUserLimits(userId: string | null): boolean {
    return userId !== null && (this.#eachUser.length > 0 || this.#byUser.has(userId));
  }

  /**
   * The limits of a call. A user's own limit of a period replaces the `each_user` limit of the
   * same period for them (an override may raise the default as well as lower it).
   */
  applicable(call: CallScope): ApplicableLimit[] | null {
    const fn = call.edgeFunction === null ? NONE : this.#byFunction.get(call.edgeFunction) ?? NONE;
    const model = call.model === null ? NONE : this.#byModel.get(call.model) ?? NONE;
    const user = call.userId;
    const own = user === null ? NONE : this.#byUser.get(user) ?? NONE;
    const each = user === null ? NONE : this.#eachUser;
    if (!this.#global.length && !fn.length && !model.length && !own.length && !each.length) {
      return null;
    }
    const found: ApplicableLimit[] = [];
    for (const list of [this.#global, fn, model]) {
      for (const limit of list) found.push({ limit, key: limit.limitId, perUser: false });
    }
    for (const limit of own) {
      found.push({ limit, key: `${limit.limitId}\u0000${user}`, perUser: true });
    }
    for (const limit of each) {
      if (own.some((o) => o.period === limit.period)) continue;
      found.push({ limit, key: `${limit.limitId}\u0000${user}`, perUser: true });
    }
    return found;
  }
}

function push(map: Map<string, LimitUsage[]>, key: string, limit: LimitUsage): void {
  const list = map.get(key);
  if (list) list.push(limit);
  else map.set(key, [limit]);
}
