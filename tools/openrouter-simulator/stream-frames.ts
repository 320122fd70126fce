/**
 * A completion plan as the chunks OpenRouter streams: a keep-alive comment, a role chunk,
 * reasoning and content deltas, tool-call argument fragments, a finish chunk, usage on a final
 * `choices: []` chunk (or riding on a repeated finish chunk), then `[DONE]`.
 *
 * @module
 */
import type { CompletionPlan } from "./completion.ts";
import type { SseFrame } from "./sse.ts";

/** Variations of the chunk layout. */
export interface FrameOptions {
  /** Put usage on a chunk that repeats `finish_reason` instead of a `choices: []` chunk. */
  usageOnChoice?: boolean;
  /** Comments before the first chunk. @default {1} */
  keepAlives?: number;
  /** Content pieces: split the content into this many deltas. @default {words} */
  pieces?: number;
}

/** The frames of a streamed plan, ending with `[DONE]`. */
export function streamFrames(plan: CompletionPlan, options: FrameOptions = {}): SseFrame[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    data: {
      id: plan.id,
      provider: plan.model.provider,
      model: plan.model.id,
      object: "chat.completion.chunk",
      created: plan.created,
      choices,
      ...extra,
    },
  });
  const delta = (d: Record<string, unknown>, finish: string | null = null) => ({
    index: 0,
    delta: d,
    finish_reason: finish,
    native_finish_reason: finish,
    logprobs: null,
  });
  const frames: SseFrame[] = Array.from(
    { length: options.keepAlives ?? 1 },
    () => ({ comment: "OPENROUTER PROCESSING" }),
  );
  frames.push(chunk([delta({ role: "assistant", content: "" })]));
  for (const piece of words(plan.reasoning ?? "")) {
    frames.push(chunk([delta({ role: "assistant", content: "", reasoning: piece })]));
  }
  for (const piece of words(plan.content, options.pieces)) {
    frames.push(chunk([delta({ role: "assistant", content: piece })]));
  }
  plan.toolCalls.forEach((call, index) => {
    const args = call.arguments;
    const cuts = [0, Math.floor(args.length / 3), Math.floor((2 * args.length) / 3), args.length];
    for (let i = 0; i < 3; i++) {
      const fragment = args.slice(cuts[i], cuts[i + 1]);
      const first = i === 0;
      frames.push(chunk([delta({
        role: "assistant",
        content: null,
        tool_calls: [{
          index,
          // Providers differ: the id and name come first; later fragments repeat an empty id.
          id: first ? call.id : "",
          type: "function",
          function: first ? { name: call.name, arguments: fragment } : { arguments: fragment },
        }],
      })]));
    }
  });
  frames.push(chunk([delta({ role: "assistant", content: "" }, plan.finishReason)]));
  if (plan.usage) {
    frames.push(
      options.usageOnChoice
        ? chunk([delta({ role: "assistant", content: "" }, plan.finishReason)], {
          usage: plan.usage,
        })
        : chunk([], { usage: plan.usage }),
    );
  }
  frames.push({ done: true });
  return frames;
}

/** Splits text into word-sized deltas (or into `count` near-equal pieces). */
export function words(text: string, count?: number): string[] {
  if (!text) return [];
  if (count) {
    const size = Math.ceil(text.length / count);
    return Array.from(
      { length: Math.ceil(text.length / size) },
      (_, i) => text.slice(i * size, (i + 1) * size),
    );
  }
  return text.match(/\S+\s*|\s+/g) ?? [text];
}
