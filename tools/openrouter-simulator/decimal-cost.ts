/**
 * Exact money arithmetic on OpenRouter's decimal-string prices: tokens × price summed in integer
 * atto-dollars (10⁻¹⁸ USD) with `BigInt`, so no float drift creeps into `usage.cost`.
 *
 * @module
 */

const SCALE = 18;

/**
 * A decimal price string as an integer number of 10⁻¹⁸ units.
 *
 * @example
 * ```ts
 * toUnits("0.00000015"); // 150000000000n
 * ```
 */
export function toUnits(price: string): bigint {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(price.trim());
  if (!match) throw new SyntaxError(`Cannot read price "${price}": expected a decimal string`);
  const fraction = match[2] ?? "";
  if (fraction.length > SCALE && /[1-9]/.test(fraction.slice(SCALE))) {
    throw new RangeError(`Cannot price exactly with "${price}": more than ${SCALE} decimals`);
  }
  return BigInt(match[1] + fraction.slice(0, SCALE).padEnd(SCALE, "0"));
}

/**
 * Integer 10⁻¹⁸ units as the shortest decimal string.
 *
 * @example
 * ```ts
 * fromUnits(7_350_000_000_000n); // "0.00000735"
 * ```
 */
export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(SCALE + 1, "0");
  const whole = digits.slice(0, -SCALE);
  const fraction = digits.slice(-SCALE).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** What a call is priced on: counts and the per-token prices that apply to them. */
export interface PricedTokens {
  promptTokens: number;
  completionTokens: number;
  /** USD per prompt token, a decimal string such as `"0.00000015"`. */
  promptPrice: string;
  /** USD per completion token, a decimal string. */
  completionPrice: string;
  /** USD per request. @default {"0"} */
  requestPrice?: string;
}

/**
 * The exact cost as a decimal string: prompt tokens × prompt price + completion tokens ×
 * completion price + the request price.
 *
 * @example
 * ```ts
 * exactCost({
 *   promptTokens: 12,
 *   completionTokens: 20,
 *   promptPrice: "0.00000015",
 *   completionPrice: "0.0000006",
 * }); // "0.0000138"
 * ```
 */
export function exactCost(priced: PricedTokens): string {
  for (const count of [priced.promptTokens, priced.completionTokens]) {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`Cannot price ${count} tokens: expected a whole number of 0 or more`);
    }
  }
  const total = toUnits(priced.promptPrice) * BigInt(priced.promptTokens) +
    toUnits(priced.completionPrice) * BigInt(priced.completionTokens) +
    toUnits(priced.requestPrice ?? "0");
  return fromUnits(total);
}
