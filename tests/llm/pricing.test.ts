import assert from "node:assert/strict";
import {
  estimateCost,
  type ModelPrice,
  ModelPriceList,
  parsePriceList,
} from "../../supabase/functions/_shared/llm/pricing.ts";
import { UNKNOWN_USAGE, type UsageColumns } from "../../supabase/functions/_shared/llm/usage.ts";

const BASE_URL = "https://openrouter.ai/api/v1";

/** A `GET /models` body shaped like OpenRouter's, trimmed to the fields that matter here. */
const MODELS_BODY = {
  data: [
    {
      id: "openai/gpt-4o-mini",
      canonical_slug: "openai/gpt-4o-mini-2024-07-18",
      name: "OpenAI: GPT-4o-mini",
      context_length: 128000,
      pricing: {
        prompt: "0.00000015",
        completion: "0.0000006",
        request: "0",
        image: "0.000217",
        web_search: "0",
        internal_reasoning: "0",
        input_cache_read: "0.000000075",
      },
      top_provider: { context_length: 128000, max_completion_tokens: 16384 },
    },
    {
      id: "meta-llama/llama-3.3-70b-instruct:free",
      pricing: { prompt: "0", completion: "0" },
    },
  ],
};

function usage(overrides: Partial<UsageColumns>): UsageColumns {
  return { ...UNKNOWN_USAGE, ...overrides };
}

