/**
 * Plausible completions for any request: deterministic text derived from the last user message,
 * token counts approximated from lengths, and usage whose cost is exact from the catalogue's
 * decimal prices; then on OpenRouter's wire, as the non-streaming `chat.completion` body with its
 * `X-Generation-Id` header, or as the chunks of a stream (a keep-alive comment, a role chunk,
 * reasoning deltas, content deltas, tool-call argument fragments, a finish chunk, usage on a final
 * `choices: []` chunk, then `[DONE]`).
 *
 * @module
 */
import { sumOfProducts } from "../../supabase/functions/_shared/llm/decimal.ts";
import { type CatalogueModel, modelInfo } from "./catalogue.ts";
import type { SseFrame } from "./sse.ts";

/** One tool call of a planned answer. */
export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What a simulated completion is made of. */
export interface CompletionPlan {
  id: string;
  /** The model that serves (after fallback), with its provider and prices. */
  model: CatalogueModel;
  created: number;
  /** The answer's text, cut into the pieces a stream sends (joined, they are the content). */
  pieces: string[];
  reasoning: string | null;
  toolCalls: PlannedToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  /** `null` when the scenario sends no usage at all. */
  usage: Record<string, unknown> | null;
}

/** Variations the scenarios ask for. */
export interface PlanOptions {
  /** Serve with this model instead of the requested one (fallback routing). */
  servedModel?: string;
  reasoning?: boolean;
  tools?: boolean;
  cachedTokens?: number;
  /** @default {"full"} */
  usage?: "full" | "no-cost" | "none";
  /** Replaces the generated text, piece by piece (one stream chunk each); no `max_tokens` cut. */
  pieces?: string[];
  /** Text added after the generated reply. */
  extraText?: string;
  /** Reports this many completion tokens instead of counting the text. */
  completionTokens?: number;
}

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

/**
 * The model a request asks for: `model`, else the first of `models`, else the default.
 *
 * @example
 * ```ts
 * requestedModel({ models: ["anthropic/claude-3.5-sonnet"] }); // "anthropic/claude-3.5-sonnet"
 * ```
 */
export function requestedModel(body: Body): string {
  if (typeof body.model === "string" && body.model) return body.model;
  const first = Array.isArray(body.models) ? body.models[0] : undefined;
  return typeof first === "string" && first ? first : "openai/gpt-4o-mini";
}

/**
 * Plans the answer to a chat request.
 *
 * @example
 * ```ts
 * const plan = planCompletion({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }] });
 * plan.pieces.join(""); // "Simulated reply to: Hi. Here are a few more words to stream."
 * ```
 */
export function planCompletion(body: Body, options: PlanOptions = {}): CompletionPlan {
  const model = modelInfo(options.servedModel ?? requestedModel(body));
  const reasoning = (options.reasoning ?? model.reasoning)
    ? `The user wrote: "${lastUserText(body).slice(0, 80)}". A short, friendly reply will do.`
    : null;
  const toolCalls = options.tools ? plannedToolCalls(body) : [];
  let pieces = toolCalls.length
    ? []
    : options.pieces ?? words(replyText(body) + (options.extraText ?? ""));
  let finishReason: CompletionPlan["finishReason"] = toolCalls.length ? "tool_calls" : "stop";
  const limit = maxTokens(body);
  if (!options.pieces && limit !== null && tokens(pieces.join("")) > limit) {
    pieces = cutToTokens(pieces, limit);
    finishReason = "length";
  }
  const promptTokens = countPromptTokens(body);
  const completionTokens = options.completionTokens ??
    tokens(pieces.join("")) + tokens(reasoning ?? "") +
      toolCalls.reduce((n, call) => n + tokens(call.name + call.arguments) + 3, 0);
  const usage = options.usage === "none" ? null : {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    // The product's exact decimal sum, so the simulator's cost has no float drift either.
    cost: Number(sumOfProducts([
      [model.pricing.prompt, promptTokens],
      [model.pricing.completion, completionTokens],
      [model.pricing.request, 1],
    ])),
    is_byok: false,
    prompt_tokens_details: { cached_tokens: Math.min(options.cachedTokens ?? 0, promptTokens) },
    cost_details: { upstream_inference_cost: null },
    completion_tokens_details: { reasoning_tokens: tokens(reasoning ?? "") },
  } as Record<string, unknown>;
  if (usage && options.usage === "no-cost") delete usage.cost;
  return {
    id: generationId(),
    model,
    created: Math.floor(Date.now() / 1000),
    pieces,
    reasoning,
    toolCalls,
    finishReason,
    usage,
  };
}

/**
 * The `200 application/json` `chat.completion` answer of a plan, with `X-Generation-Id`.
 *
 * @example
 * ```ts
 * completionResponse(planCompletion({ messages: [{ role: "user", content: "Hi" }] })).status; // 200
 * ```
 */
