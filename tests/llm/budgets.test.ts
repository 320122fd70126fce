import assert from "node:assert/strict";
import {
  createSqlLimitsSource,
  LLMBudgetExceededError,
  LLMBudgetUnavailableError,
  type LLMLimitsOptions,
  LLMValidationError,
} from "../../supabase/functions/_shared/llm-service.ts";
import { openServiceHarness, type ServiceHarness } from "../harness/service.ts";

const messages = [{ role: "user" as const, content: "Hello" }];
const request = { model: "openai/gpt-4o-mini", messages, max_tokens: 50 };

/** Limits read from the harness's database, as the direct SQL path reads them. */
function sqlLimits(h: ServiceHarness, extra: LLMLimitsOptions = {}): LLMLimitsOptions {
  return { source: createSqlLimitsSource((text, params) => h.db.query(text, params)), ...extra };
}

/** Chat calls the simulator received (the price list's `/models` requests aside). */
const sentCalls = (h: ServiceHarness) =>
  h.sim.exchanges.filter((e) => e.request.path.endsWith("/chat/completions")).length;

const settle = <T>(p: Promise<T>) => p.then(() => null, (e: unknown) => e);

Deno.test("a call over a limit is refused before sending and logged as failed: budget_exceeded", async () => {
  await using h = await openServiceHarness();
  await h.db.exec(
    `insert into llm_limits (scope, period, max_calls) values ('each_user', 'day', 1)`,
  );
  const service = h.withOptions({ limits: sqlLimits(h, { cacheMs: 0, landingMs: 0 }) });
  const context = { userId: "user-1", edgeFunction: "chat" };
  await service.chatCompletion(request, context);
  await service.flush();

  const error = await settle(service.chatCompletion(request, context));
  assert.ok(error instanceof LLMBudgetExceededError);
  assert.equal(error.type, "budget_exceeded");
  assert.equal(error.status, 429);
  assert.ok(error.retryAfter! >= 1 && error.retryAfter! <= 86_400, `${error.retryAfter}`);
  assert.equal(error.details.scope, "each_user");
  assert.equal(error.details.window, "day");
  assert.equal(error.details.metric, "calls");
  assert.equal(error.details.used, 1);
  assert.equal(error.details.max, 1);
  assert.match(error.message, /^Budget exceeded: 1 of 1 calls used today \(UTC\) by this user/);
  assert.equal(sentCalls(h), 1, "the refused call was never sent");

  await service.flush();
  const row = await h.row(error.logId);
  assert.ok(row, "the refusal has its row");
  assert.equal(row.status, "failed");
  assert.equal(row.error_type, "budget_exceeded");
  assert.equal(row.error_message, error.message);
  assert.equal(row.http_status, null);
  assert.equal(row.user_id, "user-1");
  assert.deepEqual(row.error_details, error.details);

  const other = await service.chatCompletion(request, { userId: "user-2" });
  assert.ok(other.id, "another user has their own budget");
});

Deno.test("100 concurrent calls against a limit of 10: 10 pass in one worker, at most 10 per worker in four", async (t) => {
  await t.step("one worker", async () => {
    await using h = await openServiceHarness();
    await h.db.exec(
      `insert into llm_limits (scope, period, max_calls) values ('global', 'day', 10)`,
    );
    const service = h.withOptions({ limits: sqlLimits(h) });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () => settle(service.chatCompletion(request))),
    );
    assert.equal(outcomes.filter((o) => o === null).length, 10);
    assert.ok(outcomes.every((o) => o === null || o instanceof LLMBudgetExceededError));
    assert.equal(sentCalls(h), 10);
  });
  await t.step("four workers, 25 calls each, all reading before any call landed", async () => {
    await using h = await openServiceHarness();
    await h.db.exec(
      `insert into llm_limits (scope, period, max_calls) values ('global', 'day', 10)`,
    );
    const workers = Array.from({ length: 4 }, () => h.withOptions({ limits: sqlLimits(h) }));
    const outcomes = await Promise.all(
      workers.flatMap((w) => Array.from({ length: 25 }, () => settle(w.chatCompletion(request)))),
    );
    const passed = outcomes.filter((o) => o === null).length;
    // The documented bound: each worker admits at most what was left when it read (10).
    assert.ok(passed >= 10 && passed <= 40, `${passed} passed`);
    assert.equal(sentCalls(h), passed);
    for (const w of workers) await w.flush();
    const late = h.withOptions({ limits: sqlLimits(h) });
    assert.ok(await settle(late.chatCompletion(request)) instanceof LLMBudgetExceededError);
  });
});

