/**
 * A completion plan on OpenRouter's wire: the non-streaming `chat.completion` body with its
 * `X-Generation-Id` header, or the chunks of a stream (a keep-alive comment, a role chunk,
 * reasoning deltas, content deltas, tool-call argument fragments, a finish chunk, usage on a
 * final `choices: []` chunk, then `[DONE]`).
 *
 * @module
 */
import { type CompletionPlan, words } from "./completion.ts";
import type { SseFrame } from "./sse.ts";

/**
 * The `chat.completion` body of a plan.
 *
 * @example
 * ```ts
 * completionBody(planCompletion({ messages: [{ role: "user", content: "Hi" }] })).object;
 * // "chat.completion"
 * ```
 */
export function completionBody(plan: CompletionPlan): Record<string, unknown> {
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
  return body;
}

/**
 * The `200 application/json` answer for a body, with `X-Generation-Id`.
 *
 * @example
 * ```ts
 * completionResponse(plan.id, completionBody(plan)).headers.get("x-generation-id"); // plan.id
 * ```
 */
export function completionResponse(id: string, body: unknown): Response {
  return Response.json(body, { headers: { "x-generation-id": id } });
}

/** The keep-alive comment OpenRouter sends while a provider warms up. */
export const KEEP_ALIVE: SseFrame = { comment: "OPENROUTER PROCESSING" };

/**
 * One chunk of `plan`'s stream, as a frame: the head fields, `choices`, then `extra` fields.
 *
 * @example
 * ```ts
 * chunkFrame(plan, [choice({ role: "assistant", content: "Hi" })]);
 * ```
 */
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

/**
 * A streamed choice with this delta and finish reason.
 *
 * @example
 * ```ts
 * choice({ role: "assistant", content: "" }, "stop");
 * ```
 */
export function choice(
  delta: Record<string, unknown>,
  finish: string | null = null,
): Record<string, unknown> {
  return { index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null };
}

/**
 * The frames of a streamed plan, ending with `[DONE]`.
 *
 * @example
 * ```ts
 * sseResponse(streamFrames(planCompletion(body)), { headers: { "x-generation-id": plan.id } });
 * ```
 */
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
