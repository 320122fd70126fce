/**
 * A first-come, first-served async lock. The local database is one PGlite instance, which is one
 * Postgres session: every user of it (the PostgREST stand-in, each wire-protocol client) holds
 * this lock for as long as it needs the session to itself.
 *
 * @module
 */

/** Releases a held lock; calling it again does nothing. */
export type Release = () => void;

/**
 * A FIFO mutex.
 *
 * @example
 * ```ts
 * const lock = new SessionLock();
 * const rows = await lock.run(() => db.query("select 1"));
 * ```
 */
export class SessionLock {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves once every earlier holder has released, with the function that releases it. */
  acquire(): Promise<Release> {
    let done!: () => void;
    const released = new Promise<void>((resolve) => done = resolve);
    const turn = this.#tail.then((): Release => {
      let held = true;
      return () => {
        if (held) (held = false, done());
      };
    });
    this.#tail = this.#tail.then(() => released);
    return turn;
  }

  /** Runs `fn` while holding the lock. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
