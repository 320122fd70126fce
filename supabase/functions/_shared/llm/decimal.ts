/**
 * Exact decimal arithmetic for costs: prices such as `"0.00000015"` times token counts, summed,
 * without the floating-point drift that turns 0.00000735 into 0.0000073500000000000004.
 *
 * @module
 */

/** A decimal number as `units × 10^-scale`. */
interface Scaled {
  units: bigint;
  scale: number;
}

const MAX_EXPONENT = 100;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;

function parse(text: string): Scaled | null {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return null;
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  // No cost or price needs more than a few dozen digits; refuse "1e999999999" before padding.
  if (Math.abs(Number(exponent)) > MAX_EXPONENT) return null;
  let digits = `${whole}${fraction}` || "0";
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    digits += "0".repeat(-scale);
    scale = 0;
  }
  const units = BigInt(digits);
  return { units: sign === "-" ? -units : units, scale };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format(value: Scaled): string {
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString();
  if (value.scale > 0) {
    digits = digits.padStart(value.scale + 1, "0");
    const cut = digits.length - value.scale;
    const fraction = digits.slice(cut).replace(/0+$/, "");
    digits = fraction ? `${digits.slice(0, cut)}.${fraction}` : digits.slice(0, cut);
  }
  return negative && digits !== "0" ? `-${digits}` : digits;
}

/**
 * A finite number or decimal string as a plain decimal string (no exponent), or `null`.
 *
 * @example
 * ```ts
 * toDecimalString(7.35e-6); // "0.00000735"
 * ```
 */
export function toDecimalString(value: unknown): string | null {
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (typeof value !== "number" && typeof value !== "string") return null;
  const parsed = parse(String(value));
  return parsed ? format(parsed) : null;
}

/**
 * Σ price × quantity over the terms, exactly; `null` when a price is not a decimal.
 *
 * @example
 * ```ts
 * sumOfProducts([["0.00000015", 1000], ["0.0000006", 250]]); // "0.0003"
 * ```
 */
export function sumOfProducts(terms: ReadonlyArray<readonly [string, number]>): string | null {
  const parsed: Scaled[] = [];
  for (const [price, quantity] of terms) {
    const value = parse(price);
    if (!value || !Number.isSafeInteger(quantity)) return null;
    parsed.push({ units: value.units * BigInt(quantity), scale: value.scale });
  }
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  const units = parsed.reduce((sum, p) => sum + rescale(p, scale), 0n);
  return format({ units, scale });
}