Deno.test("a limit added while a worker runs is enforced once its cached reading expires", async () => {
  await using h = await openServiceHarness();
  let now = Date.now();
  const service = h.withOptions({ now: () => now, limits: sqlLimits(h, { cacheMs: 30_000 }) });
  await service.chatCompletion(request, { edgeFunction: "chat" });
  await h.db.exec(
    `insert into llm_limits (scope, scope_value, period, max_calls) values ('edge_function', 'chat', 'hour', 0)`,
  );
  now += 29_000;
  await service.chatCompletion(request, { edgeFunction: "chat" });
  now += 1_000;
  const error = await settle(service.chatCompletion(request, { edgeFunction: "chat" }));
  assert.ok(error instanceof LLMBudgetExceededError);
  assert.equal(error.details.scope_value, "chat");
  await service.chatCompletion(request, { edgeFunction: "other" });
});

Deno.test("maxCostUsd refuses a call whose worst-case cost is above it, at /models prices", async () => {
  await using h = await openServiceHarness({ limits: false });
  // gpt-4o-mini: $0.00000015 per prompt token, $0.0000006 per completion token.
  const error = await settle(
    h.service.chatCompletion({ ...request, max_tokens: 1_000 }, { maxCostUsd: 0.0005 }),
  );
  assert.ok(error instanceof LLMBudgetExceededError);
  assert.equal(error.retryAfter, null, "waiting will not help");
  assert.equal(error.details.kind, "max_cost_usd");
  const worst = 2 * 0.00000015 + 1_000 * 0.0000006; // "Hello" is 2 tokens at 3 characters each
  assert.ok(Math.abs(error.details.used - worst) < 1e-12, `${error.details.used}`);
  assert.equal(error.details.max, 0.0005);
  assert.equal(sentCalls(h), 0);

  await h.service.chatCompletion({ ...request, max_tokens: 500 }, { maxCostUsd: 0.0005 });
  const invalid = await settle(h.service.chatCompletion(request, { maxCostUsd: -1 }));
  assert.ok(invalid instanceof LLMValidationError);
  assert.equal(invalid.field, "context.maxCostUsd");
  // No max_tokens: the model's most (16,384 completion tokens, ≈ $0.0098) is the worst case.
  const unbounded = await settle(h.service.chatCompletion({ model: request.model, messages }, {
    maxCostUsd: 0.005,
  }));
  assert.ok(unbounded instanceof LLMBudgetExceededError);
  await h.service.flush();
  assert.equal((await h.row(unbounded.logId))?.error_type, "budget_exceeded");
});

Deno.test("with the limits unreadable, calls go through with one warning, or are refused if so configured", async (t) => {
  await using h = await openServiceHarness();
  const down = createSqlLimitsSource(() => Promise.reject(new Error("connection refused")));
  await t.step("default: let through, warn once", async () => {
    const warnings: string[] = [];
    const service = h.withOptions({ limits: { source: down, warn: (m) => void warnings.push(m) } });
    for (let i = 0; i < 3; i++) await service.chatCompletion(request);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /connection refused/);
  });
  await t.step("onUnavailable: refuse", async () => {
    const service = h.withOptions({
      limits: { source: down, onUnavailable: "refuse", warn: () => {} },
    });
    const error = await settle(service.chatCompletion(request));
    assert.ok(error instanceof LLMBudgetUnavailableError);
    assert.equal(error.status, 503);
    await service.flush();
    const row = await h.row(error.logId);
    assert.equal(row?.status, "failed");
    assert.equal(row?.error_type, "budget_unavailable");
  });
});

Deno.test("a stream counts against max_calls from its start, before its row exists", async () => {
  await using h = await openServiceHarness();
  await h.db.exec(`insert into llm_limits (scope, period, max_calls) values ('global', 'day', 1)`);
  const service = h.withOptions({ limits: sqlLimits(h, { cacheMs: 60_000 }) });
  const response = await service.streamCompletion(request);
  const refused = await settle(service.streamCompletion(request));
  assert.ok(refused instanceof LLMBudgetExceededError, "the open stream is in flight");
  assert.equal(refused.details.used, 1);
  await response.arrayBuffer();
  assert.equal(sentCalls(h), 1);
});

Deno.test("a warn hook that throws or rejects changes nothing: the call goes through and is logged", async () => {
  await using h = await openServiceHarness();
  const down = createSqlLimitsSource(() => Promise.reject(new Error("connection refused")));
  const hooks = [
    () => {
      throw new Error("warn broke");
    },
    () => Promise.reject(new Error("async warn broke")) as unknown as void,
  ];
  for (const warn of hooks) {
    const service = h.withOptions({ limits: { source: down, warn } });
    const completion = await service.chatCompletion(request);
    await service.flush();
    assert.equal((await h.rows()).filter((row) => row.generation_id === completion.id).length, 1);
  }
});
