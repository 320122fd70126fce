import assert from "node:assert/strict";
import { BudgetGuard } from "../../supabase/functions/_shared/llm/budget-guard.ts";
import {
  LLMBudgetExceededError,
  LLMBudgetUnavailableError,
  type LLMError,
} from "../../supabase/functions/_shared/llm/errors.ts";
import type { CallScope } from "../../supabase/functions/_shared/llm/limits-snapshot.ts";
import { type FakeLimit, fakeLimitsSource, manualClock, utcWindow } from "../fixtures/limits.ts";

const call = (over: Partial<CallScope> = {}): CallScope => ({
  userId: "user-a",
  edgeFunction: "chat",
  model: "openai/gpt-4o-mini",
  ...over,
});

interface SetupOptions {
  cacheMs?: number;
  landingMs?: number;
  onUnavailable?: "allow" | "refuse";
}

function setup(limits: FakeLimit[], options: SetupOptions = {}) {
  const clock = manualClock();
  const source = fakeLimitsSource(clock.now, limits);
  const warnings: string[] = [];
  const guard = new BudgetGuard({
    source,
    now: clock.now,
    warn: (m) => void warnings.push(m),
    ...options,
  });
  let n = 0;
  /** Checks one call and, if admitted, leaves it in flight; resolves with the refusal. */
  const check = async (scope: CallScope = call()) => await guard.check(`call-${++n}`, scope);
  return { clock, source, guard, warnings, check };
}

function assertExceeded(error: LLMError | null, expected: Record<string, unknown>) {
  assert.ok(error instanceof LLMBudgetExceededError, `expected a refusal, got ${error}`);
  assert.equal(error.type, "budget_exceeded");
  assert.equal(error.status, 429);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(error.details[key as keyof typeof error.details], value, key);
  }
  return error;
}

Deno.test("a limit of each scope refuses the calls it covers once used up, and only those", async (t) => {
  const cases: { limit: FakeLimit; covered: CallScope; other: CallScope }[] = [
    {
      limit: { id: "g", scope: "global", period: "day", maxCalls: 3 },
      covered: call(),
      other: call(),
    },
    {
      limit: { id: "f", scope: "edge_function", scopeValue: "chat", period: "day", maxCalls: 3 },
      covered: call(),
      other: call({ edgeFunction: "summarise" }),
    },
    {
      limit: { id: "m", scope: "model", scopeValue: "openai/gpt-4o", period: "day", maxCalls: 3 },
      covered: call({ model: "openai/gpt-4o" }),
      other: call(),
    },
    {
      limit: { id: "e", scope: "each_user", period: "day", maxCalls: 3 },
      covered: call(),
      other: call({ userId: null }),
    },
    {
      limit: { id: "u", scope: "user", scopeValue: "user-b", period: "day", maxCalls: 3 },
      covered: call({ userId: "user-b" }),
      other: call(),
    },
  ];
  for (const { limit, covered, other } of cases) {
    await t.step(limit.scope, async () => {
      const { source, check } = setup([limit]);
      const key = limit.scope === "each_user" || limit.scope === "user"
        ? `${limit.id}/${covered.userId}`
        : limit.id;
      source.usage.set(key, { costUsd: 0, calls: 2, tokens: 0 });
      assert.equal(await check(covered), null, "2 of 3 used: the third passes");
      assertExceeded(await check(covered), {
        limit_id: limit.id,
        scope: limit.scope,
        scope_value: limit.scopeValue ?? null,
        metric: "calls",
        used: 3,
        max: 3,
      });
      if (limit.scope !== "global") assert.equal(await check(other), null, "not covered");
    });
  }
});

Deno.test("each measure refuses at its maximum: cost, calls, tokens", async () => {
  const { clock, source, check } = setup([
    { id: "cost", scope: "global", period: "hour", maxCostUsd: 1.5 },
    { id: "tokens", scope: "model", scopeValue: "m", period: "hour", maxTokens: 1_000 },
  ]);
  source.usage.set("cost", { costUsd: 1.49, calls: 7, tokens: 0 });
  source.usage.set("tokens", { costUsd: 0, calls: 1, tokens: 1_000 });
  assert.equal(await check(), null);
  assertExceeded(await check(call({ model: "m" })), { metric: "tokens", used: 1_000, max: 1_000 });
  source.usage.set("cost", { costUsd: 1.5, calls: 7, tokens: 0 });
  clock.advance(5_000);
  assertExceeded(await check(), { limit_id: "cost", metric: "cost_usd", used: 1.5, max: 1.5 });
});