export function completionResponse(plan: CompletionPlan): Response {
  const message: Record<string, unknown> = {
    role: "assistant",
    content: plan.toolCalls.length ? null : plan.pieces.join(""),
    refusal: null,
    reasoning: plan.reasoning,
  };
  if (plan.reasoning) {
    message.reasoning_details = [
      { type: "reasoning.text", text: plan.reasoning, format: "unknown", index: 0 },
    ];
  }
  if (plan.toolCalls.length) {
    message.tool_calls = plan.toolCalls.map((call, index) => ({
      index,
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
      index: 0,
      logprobs: null,
      finish_reason: plan.finishReason,
      native_finish_reason: plan.finishReason,
      message,
    }],
  };
  if (plan.usage) body.usage = plan.usage;
  return Response.json(body, { headers: { "x-generation-id": plan.id } });
}

/** The keep-alive comment OpenRouter sends while a provider warms up. */
export const KEEP_ALIVE: SseFrame = { comment: "OPENROUTER PROCESSING" };

/** One chunk of `plan`'s stream, as a frame: the head fields, `choices`, then `extra` fields. */
export function chunkFrame(
  plan: CompletionPlan,
  choices: unknown[],
  extra: Record<string, unknown> = {},
): SseFrame {
  return {
    data: {
      id: plan.id,
      provider: plan.model.provider,
      model: plan.model.id,
      object: "chat.completion.chunk",
      created: plan.created,
      choices,
      ...extra,
    },
  };
}

/** A streamed choice with this delta and finish reason. */
export function choice(
  delta: Record<string, unknown>,
  finish: string | null = null,
): Record<string, unknown> {
  return { index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null };
}

/** The frames of a streamed plan, ending with `[DONE]`. */
export function streamFrames(plan: CompletionPlan): SseFrame[] {
  const finish = chunkFrame(plan, [choice({ role: "assistant", content: "" }, plan.finishReason)]);
  const usage = plan.usage ? [chunkFrame(plan, [], { usage: plan.usage })] : [];
  return [KEEP_ALIVE, ...contentFrames(plan), finish, ...usage, { done: true }];
}

/** The role chunk, then reasoning, content and tool-call deltas, without finish or usage. */
export function contentFrames(plan: CompletionPlan): SseFrame[] {
  const frames: SseFrame[] = [chunkFrame(plan, [choice({ role: "assistant", content: "" })])];
  for (const piece of words(plan.reasoning ?? "")) {
    const details = [{ type: "reasoning.text", text: piece, format: "unknown", index: 0 }];
    const delta = { role: "assistant", content: "", reasoning: piece, reasoning_details: details };
    frames.push(chunkFrame(plan, [choice(delta)]));
  }
  for (const piece of plan.pieces) {
    frames.push(chunkFrame(plan, [choice({ role: "assistant", content: piece })]));
  }
  plan.toolCalls.forEach((call, index) => {
    const args = call.arguments;
    const cuts = [0, Math.ceil(args.length / 3), Math.ceil((2 * args.length) / 3), args.length];
    for (let part = 0; part < 3; part++) {
      const fragment = args.slice(cuts[part], cuts[part + 1]);
      // The first fragment names the call; later ones carry only arguments. Providers differ
      // on the id of later fragments: some send "", some repeat it.
      const toolCall = part === 0
        ? {
          index,
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: fragment },
        }
        : {
          index,
          id: part === 1 ? "" : call.id,
          type: "function",
          function: { arguments: fragment },
        };
      frames.push(
        chunkFrame(plan, [choice({ role: "assistant", content: null, tool_calls: [toolCall] })]),
      );
    }
  });
  return frames;
}

/** Approximate tokens: a quarter of the characters, rounded up. */
function tokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Splits text into word-sized pieces, each keeping its trailing space. */
function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function replyText(body: Body): string {
  const prompt = lastUserText(body).replace(/\s+/g, " ").trim().slice(0, 200);
  return `Simulated reply to: ${prompt || "(no text)"}. Here are a few more words to stream.`;
}

function maxTokens(body: Body): number | null {
  const limit = body.max_tokens ?? body.max_completion_tokens;
  return typeof limit === "number" && Number.isFinite(limit) && limit > 0 ? limit : null;
}

/** Keeps whole pieces while they fit in `limit` tokens; at least part of the first one. */
function cutToTokens(pieces: string[], limit: number): string[] {
  const kept: string[] = [];
  let text = "";
  for (const piece of pieces) {
    if (tokens(text + piece) > limit) break;
    kept.push(piece);
    text += piece;
  }
  return kept.length ? kept : [pieces[0]?.slice(0, limit * 4) ?? ""];
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => typeof part?.text === "string" ? part.text : "").join(" ");
}

function lastUserText(body: Body): string {
  const messages: Body[] = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.findLast((m) => m?.role === "user") ?? messages.at(-1);
  return textOf(last?.content);
}

/** 3 tokens of priming, 4 per message, its text at 4 characters a token, 85 per other part. */
function countPromptTokens(body: Body): number {
  const messages: Body[] = Array.isArray(body.messages) ? body.messages : [];
  return messages.reduce((total, message) => {
    const parts = Array.isArray(message?.content) ? message.content : [];
    const media = parts.filter((p: Body) => typeof p?.text !== "string").length;
    return total + 4 + tokens(textOf(message?.content)) + 85 * media;
  }, 3);
}

/** Calls the first declared tool (or `get_weather`), plus a second call when two are declared. */
function plannedToolCalls(body: Body): PlannedToolCall[] {
  const declared: string[] = (Array.isArray(body.tools) ? body.tools : [])
    .map((tool: Body) => tool?.function?.name)
    .filter((name: unknown) => typeof name === "string");
  const names = declared.length ? declared.slice(0, 2) : ["get_weather"];
  return names.map((name, index) => ({
    id: ["call_sim0Hn4bQ2vX8kL1dF", "call_sim1Rt7cW5yZ3mP9gJ"][index],
    name,
    arguments: index === 0
      ? JSON.stringify({ location: "Paris, France", unit: "celsius" })
      : JSON.stringify({ timezone: "Europe/Paris" }),
  }));
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A new generation id in OpenRouter's shape, `gen-<unix seconds>-<20 random characters>`. */
function generationId(): string {
  const random = crypto.getRandomValues(new Uint8Array(20));
  const suffix = Array.from(random, (byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return `gen-${Math.floor(Date.now() / 1000)}-${suffix}`;
}
