/**
 * `POST /chat/completions` by model name: any model gets a plausible answer, and `sim/<name>`
 * models ask for a scenario (see README.md for the table): canned errors and stream quirks from
 * the wire fixtures, the rest (answer variants, timing, broken connections) made here. Like
 * OpenRouter, a request whose `models` list starts with a failing model is served by the next one
 * that answers.
 *
 * @module
 */
import { completionBody, completionResponse } from "./completion-wire.ts";
import { planCompletion, type PlanOptions, requestedModel } from "./completion.ts";
import { fixtureAnswer } from "./fixture-scenarios.ts";
import type { SimRequest } from "./exchange.ts";
import { longChunkCount, streamAnswer } from "./stream-scenarios.ts";

/** Text `sim/stream-bytes` appends to its reply: 2-, 3- and 4-byte UTF-8 characters. */
export const MULTI_BYTE_TEXT = "héllo wörld — 你好 👋";

/** The model `sim/fallback` is served by when the request's `models` has no second entry. */
export const FALLBACK_MODEL = "anthropic/claude-3.5-sonnet";

/** How long `sim/slow` waits before a non-streaming answer, in milliseconds. */
export const SLOW_ANSWER_MS = 300;

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

  const longChunks = scenario === "stream-long" && stream ? longChunkCount(body) : 0;
  const plan = planCompletion(body, {
    ...PLANS[scenario],
    servedModel: served,
    ...(longChunks ? { pieces: [], completionTokens: longChunks } : {}),
  });
  if (stream) return streamAnswer({ scenario, plan, longChunks });
  return completionResponse(plan.id, completionBody(plan));
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