Deno.test("retryAfter counts the seconds to the end of the limit's UTC window", async (t) => {
  for (const period of ["minute", "hour", "day", "month"] as const) {
    await t.step(period, async () => {
      const { clock, source, check } = setup([{ id: "g", scope: "global", period, maxCalls: 1 }]);
      source.usage.set("g", { costUsd: 0, calls: 1, tokens: 0 });
      const error = assertExceeded(await check(), { window: period });
      const end = utcWindow(period, clock.now())[1];
      assert.equal(
        (error as LLMBudgetExceededError).retryAfter,
        Math.ceil((end - clock.now()) / 1000),
      );
      assert.equal(error.details!.window_end, new Date(end).toISOString());
    });
  }
});

Deno.test("a used-up window resets when it ends, even inside the cache time", async () => {
  const { clock, source, check } = setup([{
    id: "g",
    scope: "global",
    period: "minute",
    maxCalls: 2,
  }], {
    cacheMs: 600_000,
  });
  source.usage.set("g", { costUsd: 0, calls: 2, tokens: 0 });
  assertExceeded(await check(), { metric: "calls" });
  const end = utcWindow("minute", clock.now())[1];
  clock.set(end - 1);
  assertExceeded(await check(), { metric: "calls" });
  source.usage.set("g", { costUsd: 0, calls: 0, tokens: 0 }); // the new minute has no rows yet
  clock.set(end);
  assert.equal(await check(), null, "the next minute starts empty");
  assert.equal(source.reads.length, 2, "read again because the window ended, not the cache");
});

Deno.test("a user's own limit replaces the each_user default of the same window", async () => {
  const { source, check } = setup([
    { id: "default", scope: "each_user", period: "day", maxCalls: 2 },
    { id: "vip", scope: "user", scopeValue: "vip", period: "day", maxCalls: 5 },
    { id: "tight", scope: "user", scopeValue: "bot", period: "day", maxCalls: 1 },
    { id: "hourly", scope: "each_user", period: "hour", maxCalls: 4 },
  ]);
  source.usage.set("default/user-a", { costUsd: 0, calls: 2, tokens: 0 });
  // A user's usage in a window is the same under every limit of that window.
  source.usage.set("vip/vip", { costUsd: 0, calls: 3, tokens: 0 });
  source.usage.set("default/vip", { costUsd: 0, calls: 3, tokens: 0 });
  assertExceeded(await check(call({ userId: "user-a" })), { limit_id: "default", max: 2 });
  assert.equal(
    await check(call({ userId: "vip" })),
    null,
    "3 of the override's 5 (over the default's 2)",
  );
  assert.equal(await check(call({ userId: "vip" })), null, "4 of 5");
  assertExceeded(await check(call({ userId: "vip" })), { limit_id: "vip", used: 5, max: 5 });
  assert.equal(await check(call({ userId: "bot" })), null, "lowered to 1: first call passes");
  assertExceeded(await check(call({ userId: "bot" })), { limit_id: "tight", scope_value: "bot" });
  // The hourly default still applies to vip: the override replaced only the daily one.
  source.usage.set("hourly/vip2", { costUsd: 0, calls: 4, tokens: 0 });
  assertExceeded(await check(call({ userId: "vip2" })), { limit_id: "hourly" });
});

Deno.test("a limit added or changed while calls run is enforced after the cache time, not before", async () => {
  const { clock, source, check } = setup([], { cacheMs: 5_000 });
  assert.equal(await check(), null);
  source.limits.push({ id: "g", scope: "global", period: "day", maxCalls: 0 });
  clock.advance(4_999);
  assert.equal(await check(), null, "still the cached reading");
  clock.advance(1);
  assertExceeded(await check(), { limit_id: "g", max: 0 });
  source.limits[0] = { ...source.limits[0], maxCalls: 100 };
  clock.advance(5_000);
  assert.equal(await check(), null, "raised: passes after the next reading");
});

