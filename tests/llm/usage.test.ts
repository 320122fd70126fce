import assert from "node:assert/strict";
import { UNKNOWN_USAGE, usageColumns } from "../../supabase/functions/_shared/llm/usage.ts";

/** A `usage` object as OpenRouter returns it on a paid call. */
const REAL_USAGE = {
  prompt_tokens: 194,
  completion_tokens: 2,
  total_tokens: 196,
  cost: 0.00000735,
  is_byok: false,
  prompt_tokens_details: { cached_tokens: 128, cache_write_tokens: 0 },
  cost_details: { upstream_inference_cost: null },
  completion_tokens_details: { reasoning_tokens: 0 },
};

Deno.test("usageColumns maps a real usage object to every token and cost column", () => {
  assert.deepEqual(usageColumns(REAL_USAGE), {
    prompt_tokens: 194,
    completion_tokens: 2,
    total_tokens: 196,
    cached_tokens: 128,
    reasoning_tokens: 0,
    cost_usd: "0.00000735",
    cost_source: "provider",
  });
});

Deno.test("usageColumns leaves every column null when usage is absent or not an object", () => {
  for (const usage of [undefined, null, "usage", 42, [], [REAL_USAGE]]) {
    assert.deepEqual(usageColumns(usage), UNKNOWN_USAGE, `for ${JSON.stringify(usage)}`);
  }
});

Deno.test("usageColumns reports a missing count as null, never as 0", () => {
  const columns = usageColumns({});
  for (const [column, value] of Object.entries(columns)) {
    assert.equal(value, null, column);
  }
  const partial = usageColumns({ prompt_tokens: 12 });
  assert.equal(partial.prompt_tokens, 12);
  assert.equal(partial.completion_tokens, null);
  assert.equal(partial.cached_tokens, null);
  assert.equal(partial.reasoning_tokens, null);
});

