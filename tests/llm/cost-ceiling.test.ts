import assert from "node:assert/strict";
import {
  dearestWorstCase,
  estimatePromptTokens,
  worstCaseCost,
} from "../../supabase/functions/_shared/llm/cost-ceiling.ts";
import type { ModelPrice } from "../../supabase/functions/_shared/llm/pricing.ts";

const mini: ModelPrice = {
  prompt: "0.00000015",
  completion: "0.0000006",
  request: "0",
  context_length: 128_000,
  max_completion_tokens: 16_384,
};
const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

Deno.test("the prompt estimate counts every text sent, one token per 3 characters, and no binary", () => {
  const request = {
    messages: [
      { role: "system", content: "x".repeat(30) },
      {
        role: "user",
        content: [
          { type: "text", text: "y".repeat(30) },
          { type: "image_url", image_url: { url: `data:image/png;base64,${"A".repeat(9_000)}` } },
        ],
      },
    ],
  };
  assert.equal(estimatePromptTokens(request), 20);
});

Deno.test("the completion's worst case is max_tokens, else the provider's most, else the context left", () => {
  const messages = [{ role: "user", content: "x".repeat(300) }]; // 100 tokens
  close(worstCaseCost({ messages, max_tokens: 1_000 }, mini), 100 * 0.00000015 + 1_000 * 0.0000006);
  close(
    worstCaseCost({ messages, max_completion_tokens: 10 }, mini),
    100 * 0.00000015 + 10 * 0.0000006,
  );
  close(worstCaseCost({ messages }, mini), 100 * 0.00000015 + 16_384 * 0.0000006);
  const { max_completion_tokens: _, ...contextOnly } = mini;
  close(worstCaseCost({ messages }, contextOnly), 100 * 0.00000015 + 127_900 * 0.0000006);
  close(
    worstCaseCost({ messages, max_tokens: 0 }, { ...mini, request: "0.01" }),
    100 * 0.00000015 + 0.01,
  );
});

Deno.test("a variable price (-1) or an unknown completion limit cannot be bounded", async () => {
  const messages = [{ role: "user", content: "Hi" }];
  assert.equal(worstCaseCost({ messages }, { prompt: "-1", completion: "-1" }), null);
  assert.equal(worstCaseCost({ messages }, { prompt: "0.000001", completion: "0.000002" }), null);
  const prices = new Map([["a", mini], ["b", { ...mini, completion: "0.00001" }]]);
  const priceOf = (m: string) => Promise.resolve(prices.get(m) ?? null);
  close(
    await dearestWorstCase({ model: "a", models: ["b"], messages, max_tokens: 100 }, priceOf),
    1 * 0.00000015 + 100 * 0.00001,
  );
  assert.equal(
    await dearestWorstCase({ model: "a", models: ["unknown"], messages }, priceOf),
    null,
  );
  assert.equal(await dearestWorstCase({ messages }, priceOf), null, "no model named");
});
