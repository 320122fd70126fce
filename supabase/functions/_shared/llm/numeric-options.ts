/**
 * Numeric options, resolved where they are read: a delay as a timer can take it, a count that
 * cannot stall the pipeline. `undefined` always means the option's default, so options built
 * from unset environment variables behave like options left out.
 *
 * @module
 */

/**
 * The longest delay `setTimeout` honours: 2^31 − 1 ms, about 24.8 days. It keeps the delay in a
 * signed 32-bit integer, and a longer one (`Infinity` included) fires after about 1 ms.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * A delay option in milliseconds, ready for `setTimeout`: `undefined` is `defaultMs`; a delay
 * past {@link MAX_TIMER_DELAY_MS}, `Infinity` included, is that maximum (in effect never); 0 is
 * at once.
 *
 * @throws {RangeError} when the delay is not a number, is NaN, or is negative.
 *
 * @example
 * ```ts
 * delayOption("timeoutMs", undefined, 300_000); // 300_000
 * delayOption("timeoutMs", Infinity, 300_000); // 2_147_483_647
 * ```
 */
export function delayOption(name: string, value: number | undefined, defaultMs: number): number {
  const ms = value ?? defaultMs;
  if (typeof ms !== "number" || !(ms >= 0)) {
    throw new RangeError(`${name} must be a delay of 0 ms or more, got "${String(ms)}"`);
  }
  return Math.min(ms, MAX_TIMER_DELAY_MS);
}

/**
 * A count option (rows, attempts, writes): `undefined` is `defaultCount`; `Infinity` means no
 * limit. Zero or a fraction below one would stall the pipeline (empty batches, no write slot),
 * so a count must be a whole number, 1 or more.
 *
 * @throws {RangeError} when the count is not a whole number of 1 or more.
 *
 * @example
 * ```ts
 * countOption("maxAttempts", undefined, 4); // 4
 * countOption("maxAttempts", Infinity, 4); // Infinity: retry until the write lands
 * ```
 */
export function countOption(name: string, value: number | undefined, defaultCount: number): number {
  const count = value ?? defaultCount;
  if (
    typeof count !== "number" || !(count >= 1) || !(Number.isInteger(count) || count === Infinity)
  ) {
    throw new RangeError(`${name} must be a whole number, 1 or more, got "${String(count)}"`);
  }
  return count;
}