Deno.test("usageColumns keeps a reported zero count as 0", () => {
  const columns = usageColumns({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  assert.equal(columns.prompt_tokens, 0);
  assert.equal(columns.completion_tokens, 0);
  assert.equal(columns.total_tokens, 0);
});

Deno.test("usageColumns stores a free model's cost 0 as the provider's known \"0\"", () => {
  const columns = usageColumns({ prompt_tokens: 10, completion_tokens: 5, cost: 0 });
  assert.equal(columns.cost_usd, "0");
  assert.equal(columns.cost_source, "provider");
});

Deno.test("usageColumns leaves cost and its source null when cost is missing or null", () => {
  for (const usage of [{ prompt_tokens: 10 }, { prompt_tokens: 10, cost: null }]) {
    const columns = usageColumns(usage);
    assert.equal(columns.cost_usd, null);
    assert.equal(columns.cost_source, null);
  }
});

Deno.test("usageColumns does not take the BYOK upstream_inference_cost for the cost", () => {
  const columns = usageColumns({
    prompt_tokens: 10,
    completion_tokens: 5,
    cost_details: { upstream_inference_cost: 0.0001 },
  });
  assert.equal(columns.cost_usd, null);
  assert.equal(columns.cost_source, null);
});

Deno.test("usageColumns leaves cost null when it is not a finite number", () => {
  for (const cost of [NaN, Infinity, "free", true, {}]) {
    const columns = usageColumns({ prompt_tokens: 10, cost });
    assert.equal(columns.cost_usd, null, `for ${String(cost)}`);
    assert.equal(columns.cost_source, null, `for ${String(cost)}`);
  }
});

Deno.test("usageColumns writes a tiny or negative cost as an exact decimal string", () => {
  assert.equal(usageColumns({ cost: 2.1e-7 }).cost_usd, "0.00000021");
  assert.equal(usageColumns({ cost: -0.0001 }).cost_usd, "-0.0001");
});

Deno.test("usageColumns computes total_tokens only when both counts are known", () => {
  assert.equal(usageColumns({ prompt_tokens: 12, completion_tokens: 3 }).total_tokens, 15);
  assert.equal(usageColumns({ prompt_tokens: 12 }).total_tokens, null);
  assert.equal(usageColumns({ completion_tokens: 3 }).total_tokens, null);
  assert.equal(usageColumns({ prompt_tokens: 12, completion_tokens: -3 }).total_tokens, null);
});

Deno.test("usageColumns keeps the reported total_tokens rather than recomputing it", () => {
  const columns = usageColumns({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 20 });
  assert.equal(columns.total_tokens, 20);
});

Deno.test("usageColumns computes a total that would not fit an integer column as null", () => {
  const columns = usageColumns({ prompt_tokens: 2_000_000_000, completion_tokens: 2_000_000_000 });
  assert.equal(columns.prompt_tokens, 2_000_000_000);
  assert.equal(columns.completion_tokens, 2_000_000_000);
  // total_tokens is a Postgres integer: 4e9 would fail the whole insert.
  assert.equal(columns.total_tokens, null);
});

Deno.test("usageColumns reads cached and reasoning tokens from their detail objects", () => {
  const columns = usageColumns({
    prompt_tokens: 1000,
    completion_tokens: 400,
    prompt_tokens_details: { cached_tokens: 600 },
    completion_tokens_details: { reasoning_tokens: 350 },
  });
  assert.equal(columns.cached_tokens, 600);
  assert.equal(columns.reasoning_tokens, 350);
});

Deno.test("usageColumns leaves cached and reasoning tokens null when their details are absent or null", () => {
  for (
    const details of [
      {},
      { prompt_tokens_details: null, completion_tokens_details: null },
      { prompt_tokens_details: {}, completion_tokens_details: {} },
      { prompt_tokens_details: [600], completion_tokens_details: "350" },
      { cached_tokens: 600, reasoning_tokens: 350 },
    ]
  ) {
    const columns = usageColumns({ prompt_tokens: 1000, completion_tokens: 400, ...details });
    assert.equal(columns.cached_tokens, null, JSON.stringify(details));
    assert.equal(columns.reasoning_tokens, null, JSON.stringify(details));
  }
});

Deno.test("usageColumns treats negative, non-finite and non-numeric counts as unknown", () => {
  for (const bad of [-1, -0.6, NaN, Infinity, -Infinity, "12", null, true, {}]) {
    const columns = usageColumns({
      prompt_tokens: bad,
      completion_tokens: bad,
      total_tokens: bad,
      prompt_tokens_details: { cached_tokens: bad },
      completion_tokens_details: { reasoning_tokens: bad },
    });
    assert.deepEqual(
      [
        columns.prompt_tokens,
        columns.completion_tokens,
        columns.total_tokens,
        columns.cached_tokens,
        columns.reasoning_tokens,
      ],
      [null, null, null, null, null],
      `for ${String(bad)}`,
    );
  }
});

Deno.test("usageColumns treats counts beyond a Postgres integer as unknown and keeps the largest that fits", () => {
  assert.equal(usageColumns({ prompt_tokens: 2_147_483_647 }).prompt_tokens, 2_147_483_647);
  assert.equal(usageColumns({ prompt_tokens: 2_147_483_648 }).prompt_tokens, null);
  assert.equal(usageColumns({ prompt_tokens: 1e300 }).prompt_tokens, null);
});

Deno.test("usageColumns rounds a fractional count to an integer the column can hold", () => {
  const columns = usageColumns({ prompt_tokens: 12.4, completion_tokens: 2.5 });
  assert.equal(columns.prompt_tokens, 12);
  assert.equal(columns.completion_tokens, 3);
  assert.equal(columns.total_tokens, 15);
});

Deno.test("usageColumns uses the reported total when it is valid even if a part is not", () => {
  const columns = usageColumns({ prompt_tokens: -1, completion_tokens: 3, total_tokens: 15 });
  assert.equal(columns.prompt_tokens, null);
  assert.equal(columns.total_tokens, 15);
});

Deno.test("usageColumns falls back to the computed total when the reported one is invalid", () => {
  const columns = usageColumns({ prompt_tokens: 12, completion_tokens: 3, total_tokens: -1 });
  assert.equal(columns.total_tokens, 15);
});

Deno.test("usageColumns returns a fresh object that callers may change without touching UNKNOWN_USAGE", () => {
  const columns = usageColumns(null);
  assert.notEqual(columns, UNKNOWN_USAGE);
  columns.prompt_tokens = 5;
  assert.equal(UNKNOWN_USAGE.prompt_tokens, null);
  assert.ok(Object.isFrozen(UNKNOWN_USAGE));
});
