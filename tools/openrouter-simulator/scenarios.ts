/**
 * `POST /chat/completions` by model name: any model gets a plausible answer, and `sim/<name>`
 * models ask for a scenario (see README.md for the table): canned errors and stream quirks from
 * the wire fixtures, the rest (answer variants, timing, broken connections, silence, endless
 * keep-alives, byte-sized writes, and `sim/stream-long`'s N one-word chunks, encoded lazily so
 * that hundreds of such streams can run at once cheaply) made here. Like OpenRouter, a request
 * whose `models` list starts with a failing model is served by the next one that answers.
 *
 * @module
 */
import {
  choice,
  chunkFrame,
  type CompletionPlan,
  completionResponse,
  contentFrames,
  KEEP_ALIVE,
  planCompletion,
  type PlanOptions,
  requestedModel,
  streamFrames,
} from "./completion.ts";
import type { SimRequest } from "./exchange.ts";
import { fixtureAnswer } from "./fixture-scenarios.ts";
import { encodeFrame, eventStreamResponse, sseResponse } from "./sse.ts";

/** Text `sim/stream-bytes` appends to its reply: 2-, 3- and 4-byte UTF-8 characters. */
export const MULTI_BYTE_TEXT = "héllo wörld — 你好 👋";

/** The model `sim/fallback` is served by when the request's `models` has no second entry. */
const FALLBACK_MODEL = "anthropic/claude-3.5-sonnet";

/** How long `sim/slow` waits before a non-streaming answer, in milliseconds. */
const SLOW_ANSWER_MS = 300;

/** The chunks `sim/stream-long` sends when the request has no usable `max_tokens`. */
export const DEFAULT_LONG_CHUNKS = 2_000;

/** The most chunks one `sim/stream-long` request can ask for. */
const MAX_LONG_CHUNKS = 1_000_000;

const encoder = new TextEncoder();

/** What answering a chat request needs. */
export interface CompletionContext {
  request: SimRequest;
  // deno-lint-ignore no-explicit-any
  body: Record<string, any>;
  /** Aborts when the simulator closes. */
  closing: AbortSignal;
  /** Where the fixture-backed scenarios find their files. */
  fixtures?: URL;
}

const PLANS: Record<string, PlanOptions> = {
  "no-usage": { usage: "none" },
  "no-cost": { usage: "no-cost" },
  "cached": { cachedTokens: 6 },
  "reasoning": { reasoning: true },
  "tools": { tools: true },
  "stream-bytes": { extraText: ` ${MULTI_BYTE_TEXT}` },
};

/**
 * Answers a parsed `POST /chat/completions` body.
 *
 * @example
 * ```ts
 * const response = await answerCompletion({ request, body: request.json, closing });
 * ```
 */
export async function answerCompletion(context: CompletionContext): Promise<Response> {
  const { body } = context;
  const stream = body.stream === true;
  const { scenario, served } = serving(body);

  const fixture = await fixtureAnswer(scenario, stream, context.fixtures);
  if (fixture) return fixture;
  if (scenario === "hang") return await waitForTheClient(context.request.signal);
  if (scenario === "slow" && !stream) await sleep(SLOW_ANSWER_MS, context.closing);

  const asked = body.max_tokens ?? body.max_completion_tokens;
  const longChunks = scenario !== "stream-long" || !stream
    ? 0
    : Number.isInteger(asked) && asked >= 1
    ? Math.min(asked, MAX_LONG_CHUNKS)
    : DEFAULT_LONG_CHUNKS;
  const plan = planCompletion(body, {
    ...PLANS[scenario],
    servedModel: served,
    ...(longChunks ? { pieces: [], completionTokens: longChunks } : {}),
  });
  if (!stream) return completionResponse(plan);
  const headers = { "x-generation-id": plan.id };
  /** The keep-alive, the role chunk and the first `n` content pieces. */
  const partial = (n: number) => [KEEP_ALIVE, ...contentFrames(plan)].slice(0, 2 + n);
  switch (scenario) {
    case "slow":
      return sseResponse(streamFrames(plan), { headers, delayMs: 50, firstDelayMs: 50 });
    case "stream-abort":
      return sseResponse(partial(4), { headers, end: "abort" });
    case "stream-hang":
      return sseResponse(partial(2), { headers, end: "hang" });
    case "stream-keepalive-forever":
      return eventStreamResponse({ [Symbol.iterator]: keepAlivesForever }, {
        headers,
        delayMs: 100,
      });
    case "stream-bytes":
      return sseResponse(streamFrames(plan), { headers, newline: "\r\n", split: "bytes" });
    case "stream-long":
      return eventStreamResponse({ [Symbol.iterator]: () => longStream(plan, longChunks) }, {
        headers,
      });
  }
  return sseResponse(streamFrames(plan), { headers });
}

function* keepAlivesForever(): Generator<Uint8Array, void, undefined> {
  const bytes = encoder.encode(encodeFrame(KEEP_ALIVE));
  while (true) yield bytes;
}

/**
 * The writes of `sim/stream-long`, one per event, made as they are read: the normal stream of a
 * plan without content, with `count` chunks `w0 `, `w1 `, … after its role chunk, each made by
 * putting its word between a prefix and a suffix encoded once.
 */
function* longStream(plan: CompletionPlan, count: number): Generator<Uint8Array, void, undefined> {
  const frames = streamFrames(plan).map((frame) => encoder.encode(encodeFrame(frame)));
  yield* frames.slice(0, 2);
  const template = encodeFrame(chunkFrame(plan, [choice({ role: "assistant", content: "\0" })]));
  const [prefix, suffix] = template.split("\\u0000").map((text) => encoder.encode(text));
  for (let i = 0; i < count; i++) {
    const word = encoder.encode(`w${i} `);
    const write = new Uint8Array(prefix.length + word.length + suffix.length);
    write.set(prefix, 0);
    write.set(word, prefix.length);
    write.set(suffix, prefix.length + word.length);
    yield write;
  }
  yield* frames.slice(2);
}

/** The scenario that answers (`""` for an ordinary model) and the model that serves. */
// deno-lint-ignore no-explicit-any
function serving(body: Record<string, any>): { scenario: string; served: string } {
  const models: string[] = Array.isArray(body.models)
    ? body.models.filter((m: unknown) => typeof m === "string" && m)
    : [];
  const candidates = typeof body.model === "string" && body.model
    ? [body.model, ...models]
    : models.length
    ? models
    : [requestedModel(body)];
  const answering = candidates.find((m) => !failsBeforeAnswering(scenarioOf(m))) ?? candidates[0];
  const scenario = scenarioOf(answering);
  return { scenario, served: scenario === "fallback" ? models[1] ?? FALLBACK_MODEL : answering };
}

function scenarioOf(model: string): string {
  return model.startsWith("sim/") ? model.slice("sim/".length) : "";
}

/** Whether `sim/<scenario>` fails before answering (OpenRouter then tries the next of `models`). */
function failsBeforeAnswering(scenario: string): boolean {
  return /^error-/.test(scenario) || scenario === "hang";
}

/** Sends no headers until the client leaves (or the simulator closes). */
async function waitForTheClient(signal: AbortSignal): Promise<Response> {
  if (!signal.aborted) {
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  }
  return new Response(null, { status: 499 });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
