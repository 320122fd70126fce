/**
 * A bounded soak of the service's logging: many concurrent calls of every kind (completed,
 * failed, streamed, cancelled, transport-failed) against the OpenRouter simulator, through a
 * sink that fails or delays a share of its writes. It reports where every call's row ended up,
 * so a test can check that each is in the table or the fallback, exactly once.
 *
 * @module
 */
import {
  type LLMCallLogRow,
  LLMService,
  type LLMServiceOptions,
  type LogSink,
  LogWriteError,
} from "../../supabase/functions/_shared/llm-service.ts";
import { startOpenRouterSimulator } from "../../tools/openrouter-simulator/mod.ts";

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** The sink under test (it will be wrapped to fail and delay writes). */
  sink: LogSink;
  /** Reads back the `request_id` of every stored row (duplicates included). */
  storedRequestIds(): Promise<string[]>;
  calls?: number;
  concurrency?: number;
  /** Share of writes that fail (a third before writing, a third after, a third time out). */
  failureRate?: number;
  /** Runs once, after a third of the calls were made (a database restart, say). */
  midway?: () => Promise<void>;
  writer?: LLMServiceOptions["writer"];
  /** A seed for the pseudo-random choices, so a failing run can be repeated. */
  seed?: number;
  /** Rows the database refuses for their content (by `request_id`), as a check violation. */
  poisoned?: (requestId: string) => boolean;
}

/** Where the rows went, and what it took. */
export interface SoakReport {
  calls: number;
  /** `request_id`s of stored rows, one per stored row. */
  stored: string[];
  /** `request_id`s of the rows printed by the fallback. */
  printed: string[];
  /** Calls by kind. */
  kinds: Record<string, number>;
  /** Writes the sink was asked for, and how each was made to end. */
  writes: Record<"ok" | "failed_before" | "failed_after" | "timed_out", number>;
  /** Highest `heapUsed` and `rss` sampled during the run, in bytes. */
  peakHeap: number;
  peakRss: number;
  /** From the first call to the end of `flush()`, in milliseconds. */
  elapsedMs: number;
  /** `flush()` alone, after the last call returned, in milliseconds. */
  flushMs: number;
}

const KINDS = ["completed", "failed", "streamed", "cancelled", "transport_failed"] as const;
const messages = [{ role: "user" as const, content: "Soak it's \u0000 'quoted'" }];

/** Runs the soak; see the module documentation. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { calls = 1_000, concurrency = 100, failureRate = 0.3 } = options;
  const random = seeded(options.seed ?? 15);
  await using sim = await startOpenRouterSimulator();
  const writes = { ok: 0, failed_before: 0, failed_after: 0, timed_out: 0 };
  let attempts = 0;
  const flaky: LogSink = {
    async write(rows, init) {
      const bad = rows.find((row) => options.poisoned?.(row.request_id ?? ""));
      if (bad) {
        throw new LogWriteError(`soak: check violation (23514) by ${bad.request_id}`, false, {
          content: true,
        });
      }
      // The first three writes fail in each of the three ways, so that every run, however its
      // calls happen to batch, goes through all of them; later writes fail at random.
      const share = failureRate / 3;
      const roll = attempts < 3 && failureRate > 0 ? share * (attempts + 0.5) : random();
      attempts++;
      if (roll < share) {
        writes.failed_before++;
        throw new LogWriteError("soak: connection refused", true);
      }
      if (roll < 2 * share) {
        await options.sink.write(rows, init);
        writes.failed_after++;
        throw new LogWriteError("soak: the acknowledgement was lost", true);
      }
      if (roll < failureRate) {
        // An insert that outlives its attempt: the writer hears of a timeout, the rows land later.
        writes.timed_out++;
        delay(50).then(() => options.sink.write(rows)).catch(() => {});
        throw new LogWriteError("soak: timed out, still running", true);
      }
      await delay(Math.floor(random() * 15));
      await options.sink.write(rows, init);
      writes.ok++;
    },
  };
  const printed: string[] = [];
  const transportFailure = (input: RequestInfo | URL, init?: RequestInit) =>
    String(init?.body ?? "").includes("soak/transport")
      ? Promise.reject(new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }))
      : fetch(input, init);
  const service = new LLMService({
    apiKey: "sk-or-v1-soak-0123456789abcdef",
    baseUrl: sim.url,
    sink: flaky,
    fetch: transportFailure,
    fallback: (line) => void printed.push(JSON.parse(line).row.request_id),
    waitUntil: () => {},
    estimateCosts: false,
    writer: {
      batchDelayMs: 10,
      retryDelayMs: 20,
      maxRetryDelayMs: 500,
      attemptTimeoutMs: 5_000,
      maxAttempts: 12,
      ...options.writer,
    },
  });
  const kinds: Record<string, number> = {};
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const usage = Deno.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakRss = Math.max(peakRss, usage.rss);
  };
  const sampler = setInterval(sample, 10);
  const started = performance.now();
  let next = 0;
  let midway: Promise<void> | undefined;
  let flushMs = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      if (i === Math.floor(calls / 3) && options.midway) midway = options.midway();
      const kind = KINDS[Math.floor(random() * KINDS.length)];
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      await oneCall(service, kind, `soak-${i}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
    await midway;
    const flushing = performance.now();
    await service.flush();
    flushMs = performance.now() - flushing;
  } finally {
    clearInterval(sampler);
  }
  sample();
  const elapsedMs = performance.now() - started;
  return {
    calls,
    stored: await options.storedRequestIds(),
    printed,
    kinds,
    writes,
    peakHeap,
    peakRss,
    elapsedMs,
    flushMs,
  };
}

/** One call of a kind; its outcome is not checked here, only where its row goes. */
async function oneCall(service: LLMService, kind: string, requestId: string): Promise<void> {
  const context = { requestId, userId: "soak-user", metadata: { kind } };
  switch (kind) {
    case "completed":
      await service.chatCompletion({ messages }, context);
      return;
    case "failed":
      await service.chatCompletion({ model: "sim/error-429", messages }, context).catch(() => {});
      return;
    case "streamed":
      await (await service.streamCompletion({ messages }, context)).text();
      return;
    case "cancelled": {
      const response = await service.streamCompletion(
        { model: "sim/stream-hang", messages },
        context,
      );
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      return;
    }
    case "transport_failed":
      await service.chatCompletion({ model: "soak/transport", messages }, context).catch(() => {});
  }
}

/** Where each call's row is: the ids stored twice, and those stored nowhere or in both places. */
export function accountFor(report: SoakReport): {
  duplicates: string[];
  missing: string[];
  both: string[];
} {
  const seen = new Map<string, number>();
  for (const id of [...report.stored, ...report.printed]) seen.set(id, (seen.get(id) ?? 0) + 1);
  const printed = new Set(report.printed);
  const missing: string[] = [];
  for (let i = 0; i < report.calls; i++) if (!seen.has(`soak-${i}`)) missing.push(`soak-${i}`);
  return {
    duplicates: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    missing,
    both: report.stored.filter((id) => printed.has(id)),
  };
}

/** The rows' `request_id`s, as a sink test reads them back. */
export type RequestIdRow = Pick<LLMCallLogRow, "request_id">;

/** mulberry32: small, fast, and the same sequence for the same seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
