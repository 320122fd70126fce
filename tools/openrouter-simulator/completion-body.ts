/**
 * A completion plan as OpenRouter's non-streaming answer: the `chat.completion` body and its
 * `X-Generation-Id` header.
 *
 * @module
 */
import type { CompletionPlan } from "./completion.ts";

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
