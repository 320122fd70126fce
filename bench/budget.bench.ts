/**
 * What enforcing `llm_limits` costs a call once the limits are cached: the same calls through a
 * service without limits (the baseline) and with four limits that apply to every call (global,
 * the edge function, the model, each user), none of them near its maximum. Then the check
 * alone, without any I/O, to show its cost per call directly.
 *
 * The limits come from an in-process source: the reading happens once per user and cache window
 * (60 s here), so what is measured is the per-call check, which is what callers pay while the
 * reading is cached. `BENCH_QUICK=1` runs each bench once.
 *
 * @module
 */
import { createSupabaseSink, LLMService } from "../supabase/functions/_shared/llm-service.ts";
import { BudgetGuard } from "../supabase/functions/_shared/llm/budget-guard.ts";
import type { CallScope } from "../supabase/functions/_shared/llm/limits-snapshot.ts";
import { type FakeLimit, fakeLimitsSource } from "../tests/fixtures/limits.ts";
import { startPeers } from "./peer.ts";
import { benchService, chat } from "./subjects.ts";

const quick = Deno.env.get("BENCH_QUICK") === "1" ? { n: 1, warmup: 0 } : {};
const HUGE = 1e12;
const LIMITS: FakeLimit[] = [
  { id: "global", scope: "global", period: "month", maxCostUsd: HUGE },
  { id: "fn", scope: "edge_function", scopeValue: "bench", period: "hour", maxCalls: HUGE },
  { id: "model", scope: "model", scopeValue: chat.model, period: "minute", maxCalls: HUGE },
  { id: "user", scope: "each_user", period: "day", maxCostUsd: HUGE, maxTokens: HUGE },
];
const USERS = Array.from({ length: 10 }, (_, i) => `bench-user-${i}`);

const peers = await startPeers();
const plain = benchService(peers.openrouter, peers.supabase);
const limited = new LLMService({
  apiKey: "sk-or-v1-benchmark-key-0000000000000000",
  baseUrl: peers.openrouter,
  sink: createSupabaseSink({ url: peers.supabase, key: "sb_secret_benchmark" }),
  fallback: () => {},
  limits: { source: fakeLimitsSource(Date.now, LIMITS), cacheMs: 60_000 },
});
let n = 0;
const context = () => ({ edgeFunction: "bench", userId: USERS[n++ % USERS.length] });

if (!quick.n) {
  for (let i = 0; i < 3_000; i++) {
    await plain.chatCompletion(chat, context());
    await limited.chatCompletion(chat, context());
  }
  await Promise.all([plain.flush(), limited.flush()]);
}

Deno.bench({
  name: "chatCompletion, no limits",
  group: "chatCompletion with limits, per call",
  baseline: true,
  ...quick,
  async fn() {
    await plain.chatCompletion(chat, context());
  },
});

Deno.bench({
  name: "chatCompletion, 4 applicable limits, cached",
  group: "chatCompletion with limits, per call",
  ...quick,
  async fn() {
    await limited.chatCompletion(chat, context());
  },
});

// The check alone: a cached reading, four applicable limits, the call admitted then settled.
// Read again every second, as a worker would, which also forgets the settled calls.
const guard = new BudgetGuard({ source: fakeLimitsSource(Date.now, LIMITS), cacheMs: 1_000 });
const sparse = new BudgetGuard({
  source: fakeLimitsSource(Date.now, LIMITS.filter((l) => l.scope !== "global")),
  cacheMs: 1_000,
});
const scopes: CallScope[] = USERS.map((userId) => ({
  userId,
  edgeFunction: "bench",
  model: chat.model,
}));
const uncovered: CallScope = { userId: null, edgeFunction: "other", model: "other/model" };
for (const scope of scopes) await guard.check("warm", scope);
await sparse.check("warm", { userId: null, edgeFunction: "other", model: "other/model" });
let id = 0;

Deno.bench({
  name: "BudgetGuard.check + settle, 4 applicable limits, cached",
  group: "budget check alone",
  baseline: true,
  ...quick,
  async fn() {
    const callId = `c${++id}`;
    const decided = guard.check(callId, scopes[id % scopes.length]);
    if (decided instanceof Promise) await decided; // once a second: the reading
    guard.callEnded(callId);
  },
});

Deno.bench({
  name: "BudgetGuard.check, no applicable limit",
  group: "budget check alone",
  ...quick,
  async fn() {
    const decided = sparse.check(`u${++id}`, uncovered);
    if (decided instanceof Promise) await decided;
  },
});

globalThis.addEventListener("unload", () => void peers.close());
