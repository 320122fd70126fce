/**
 * One choice of a streamed completion, put back together from its deltas: content, reasoning,
 * refusal and `reasoning_details` appended in order, tool-call fragments joined by their
 * `index`, the last finish reason kept; then shaped as the choice a non-streaming response holds.
 *
 * @module
 */
import { isRecord, stringOrNull } from "./json.ts";
import type { Json } from "./log-row.ts";
import { TextBuilder } from "./text-builder.ts";

interface ToolCallParts {
  id: string | null;
  type: string;
  name: TextBuilder;
  args: TextBuilder;
}

/**
 * A choice as its deltas arrive.
 *
 * @example
 * ```ts
 * import { StreamedChoice } from "./streamed-choice.ts";
 *
 * const choice = new StreamedChoice(0);
 * choice.add({ delta: { content: "Hel" } });
 * choice.add({ delta: { content: "lo" }, finish_reason: "stop" });
 * console.log(choice.text, choice.finishReason); // "Hello" "stop"
 * ```
 */
export class StreamedChoice {
  readonly index: number;
  finishReason: string | null = null;
  #nativeFinishReason: string | null = null;
  #role = "assistant";
  #content = new TextBuilder();
  #reasoning = new TextBuilder();
  #reasoningDetails: Json[] = [];
  #refusal = new TextBuilder();
  #toolCalls = new Map<number, ToolCallParts>();

  constructor(index: number) {
    this.index = index;
  }

  /** The content so far, or `null` when none came. */
  get text(): string | null {
    return this.#content.length ? this.#content.toString() : null;
  }

  /**
   * Takes this choice's part of one event. Returns whether it carried a token (content,
   * reasoning or a tool call), which is what time to first token measures.
   */
  add(choice: Record<string, unknown>): boolean {
    const delta = isRecord(choice.delta) ? choice.delta : {};
    let token = false;
    if (typeof delta.role === "string") this.#role = delta.role;
    if (typeof delta.content === "string" && delta.content) {
      this.#content.append(delta.content);
      token = true;
    }
    if (typeof delta.reasoning === "string" && delta.reasoning) {
      this.#reasoning.append(delta.reasoning);
      token = true;
    }
    if (typeof delta.refusal === "string" && delta.refusal) this.#refusal.append(delta.refusal);
    if (Array.isArray(delta.reasoning_details) && delta.reasoning_details.length) {
      // A loop, not a spread: one event can hold more items than a call can take.
      for (const detail of delta.reasoning_details) this.#reasoningDetails.push(detail as Json);
      token = true;
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (isRecord(call)) token = this.#addToolCall(call) || token;
      }
    }
    this.finishReason = stringOrNull(choice.finish_reason) ?? this.finishReason;
    this.#nativeFinishReason = stringOrNull(choice.native_finish_reason) ??
      this.#nativeFinishReason;
    return token;
  }

  /** The choice as a non-streaming response body has it. */
  body(): Json {
    const message: Record<string, Json> = { role: this.#role, content: this.text };
    if (this.#reasoning.length) message.reasoning = this.#reasoning.toString();
    if (this.#reasoningDetails.length) message.reasoning_details = this.#reasoningDetails;
    if (this.#refusal.length) message.refusal = this.#refusal.toString();
    if (this.#toolCalls.size) {
      message.tool_calls = [...this.#toolCalls.entries()].sort(([a], [b]) => a - b).map((
        [, tool],
      ) => ({
        id: tool.id,
        type: tool.type,
        function: { name: tool.name.toString(), arguments: tool.args.toString() },
      }));
    }
    return {
      index: this.index,
      message,
      finish_reason: this.finishReason,
      native_finish_reason: this.#nativeFinishReason,
    };
  }

  /** Fragments of one call share an `index`; only the first usually carries id and name. */
  #addToolCall(call: Record<string, unknown>): boolean {
    const index = typeof call.index === "number" ? call.index : this.#toolCalls.size;
    let tool = this.#toolCalls.get(index);
    if (!tool) {
      tool = { id: null, type: "function", name: new TextBuilder(), args: new TextBuilder() };
      this.#toolCalls.set(index, tool);
    }
    tool.id ??= stringOrNull(call.id);
    if (typeof call.type === "string" && call.type) tool.type = call.type;
    const fn = isRecord(call.function) ? call.function : {};
    const name = typeof fn.name === "string" ? fn.name : "";
    const args = typeof fn.arguments === "string" ? fn.arguments : "";
    // Some providers repeat the name on every fragment: keep it once.
    if (name && tool.name.toString() !== name) tool.name.append(name);
    tool.args.append(args);
    return name !== "" || args !== "";
  }
}