/** A fake `fetch` that answers from `respond` and records every call. */
function fakeFetch(respond: (call: number) => Response | Promise<Response>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    return Promise.resolve().then(() => respond(calls.length));
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

// parsePriceList

Deno.test("parsePriceList keys each model's price by its id and by its canonical slug", () => {
  const prices = parsePriceList(MODELS_BODY);
  const expected: ModelPrice = {
    prompt: "0.00000015",
    completion: "0.0000006",
    request: "0",
    input_cache_read: "0.000000075",
    context_length: 128000,
    max_completion_tokens: 16384,
  };
  assert.deepEqual(prices.get("openai/gpt-4o-mini"), expected);
  assert.deepEqual(prices.get("openai/gpt-4o-mini-2024-07-18"), expected);
  assert.deepEqual(prices.get("meta-llama/llama-3.3-70b-instruct:free"), {
    prompt: "0",
    completion: "0",
  });
  assert.equal(prices.size, 3);
});

Deno.test("parsePriceList skips models without pricing or with non-string prompt or completion prices", () => {
  const prices = parsePriceList({
    data: [
      { id: "no/pricing" },
      { id: "null/pricing", pricing: null },
      { id: "numeric/prices", pricing: { prompt: 0.000001, completion: 0.000002 } },
      { id: "missing/completion", pricing: { prompt: "0.000001" } },
      { id: "good/model", pricing: { prompt: "0.000001", completion: "0.000002" } },
      null,
      "junk",
      42,
    ],
  });
  assert.deepEqual([...prices.keys()], ["good/model"]);
});

Deno.test("parsePriceList leaves out optional prices that are not strings", () => {
  const prices = parsePriceList({
    data: [{
      id: "a/b",
      pricing: {
        prompt: "0.000001",
        completion: "0.000002",
        request: 0.01,
        input_cache_read: null,
      },
    }],
  });
  assert.deepEqual(prices.get("a/b"), { prompt: "0.000001", completion: "0.000002" });
});

Deno.test("parsePriceList keys a model by its id alone when the canonical slug is missing or not a string", () => {
  const prices = parsePriceList({
    data: [
      { id: "a/b", canonical_slug: null, pricing: { prompt: "1", completion: "2" } },
      { id: "c/d", canonical_slug: 7, pricing: { prompt: "1", completion: "2" } },
    ],
  });
  assert.deepEqual([...prices.keys()].sort(), ["a/b", "c/d"]);
});

Deno.test("parsePriceList returns an empty map for a body of the wrong shape", () => {
  for (const body of [undefined, null, "models", [], {}, { data: {} }, { data: "x" }]) {
    assert.equal(parsePriceList(body).size, 0, JSON.stringify(body));
  }
});

// estimateCost

Deno.test("estimateCost prices prompt and completion tokens exactly", () => {
  const price = { prompt: "0.00000015", completion: "0.0000006" };
  // 1000 × 0.00000015 + 250 × 0.0000006 = 0.00015 + 0.00015.
  assert.equal(
    estimateCost(price, usage({ prompt_tokens: 1000, completion_tokens: 250 })),
    "0.0003",
  );
});

Deno.test("estimateCost charges cached prompt tokens at the input_cache_read price", () => {
  const price = {
    prompt: "0.000003",
    completion: "0.000015",
    input_cache_read: "0.0000003",
  };
  // 600 × 0.000003 + 400 × 0.0000003 + 100 × 0.000015 = 0.0018 + 0.00012 + 0.0015.
  assert.equal(
    estimateCost(
      price,
      usage({ prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 400 }),
    ),
    "0.00342",
  );
});

Deno.test("estimateCost charges cached tokens at the prompt price when no cache-read price is listed", () => {
  const price = { prompt: "0.000003", completion: "0.000015" };
  // 1000 × 0.000003 + 100 × 0.000015 = 0.003 + 0.0015.
  assert.equal(
    estimateCost(
      price,
      usage({ prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 400 }),
    ),
    "0.0045",
  );
});

Deno.test("estimateCost never counts more cached tokens than prompt tokens", () => {
  const price = { prompt: "0.000003", completion: "0.000015", input_cache_read: "0.0000003" };
  // All 1000 prompt tokens at 0.0000003 = 0.0003, plus 0.0015.
  assert.equal(
    estimateCost(
      price,
      usage({ prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 5000 }),
    ),
    "0.0018",
  );
});

Deno.test("estimateCost treats unknown cached tokens as none cached", () => {
  const price = { prompt: "0.000003", completion: "0.000015", input_cache_read: "0.0000003" };
  assert.equal(
    estimateCost(price, usage({ prompt_tokens: 1000, completion_tokens: 100 })),
    "0.0045",
  );
});

Deno.test("estimateCost adds the per-request price once", () => {
  const price = { prompt: "0.000001", completion: "0.000002", request: "0.005" };
  // 100 × 0.000001 + 10 × 0.000002 + 0.005 = 0.0001 + 0.00002 + 0.005.
  assert.equal(
    estimateCost(price, usage({ prompt_tokens: 100, completion_tokens: 10 })),
    "0.00512",
  );
});

Deno.test('estimateCost gives "0" for a free model', () => {
  assert.equal(
    estimateCost(
      { prompt: "0", completion: "0" },
      usage({ prompt_tokens: 100, completion_tokens: 10 }),
    ),
    "0",
  );
});

Deno.test("estimateCost returns null when any listed price is negative, as for variable-price routers", () => {
  const counts = usage({ prompt_tokens: 100, completion_tokens: 10, cached_tokens: 5 });
  const base = { prompt: "0.000001", completion: "0.000002" };
  for (
    const price of [
      { prompt: "-1", completion: "-1" },
      { ...base, prompt: "-1" },
      { ...base, completion: " -1" },
      { ...base, request: "-1" },
      { ...base, input_cache_read: "-0.0000001" },
    ]
  ) {
    assert.equal(estimateCost(price, counts), null, JSON.stringify(price));
  }
});

Deno.test("estimateCost returns null when the prompt or completion count is unknown", () => {
  const price = { prompt: "0.000001", completion: "0.000002" };
  assert.equal(estimateCost(price, usage({ prompt_tokens: 100 })), null);
  assert.equal(estimateCost(price, usage({ completion_tokens: 10 })), null);
  assert.equal(estimateCost(price, UNKNOWN_USAGE), null);
});

Deno.test("estimateCost returns null when a price is not a decimal", () => {
  assert.equal(
    estimateCost(
      { prompt: "varies", completion: "0.000002" },
      usage({ prompt_tokens: 100, completion_tokens: 10 }),
    ),
    null,
  );
});

// ModelPriceList

Deno.test("ModelPriceList does not fetch until a price is asked for", async () => {
  const { fetch, calls } = fakeFetch(() => jsonResponse(MODELS_BODY));
  const list = new ModelPriceList({ baseUrl: BASE_URL, fetch });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(calls.length, 0);
  const price = await list.priceOf("openai/gpt-4o-mini");
  assert.equal(price?.prompt, "0.00000015");
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, `${BASE_URL}/models`);
  assert.ok(calls[0].init?.signal instanceof AbortSignal, "the request can time out");
});

Deno.test("ModelPriceList finds a model by its canonical slug and returns null for an unknown one", async () => {
  const { fetch } = fakeFetch(() => jsonResponse(MODELS_BODY));
  const list = new ModelPriceList({ baseUrl: BASE_URL, fetch });
  assert.equal((await list.priceOf("openai/gpt-4o-mini-2024-07-18"))?.completion, "0.0000006");
  assert.equal(await list.priceOf("nobody/unknown-model"), null);
});

