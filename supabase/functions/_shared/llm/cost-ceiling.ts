/**
 * The per-call ceiling `maxCostUsd`: a call whose worst-case cost is above it is refused before
 * sending.
 *
 * Worst case: the prompt's tokens estimated from its text (one token per 3 characters, more
 * than English text averages, so the estimate errs high), plus `max_tokens`
 * (or `max_completion_tokens`), else the most the model can answer (its provider's
 * `max_completion_tokens`, else its context length less the prompt), at the model's `/models`
 * prices plus its per-request price. With a `models` fallback list, the dearest model counts.
 * Images, audio and files are not estimated: their price depends on the provider.
 *
 * @module
 */
import { isRecord } from "./json.ts";
import type { ModelPrice } from "./pricing.ts";

/** Characters per token assumed for the estimate; real text averages about 4. */
const CHARS_PER_TOKEN = 3;

/** Prompt tokens, estimated from every text the request sends to the model. */
export function estimatePromptTokens(request: Record<string, unknown>): number {
  let chars = 0;
  const add = (value: unknown) => {
    if (typeof value === "string") chars += value.length;
  };
  for (const message of Array.isArray(request.messages) ? request.messages : []) {
    if (!isRecord(message)) continue;
    add(message.content);
    if (Array.isArray(message.content)) {
      for (const part of message.content) if (isRecord(part)) add(part.text);
    }
    if (message.tool_calls !== undefined) add(JSON.stringify(message.tool_calls));
  }
  if (request.tools !== undefined) add(JSON.stringify(request.tools));
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** The models the request may be served by: `model`, then each of `models`. */
export function requestModels(request: Record<string, unknown>): string[] {
  const models = typeof request.model === "string" && request.model ? [request.model] : [];
  if (Array.isArray(request.models)) {
    for (const m of request.models) if (typeof m === "string" && m) models.push(m);
  }
  return models;
}

/**
 * The request's worst-case cost in US dollars at `price`, or `null` when it cannot be bounded
 * (a variable price, or no completion limit known).
 *
 * @example
 * ```ts
 * const price = { prompt: "0.00000015", completion: "0.0000006", context_length: 128_000 };
 * const messages = [{ role: "user", content: "Hello" }];
 * worstCaseCost({ messages, max_tokens: 500 }, price); // prompt estimate + 500 × $0.0000006
 * ```
 */
export function worstCaseCost(request: Record<string, unknown>, price: ModelPrice): number | null {
  const unit = (text: string | undefined) => (text === undefined ? 0 : Number(text));
  const prompt = unit(price.prompt);
  const completion = unit(price.completion);
  const perRequest = unit(price.request);
  if (![prompt, completion, perRequest].every((p) => Number.isFinite(p) && p >= 0)) return null;
  const promptTokens = estimatePromptTokens(request);
  const asked = [request.max_tokens, request.max_completion_tokens]
    .find((v): v is number => typeof v === "number" && v >= 0);
  const room = price.context_length === undefined
    ? undefined
    : Math.max(0, price.context_length - promptTokens);
  const completionTokens = asked ?? price.max_completion_tokens ?? room;
  if (completionTokens === undefined) return null;
  return promptTokens * prompt + completionTokens * completion + perRequest;
}

/**
 * The dearest worst case among the request's models; `null` if any of them has no known price
 * (a ceiling cannot be proved then).
 */
export async function dearestWorstCase(
  request: Record<string, unknown>,
  priceOf: (model: string) => Promise<ModelPrice | null>,
): Promise<number | null> {
  const models = requestModels(request);
  if (!models.length) return null;
  let dearest = 0;
  for (const model of models) {
    const price = await priceOf(model);
    const cost = price && worstCaseCost(request, price);
    if (cost === null || cost === undefined) return null;
    dearest = Math.max(dearest, cost);
  }
  return dearest;
}