Deno.test("100 concurrent calls against a limit of 10 in one worker: exactly 10 pass", async () => {
  const { source, guard } = setup([{
    id: "g",
    scope: "each_user",
    period: "minute",
    maxCalls: 10,
  }]);
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => guard.check(`c${i}`, call())),
  );
  assert.equal(results.filter((r) => r === null).length, 10);
  assert.equal(results.filter((r) => r instanceof LLMBudgetExceededError).length, 90);
  assert.deepEqual(source.reads, ["user-a"], "one reading shared by all 100");
});

Deno.test("calls this worker let through count until a reading made after their row landed", async () => {
  const { clock, source, guard } = setup(
    [{ id: "g", scope: "global", period: "day", maxCalls: 3 }],
    {
      cacheMs: 1_000,
      landingMs: 800,
    },
  );
  assert.equal(await guard.check("a", call()), null);
  assert.equal(await guard.check("b", call()), null);
  assert.equal(guard.pendingCalls("g"), 2);
  guard.callEnded("a");
  clock.advance(400);
  guard.callEnded("b");
  // By the next reading a's row has landed (ended 1,000 ms before); b ended only 600 ms before.
  source.usage.set("g", { costUsd: 0, calls: 1, tokens: 0 });
  clock.advance(600);
  assert.equal(await guard.check("c", call()), null, "1 in the database + b = 2 of 3");
  assert.equal(guard.pendingCalls("g"), 2, "b and c");
  assertExceeded(await guard.check("d", call()), { used: 3, max: 3 });
});

Deno.test("with the limits unreadable, calls pass by default and one warning is printed", async () => {
  const { source, check, warnings } = setup([{
    id: "g",
    scope: "global",
    period: "day",
    maxCalls: 0,
  }], {
    cacheMs: 1_000,
  });
  source.failWith = new Error("connection refused");
  for (let i = 0; i < 5; i++) assert.equal(await check(), null);
  assert.equal(source.reads.length, 1, "not read again within the cache time");
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /cannot read the LLM limits \(connection refused\); calls go through unchecked/,
  );
});

Deno.test("with onUnavailable: refuse, unreadable limits refuse calls until they can be read", async () => {
  const { clock, source, check } = setup(
    [{ id: "g", scope: "global", period: "day", maxCalls: 5 }],
    {
      cacheMs: 2_000,
      onUnavailable: "refuse",
    },
  );
  source.failWith = new Error("timeout");
  const error = await check();
  assert.ok(error instanceof LLMBudgetUnavailableError);
  assert.equal(error.type, "budget_unavailable");
  assert.equal(error.retryAfter, 2);
  source.failWith = null;
  clock.advance(2_000);
  assert.equal(await check(), null, "readable again");
});

Deno.test("a call no limit covers is decided synchronously, without a reading per call", async () => {
  const { source, guard } = setup([{
    id: "m",
    scope: "model",
    scopeValue: "other",
    period: "day",
    maxCalls: 1,
  }]);
  await guard.check("warm", call());
  const decided = guard.check("next", call());
  assert.equal(decided, null, "a value, not a promise");
  assert.equal(source.reads.length, 1);
});

Deno.test("a cold worker reads once for many users, and once per user only when limits are per user", async (t) => {
  const users = Array.from({ length: 50 }, (_, i) => call({ userId: `user-${i}` }));
  await t.step("no per-user limit: one reading", async () => {
    const { source, guard } = setup([{ id: "g", scope: "global", period: "day", maxCalls: 1e6 }]);
    await Promise.all(users.map((scope, i) => guard.check(`c${i}`, scope)));
    assert.equal(source.reads.length, 1);
  });
  await t.step("an each_user limit: each user's usage read once", async () => {
    const { source, guard } = setup([{ id: "e", scope: "each_user", period: "day", maxCalls: 2 }]);
    source.usage.set("e/user-7", { costUsd: 0, calls: 2, tokens: 0 });
    const twice = [...users, ...users];
    const outcomes = await Promise.all(twice.map((scope, i) => guard.check(`c${i}`, scope)));
    assert.equal(source.reads.length, 50);
    assert.deepEqual(new Set(source.reads), new Set(users.map((u) => u.userId)));
    assert.equal(outcomes.filter((o) => o !== null).length, 2, "user-7's two calls");
  });
});