Deno.test("ModelPriceList shares one fetch between concurrent lookups", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const { fetch, calls } = fakeFetch(async () => {
    await gate;
    return jsonResponse(MODELS_BODY);
  });
  const list = new ModelPriceList({ baseUrl: BASE_URL, fetch });
  const lookups = [
    list.priceOf("openai/gpt-4o-mini"),
    list.priceOf("meta-llama/llama-3.3-70b-instruct:free"),
    list.priceOf("nobody/unknown-model"),
  ];
  await new Promise((resolve) => setTimeout(resolve, 0));
  release();
  const [a, b, c] = await Promise.all(lookups);
  assert.equal(calls.length, 1);
  assert.equal(a?.prompt, "0.00000015");
  assert.equal(b?.prompt, "0");
  assert.equal(c, null);
});

Deno.test("ModelPriceList uses the fetched list until ttlMs has passed, then fetches it again", async () => {
  const clock = fakeClock();
  const { fetch, calls } = fakeFetch((call) =>
    jsonResponse({
      data: [{ id: "a/b", pricing: { prompt: `0.00000${call}`, completion: "0.000002" } }],
    })
  );
  const list = new ModelPriceList({ baseUrl: BASE_URL, fetch, ttlMs: 60_000, now: clock.now });
  assert.equal((await list.priceOf("a/b"))?.prompt, "0.000001");
  clock.t += 59_999;
  assert.equal((await list.priceOf("a/b"))?.prompt, "0.000001");
  assert.equal(calls.length, 1, "still cached just before the ttl");
  clock.t += 1;
  assert.equal((await list.priceOf("a/b"))?.prompt, "0.000002", "the refreshed price");
  assert.equal(calls.length, 2);
});

/** Runs the failure-and-retry scenario for one way the first fetch can fail. */
async function assertRetriedOnlyAfterFailureTtl(firstResponse: () => Response | Promise<Response>) {
  const clock = fakeClock();
  const { fetch, calls } = fakeFetch((call) =>
    call === 1 ? firstResponse() : jsonResponse(MODELS_BODY)
  );
  const list = new ModelPriceList({
    baseUrl: BASE_URL,
    fetch,
    ttlMs: 3_600_000,
    failureTtlMs: 300_000,
    now: clock.now,
  });
  assert.equal(await list.priceOf("openai/gpt-4o-mini"), null, "a failed fetch gives null");
  clock.t += 299_999;
  assert.equal(await list.priceOf("openai/gpt-4o-mini"), null, "no retry before failureTtlMs");
  assert.equal(calls.length, 1);
  clock.t += 1;
  assert.equal((await list.priceOf("openai/gpt-4o-mini"))?.prompt, "0.00000015");
  assert.equal(calls.length, 2, "retried once failureTtlMs had passed");
}

Deno.test("ModelPriceList gives null after a 500 and retries only after failureTtlMs", async () => {
  await assertRetriedOnlyAfterFailureTtl(() =>
    jsonResponse({ error: { code: 500, message: "Internal Server Error" } }, 500)
  );
});

Deno.test("ModelPriceList gives null after a network error and retries only after failureTtlMs", async () => {
  await assertRetriedOnlyAfterFailureTtl(() =>
    Promise.reject(new TypeError("error sending request"))
  );
});

Deno.test("ModelPriceList gives null after a body that is not JSON and retries only after failureTtlMs", async () => {
  await assertRetriedOnlyAfterFailureTtl(() =>
    new Response('{"data": [{"id": "openai/gpt-4o-mi', {
      headers: { "content-type": "application/json" },
    })
  );
});

Deno.test("ModelPriceList treats a list without any priced model as a failure, retried after failureTtlMs", async () => {
  await assertRetriedOnlyAfterFailureTtl(() => jsonResponse({ data: [] }));
});

Deno.test("ModelPriceList cancels the body of an error response instead of leaving it unread", async () => {
  let cancelled = false;
  const body = new ReadableStream({
    cancel() {
      cancelled = true;
    },
  });
  const { fetch } = fakeFetch(() => new Response(body, { status: 503 }));
  const list = new ModelPriceList({ baseUrl: BASE_URL, fetch });
  assert.equal(await list.priceOf("openai/gpt-4o-mini"), null);
  assert.ok(cancelled);
});

Deno.test("ModelPriceList gives up on a /models request that outlasts timeoutMs", async () => {
  const fetch =
    ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
      })) as typeof globalThis.fetch;
  const list = new ModelPriceList({ baseUrl: BASE_URL, fetch, timeoutMs: 5 });
  assert.equal(await list.priceOf("openai/gpt-4o-mini"), null);
});
