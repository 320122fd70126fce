/**
 * The calls a worker let through that the last reading of the limits cannot include yet: still
 * running, or ended too recently for their row to be in the rollups. Each counts as one call
 * under every limit it fell under (its cost is unknown until it ends).
 *
 * @module
 */
import type { LimitUsage } from "./limits-source.ts";

/** An admitted call, counted under `keys` until a reading includes it. */
interface Admitted {
  keys: string[];
  admittedAt: number;
  endedAt: number | null;
}

/** An admitted call is forgotten after this long even if it never reported its end. */
const FORGET_AFTER_MS = 3_600_000;

/**
 * Counts admitted calls per limit key (a limit id, plus `\0user` for per-user limits).
 *
 * @example
 * ```ts
 * const inFlight = new InFlightCalls();
 * inFlight.admit("call-1", ["limit-a"], Date.now());
 * inFlight.pending("limit-a"); // 1
 * inFlight.callEnded("call-1", Date.now());
 * ```
 */
export class InFlightCalls {
  #pending = new Map<string, number>();
  #admitted = new Map<string, Admitted>();

  /** Calls counted under `key`. */
  pending(key: string): number {
    return this.#pending.get(key) ?? 0;
  }

  /** Counts the call under each of `keys`. */
  admit(callId: string, keys: string[], now: number): void {
    for (const key of keys) this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
    this.#admitted.set(callId, { keys, admittedAt: now, endedAt: null });
  }

  /** The call has ended; it still counts until a reading includes its row. */
  callEnded(callId: string, now: number): void {
    const admitted = this.#admitted.get(callId);
    if (admitted && admitted.endedAt === null) admitted.endedAt = now;
  }

  /**
   * Stops counting what a reading made at `startedAt` for `userId` includes: calls that ended
   * `landingMs` before it (for the keys it read: the shared limits, and that user's), and calls
   * made before the start of their limit's current window.
   */
  forgetReadBack(
    reading: { userId: string | null; rows: LimitUsage[]; startedAt: number },
    landingMs: number,
  ): void {
    const { userId, rows, startedAt } = reading;
    const windowStart = new Map(rows.map((row) => [row.limitId, row.windowStart]));
    const suffix = userId === null ? null : `\u0000${userId}`;
    const landed = startedAt - landingMs;
    for (const [callId, admitted] of this.#admitted) {
      const readBack = admitted.endedAt !== null && admitted.endedAt <= landed;
      admitted.keys = admitted.keys.filter((key) => {
        const separator = key.indexOf("\u0000");
        const refreshed = separator < 0 || (suffix !== null && key.endsWith(suffix));
        const start = windowStart.get(separator < 0 ? key : key.slice(0, separator));
        const forget = (refreshed && readBack) ||
          (start !== undefined && admitted.admittedAt < start) ||
          admitted.admittedAt < startedAt - FORGET_AFTER_MS;
        if (forget) this.#release(key);
        return !forget;
      });
      if (!admitted.keys.length) this.#admitted.delete(callId);
    }
  }

  #release(key: string): void {
    const left = (this.#pending.get(key) ?? 0) - 1;
    if (left > 0) this.#pending.set(key, left);
    else this.#pending.delete(key);
  }
}
