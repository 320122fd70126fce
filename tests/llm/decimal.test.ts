import assert from "node:assert/strict";
import { sumOfProducts, toDecimalString } from "../../supabase/functions/_shared/llm/decimal.ts";

Deno.test("toDecimalString writes a tiny float cost such as 7.35e-6 without an exponent", () => {
  assert.equal(toDecimalString(7.35e-6), "0.00000735");
  assert.equal(toDecimalString(5e-7), "0.0000005");
});

Deno.test("toDecimalString writes 1e21 as all of its digits, not as an exponent", () => {
  assert.equal(toDecimalString(1e21), "1000000000000000000000");
  assert.equal(toDecimalString(1.5e22), "15000000000000000000000");
});

Deno.test("toDecimalString keeps the sign of a negative number and of a negative string", () => {
  assert.equal(toDecimalString(-0.5), "-0.5");
  assert.equal(toDecimalString(-7.35e-6), "-0.00000735");
  assert.equal(toDecimalString("-12.50"), "-12.5");
});

Deno.test("toDecimalString drops trailing zeros of a decimal string such as OpenRouter's prices", () => {
  assert.equal(toDecimalString("0.000030"), "0.00003");
  assert.equal(toDecimalString("2.000"), "2");
  assert.equal(toDecimalString("100"), "100");
});

Deno.test("toDecimalString expands a string in exponent notation", () => {
  assert.equal(toDecimalString("1e-7"), "0.0000001");
  assert.equal(toDecimalString("1.5E-7"), "0.00000015");
  assert.equal(toDecimalString("2.5e+3"), "2500");
  assert.equal(toDecimalString("25e-1"), "2.5");
});

Deno.test('toDecimalString writes zero as "0", whatever its sign or spelling', () => {
  assert.equal(toDecimalString(0), "0");
  assert.equal(toDecimalString(-0), "0");
  assert.equal(toDecimalString("-0"), "0");
  assert.equal(toDecimalString("0.000"), "0");
});

Deno.test("toDecimalString accepts a leading or trailing dot and surrounding spaces", () => {
  assert.equal(toDecimalString(".5"), "0.5");
  assert.equal(toDecimalString("1."), "1");
  assert.equal(toDecimalString(" 12 "), "12");
});

Deno.test("toDecimalString returns null for NaN, the infinities and non-numeric values", () => {
  for (
    const value of [
      NaN,
      Infinity,
      -Infinity,
      "NaN",
      "Infinity",
      "",
      " ",
      ".",
      "abc",
      "0x10",
      "1_000",
      "1,5",
      "1e",
      "--1",
      null,
      undefined,
      true,
      10n,
      {},
      [],
      ["1"],
    ]
  ) {
    assert.equal(toDecimalString(value), null, `for ${String(value)}`);
  }
});

Deno.test("toDecimalString returns null instead of throwing for a string with an absurd exponent", () => {
  // A price or cost string is upstream data: "1e999999999" is garbage, and must not take the
  // whole log row down with a RangeError (nor allocate a billion-digit string).
  assert.equal(toDecimalString("1e999999999"), null);
  assert.equal(toDecimalString("1e-999999999"), null);
});

Deno.test("sumOfProducts prices tokens exactly where floating point drifts", () => {
  // 15 × 10^-8 × 1000 = 15000 × 10^-8; 6 × 10^-7 × 250 = 1500 × 10^-7 = 15000 × 10^-8.
  // Their sum is 30000 × 10^-8 = 0.0003 exactly.
  assert.equal(sumOfProducts([["0.00000015", 1000], ["0.0000006", 250]]), "0.0003");
  // 15 × 3 + 60 × 7 = 465 units of 10^-8: 0.00000465, where floats give 0.0000046499999999999995.
  assert.notEqual(0.00000015 * 3 + 0.0000006 * 7, 0.00000465);
  assert.equal(sumOfProducts([["0.00000015", 3], ["0.0000006", 7]]), "0.00000465");
});

Deno.test("sumOfProducts multiplies a large token count without losing a digit", () => {
  // 75 × 9007199254740991 = 675539944105574325, at scale 6.
  assert.equal(
    75n * 9_007_199_254_740_991n,
    675_539_944_105_574_325n,
  );
  assert.equal(
    sumOfProducts([["0.000075", Number.MAX_SAFE_INTEGER]]),
    "675539944105.574325",
  );
  // 3 × 10^-6 × 123456789 = 370370367 × 10^-6.
  assert.equal(sumOfProducts([["0.000003", 123_456_789]]), "370.370367");
});

Deno.test("sumOfProducts adds terms of different scales and trims trailing zeros", () => {
  assert.equal(sumOfProducts([["0.5", 3], ["2", 1]]), "3.5");
  assert.equal(sumOfProducts([["0.10", 10]]), "1");
  assert.equal(
    sumOfProducts([["0.000003", 600], ["0.0000003", 400], ["0.000015", 100]]),
    "0.00342",
  );
});

Deno.test("sumOfProducts accepts prices in exponent notation", () => {
  assert.equal(sumOfProducts([["1.5e-7", 1_000_000]]), "0.15");
  assert.equal(sumOfProducts([["1e-7", 3]]), "0.0000003");
});

Deno.test('sumOfProducts gives "0" for free prices, zero quantities and no terms', () => {
  assert.equal(sumOfProducts([["0", 1000], ["0", 250]]), "0");
  assert.equal(sumOfProducts([["0.00003", 0]]), "0");
  assert.equal(sumOfProducts([]), "0");
});

Deno.test("sumOfProducts returns null when a price is not a decimal", () => {
  assert.equal(sumOfProducts([["0.00003", 10], ["free", 10]]), null);
  assert.equal(sumOfProducts([["", 10]]), null);
  assert.equal(sumOfProducts([["$0.01", 10]]), null);
});

Deno.test("sumOfProducts returns null when a quantity is not a safe integer", () => {
  assert.equal(sumOfProducts([["0.00003", 2 ** 53]]), null);
  assert.equal(sumOfProducts([["0.00003", 1.5]]), null);
  assert.equal(sumOfProducts([["0.00003", NaN]]), null);
  assert.equal(sumOfProducts([["0.00003", Infinity]]), null);
});

Deno.test("sumOfProducts returns null instead of throwing for a price with an absurd exponent", () => {
  assert.equal(sumOfProducts([["1e999999999", 1]]), null);
});
