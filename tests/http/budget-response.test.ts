import assert from "node:assert/strict";
import { createCallerIdentifier } from "../../supabase/functions/_shared/http/caller.ts";
import { createChatHandler } from "../../supabase/functions/_shared/http/chat-endpoint.ts";
import { LLMService } from "../../supabase/functions/_shared/llm-service.ts";
import { fakeLimitsSource } from "../fixtures/limits.ts";

Deno.test("an example function answers a call over budget with 429 and Retry-After", async () => {
  const now = Date.UTC(2026, 10, 29, 23, 59, 0);
  const source = fakeLimitsSource(() => now, [
    { id: "daily", scope: "edge_function", scopeValue: "chat", period: "day", maxCostUsd: 2 },
  ]);
  source.usage.set("daily", { costUsd: 2.01, calls: 40, tokens: 90_000 });
  const rows: string[] = []; // with no sink, rows are printed: the refusals are logged too
  const service = new LLMService({
    apiKey: "sk-or-v1-budget-response-test",
    baseUrl: "http://127.0.0.1:9/never-called",
    sink: null,
    fallback: (line) => void rows.push(line),
    now: () => now,
    limits: { source },
  });
  for (const stream of [false, true]) {
    const response = await createChatHandler({
      edgeFunction: "chat",
      stream,
      service,
      identify: createCallerIdentifier({ verify: null }),
    })(
      new Request("http://localhost/functions/v1/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }] }),
      }),
    );
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "60", "a minute to midnight UTC");
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    const body = await response.json();
    assert.equal(body.error.type, "budget_exceeded");
    assert.equal(body.error.retry_after, 60);
    assert.match(body.error.message, /^Budget exceeded: \$2\.01 of \$2 used today \(UTC\)/);
    assert.ok(body.error.log_id);
  }
  await service.flush();
  const logged = rows.map((line) => JSON.parse(line).row);
  assert.deepEqual(logged.map((r) => [r.status, r.error_type]), [
    ["failed", "budget_exceeded"],
    ["failed", "budget_exceeded"],
  ]);
});
