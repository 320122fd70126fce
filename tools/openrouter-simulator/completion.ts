/**
 * Plausible completions for any request: deterministic text derived from the last user message,
 * token counts approximated from lengths, usage with an exact cost from the catalogue.
 *
 * @module
 */
import { type CatalogueModel, costOf, priceOf } from "./catalogue.ts";

/** What a simulated completion is made of, before it is shaped as a body or as chunks. */
export interface CompletionPlan {
  id: string;
  model: CatalogueModel;
  created: number;
  content: string;
  reasoning: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string;
  usage: Record<string, unknown> | null;
}

/** Variations the scenarios ask for. */
export interface PlanOptions {
  reasoning?: boolean;
  tools?: boolean;
  cachedTokens?: number;
  usage?: "full" | "no-cost" | "none";
  /** Serve with this model instead of the requested one (fallback routing). */
  servedModel?: string;
  /** Number of content pieces (stream chunks); the text is sized to match. */
  pieces?: number;
}

/** The model a request asks for: `model`, else the first of `models`. */
export function requestedModel(body: Record<string, unknown>): string {
  if (typeof body.model === "string" && body.model) return body.model;
  const models = Array.isArray(body.models) ? body.models : [];
  return typeof models[0] === "string" ? models[0] : "openai/gpt-4o-mini";
}

/** Builds the plan for a request. */
export function planCompletion(
  body: Record<string, unknown>,
  options: PlanOptions = {},
): CompletionPlan {
  const model = priceOf(options.servedModel ?? requestedModel(body));
  const prompt = promptText(body);
  let content = options.pieces
    ? Array.from({ length: options.pieces }, (_, i) => `w${i} `).join("")
    : `Simulated reply to: ${prompt.slice(0, 200)}. Here are a few more words to stream.`;
  let finishReason = options.tools ? "tool_calls" : "stop";
  const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : null;
  if (maxTokens !== null && !options.pieces && tokens(content) > maxTokens) {
    content = content.slice(0, Math.max(1, maxTokens * 4));
    finishReason = "length";
  }
  const reasoning = options.reasoning
    ? "Let me think about this step by step. The user wants a reply."
    : null;
  const toolCalls = options.tools
    ? [{
      id: "call_sim_weather",
      name: "get_weather",
      arguments: '{"location":"Paris","unit":"celsius"}',
    }]
    : [];
  const promptTokens = tokens(prompt) + 7;
  const completionTokens = tokens(content) + tokens(reasoning ?? "") + (options.tools ? 18 : 0);
  return {
    id: `gen-${Math.floor(Date.now() / 1000)}-${
      crypto.randomUUID().replaceAll("-", "").slice(0, 20)
    }`,
    model,
    created: Math.floor(Date.now() / 1000),
    content: options.tools ? "" : content,
    reasoning,
    toolCalls,
    finishReason,
    usage: usageFor(model, promptTokens, completionTokens, options, reasoning),
  };
}

function usageFor(
  model: CatalogueModel,
  prompt: number,
  completion: number,
  options: PlanOptions,
  reasoning: string | null,
): Record<string, unknown> | null {
  if (options.usage === "none") return null;
  const usage: Record<string, unknown> = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cost: costOf(model, prompt, completion),
    is_byok: false,
    prompt_tokens_details: { cached_tokens: options.cachedTokens ?? 0 },
    cost_details: { upstream_inference_cost: null },
    completion_tokens_details: { reasoning_tokens: reasoning ? tokens(reasoning) : 0 },
  };
  if (options.usage === "no-cost") delete usage.cost;
  return usage;
}

/** The non-streaming response body. */
export function completionBody(plan: CompletionPlan): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: "assistant",
    content: plan.toolCalls.length ? null : plan.content,
    refusal: null,
    reasoning: plan.reasoning,
  };
  if (plan.toolCalls.length) {
    message.tool_calls = plan.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  const body: Record<string, unknown> = {
    id: plan.id,
    provider: plan.model.provider,
    model: plan.model.id,
    object: "chat.completion",
    created: plan.created,
    choices: [{
      logprobs: null,
      finish_reason: plan.finishReason,
      native_finish_reason: plan.finishReason,
      index: 0,
      message,
    }],
  };
  if (plan.usage) body.usage = plan.usage;
  return body;
}

/** Approximate tokens: a quarter of the characters, at least one for non-empty text. */
export function tokens(text: string): number {
  return text ? Math.max(1, Math.ceil(text.length / 4)) : 0;
}

function promptText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === "user") ?? messages.at(-1);
  const content = last?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part?.text === "string" ? part.text : "")).join(" ");
  }
  return "";
}
