/**
 * The simulator's list of exchanges: kept in arrival order, handed out one by one to
 * `nextExchange` callers, and trimmed of the oldest finished ones once their bytes pass a
 * budget, so a long benchmark run does not grow without bound.
 *
 * @module
 */
import type { Exchange } from "./exchange.ts";

/** Bytes of bodies kept before the oldest finished exchanges are dropped: 64 MiB. */
export const DEFAULT_MAX_RECORDED_BYTES: number = 64 * 1024 * 1024;

interface Waiter {
  filter: (exchange: Exchange) => boolean;
  resolve: (exchange: Exchange) => void;
  reject: (error: Error) => void;
}

/** Exchanges in arrival order, with waiting for the next one and a memory budget. */
export class ExchangeLog {
  /** Every exchange received and not yet dropped, oldest first. */
  readonly exchanges: Exchange[] = [];
  #claimed = new WeakSet<Exchange>();
  #finished = new WeakSet<Exchange>();
  #waiters: Waiter[] = [];
  #sizes = new Map<Exchange, number>();
  #bytes = 0;
  #budget: number;
  #closed = false;

  /** `budget` is in bytes of request and answer bodies. */
  constructor(budget: number = DEFAULT_MAX_RECORDED_BYTES) {
    this.#budget = budget;
  }

  /** Adds a new exchange and hands it to the first waiter it matches. */
  add(exchange: Exchange, requestBytes: number): void {
    this.exchanges.push(exchange);
    this.count(exchange, requestBytes);
    exchange.ended.then(() => this.#finish(exchange));
    for (const waiter of [...this.#waiters]) {
      let matched: boolean;
      try {
        matched = waiter.filter(exchange);
      } catch (error) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (!matched) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      this.#claimed.add(exchange);
      waiter.resolve(exchange);
      return;
    }
  }

  /** Counts bytes recorded for an exchange. */
  count(exchange: Exchange, bytes: number): void {
    this.#sizes.set(exchange, (this.#sizes.get(exchange) ?? 0) + bytes);
    this.#bytes += bytes;
  }

  /**
   * The oldest exchange matching `filter` that no earlier call returned, or the next to arrive.
   *
   * @example
   * ```ts
   * const exchange = await log.next((e) => e.request.json?.model === "sim/hang");
   * ```
   */
  next(filter: (exchange: Exchange) => boolean): Promise<Exchange> {
    const ready = this.exchanges.find((e) => !this.#claimed.has(e) && filter(e));
    if (ready) {
      this.#claimed.add(ready);
      return Promise.resolve(ready);
    }
    if (this.#closed) return Promise.reject(new Error("The OpenRouter simulator is closed"));
    const waiting = new Promise<Exchange>((resolve, reject) => {
      this.#waiters.push({ filter, resolve, reject });
    });
    waiting.catch(() => {}); // A caller that never awaits it must not see an unhandled rejection.
    return waiting;
  }

  /** Rejects every waiter: no exchange will arrive any more. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(
        new Error("The OpenRouter simulator closed before a matching exchange arrived"),
      );
    }
  }

  /** Drops the oldest finished exchanges (never the newest) while over budget. */
  #finish(exchange: Exchange): void {
    this.#finished.add(exchange);
    for (let i = 0; this.#bytes > this.#budget && i < this.exchanges.length - 1;) {
      const oldest = this.exchanges[i];
      if (!this.#finished.has(oldest)) {
        i++;
        continue;
      }
      this.exchanges.splice(i, 1);
      this.#bytes -= this.#sizes.get(oldest) ?? 0;
      this.#sizes.delete(oldest);
    }
  }
}
