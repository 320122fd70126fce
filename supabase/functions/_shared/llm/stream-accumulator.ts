// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Reassembles a streamed completion from the raw bytes of OpenRouter's SSE stream.
 *
 * Feeding is cheap: a chunk's bytes are copied into a block and its arrival time noted, and
 * nothing is parsed until a block is full or the summary is asked for. Parsing a block at once
 * (one decode, one framing pass) costs less than parsing chunk by chunk, and a caller reading the
 * stream does not wait for the parsing of its last block, which happens when the log row is made.
 * Arrival times are kept per chunk until the first token has been found, so the time to first
 * token is that of the chunk that completed the first token's event, as if parsed on arrival.
 *
 * Framing is left to `eventsource-parser` (comments such as `: OPENROUTER PROCESSING`, CRLF or
 * LF, events split anywhere); a streaming `TextDecoder` keeps multi-byte characters split across
 * network chunks intact. Each event is read tolerantly: usage may ride on any chunk (the last
 * non-null wins), `finish_reason` may repeat, `choices` may be empty, tool-call argument
 * fragments are joined by `index`, and a line that is not JSON is recorded, not fatal.
 *
 * @module
 */
import { createParser, type EventSourceParser } from "npm:eventsource-parser@4.1.3";
import { isRecord, stringOrNull } from "./json.ts";
import type { Json } from "./log-row.ts";
import { TextBuilder } from "./text-builder.ts";

const MAX_INVALID_SAMPLES = 5;
const MAX_SAMPLE_LENGTH = 500;
/** Bytes gathered before they are parsed: about 200 events of a typical stream. */
const BLOCK_BYTES = 65_536;
/** Event fields kept from the first event that has them. */
const META_KEYS = ["id", "model", "provider", "created", "system_fingerprint"] as const;

interface ToolCallParts {
  id: string | null;
  type: string;
  name: TextBuilder;
  args: TextBuilder;
}

interface ChoiceParts {
  role: string;
  content: TextBuilder;
  reasoning: TextBuilder;
  reasoningDetails: Json[];
  refusal: TextBuilder;
  toolCalls: Map<number, ToolCallParts>;
  finishReason: string | null;
  nativeFinishReason: string | null;
}

/** What the stream said, once it is over (or as far as it got). */
export interface StreamSummary {
  /** The reassembled completion, shaped like a non-streaming response body. */
  responseBody: Record<string, Json>;
  /** All content deltas of the first choice, joined. */
  completionText: string | null;
  finishReason: string | null;
  usage: unknown;
  /** An in-band `error` object, if one came. */
  error: Record<string, unknown> | null;
  /** True once `data: [DONE]` was seen. */
  done: boolean;
  /** `performance.now()` of the first non-empty content, reasoning or tool-call delta. */
  firstTokenAt: number | null;
}

/** Feed it the stream's bytes as they pass; ask for the {@link StreamSummary} at the end. */
export class StreamAccumulator {
  #decoder = new TextDecoder();
  #parser: EventSourceParser;
  #chunkAt = 0;
  /** Bytes fed and not parsed yet. */
  #block: Uint8Array | null = null;
  #blockLength = 0;
  /** While no first token has been found: where each unparsed chunk ends, and when it came. */
  #chunkEnds: number[] = [];
  #chunkTimes: number[] = [];
  #meta: Record<string, Json> = {};
  #choices = new Map<number, ChoiceParts>();
  #usage: unknown = null;
  #error: Record<string, unknown> | null = null;
  #done = false;
  #firstTokenAt: number | null = null;
  #invalid: string[] = [];
  #invalidCount = 0;

  constructor() {
    this.#parser = createParser({ onEvent: (event) => this.#onData(event.data) });
  }

  /**
   * Takes one network chunk that arrived at `arrivedAt` (`performance.now()`). The bytes are
   * copied: the caller may reuse or hand on the chunk afterwards.
   */
  feed(chunk: Uint8Array, arrivedAt: number): void {
    if (this.#blockLength + chunk.byteLength > BLOCK_BYTES) this.#parsePending();
    if (chunk.byteLength > BLOCK_BYTES) {
      this.#parse(chunk, arrivedAt);
      return;
    }
    this.#block ??= new Uint8Array(BLOCK_BYTES);
    this.#block.set(chunk, this.#blockLength);
    this.#blockLength += chunk.byteLength;
    if (this.#firstTokenAt === null) {
      this.#chunkEnds.push(this.#blockLength);
      this.#chunkTimes.push(arrivedAt);
    }
  }

  /** Flushes a final event that lacked its blank line, then summarises. */
  finish(): StreamSummary {
    this.#parsePending();
    this.#parser.feed(this.#decoder.decode() + "\n\n");
    return this.summary();
  }

  /** What has been received so far. */
  summary(): StreamSummary {
    this.#parsePending();
    const first = this.#choices.get(Math.min(...this.#choices.keys()));
    return {
      responseBody: this.#responseBody(),
      completionText: first && first.content.length ? first.content.toString() : null,
      finishReason: first?.finishReason ?? null,
      usage: this.#usage,
      error: this.#error,
      done: this.#done,
      firstTokenAt: this.#firstTokenAt,
    };
  }

  /** Parses the gathered bytes: chunk by chunk until the first token is found, then at once. */
  #parsePending(): void {
    const block = this.#block;
    const length = this.#blockLength;
    if (!block || length === 0) return;
    const ends = this.#chunkEnds;
    let start = 0;
    for (let i = 0; i < ends.length && this.#firstTokenAt === null; i++) {
      this.#parse(block.subarray(start, ends[i]), this.#chunkTimes[i]);
      start = ends[i];
    }
    if (start < length) this.#parse(block.subarray(start, length), this.#chunkAt);
    this.#blockLength = 0;
    ends.length = 0;
    this.#chunkTimes.length = 0;
  }

  #parse(bytes: Uint8Array, arrivedAt: number): void {
    this.#chunkAt = arrivedAt;
    this.#parser.feed(this.#decoder.decode(bytes, { stream: true }));
  }

  #onData(data: string): void {
    if (data === "[DONE]") {
      this.#done = true;
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      this.#recordInvalid(data);
      return;
    }
    if (!isRecord(event)) return this.#recordInvalid(data);
    for (const key of META_KEYS) {
      if (this.#meta[key] === undefined && event[key] != null) this.#meta[key] = event[key] as Json;
    }
    if (event.usage != null) this.#usage = event.usage;
    if (isRecord(event.error)) this.#error = event.error;
    if (Array.isArray(event.choices)) {
      for (const choice of event.choices) if (isRecord(choice)) this.#onChoice(choice);
    }
  }

  #onChoice(choice: Record<string, unknown>): void {
    const index = typeof choice.index === "number" ? choice.index : 0;
    const parts = this.#choice(index);
    const delta = isRecord(choice.delta) ? choice.delta : {};
    let token = false;
    if (typeof delta.role === "string") parts.role = delta.role;
    if (typeof delta.content === "string" && delta.content) {
      parts.content.append(delta.content);
      token = true;
    }
    if (typeof delta.reasoning === "string" && delta.reasoning) {
      parts.reasoning.append(delta.reasoning);
      token = true;
    }
    if (typeof delta.refusal === "string" && delta.refusal) parts.refusal.append(delta.refusal);
    if (Array.isArray(delta.reasoning_details) && delta.reasoning_details.length) {
      parts.reasoningDetails.push(...delta.reasoning_details as Json[]);
      token = true;
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (isRecord(call)) token = this.#onToolCall(parts, call) || token;
      }
    }
    if (isRecord(choice.error) && !this.#error) this.#error = choice.error;
    parts.finishReason = stringOrNull(choice.finish_reason) ?? parts.finishReason;
    parts.nativeFinishReason = stringOrNull(choice.native_finish_reason) ??
      parts.nativeFinishReason;
    if (token && this.#firstTokenAt === null) this.#firstTokenAt = this.#chunkAt;
  }

  /** Fragments of one call share an `index`; only the first usually carries id and name. */
  #onToolCall(parts: ChoiceParts, call: Record<string, unknown>): boolean {
    const index = typeof call.index === "number" ? call.index : parts.toolCalls.size;
    let tool = parts.toolCalls.get(index);
    if (!tool) {
      tool = { id: null, type: "function", name: new TextBuilder(), args: new TextBuilder() };
      parts.toolCalls.set(index, tool);
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

  #choice(index: number): ChoiceParts {
    let parts = this.#choices.get(index);
    if (!parts) {
      parts = {
        role: "assistant",
        content: new TextBuilder(),
        reasoning: new TextBuilder(),
        reasoningDetails: [],
        refusal: new TextBuilder(),
        toolCalls: new Map(),
        finishReason: null,
        nativeFinishReason: null,
      };
      this.#choices.set(index, parts);
    }
    return parts;
  }

  #recordInvalid(data: string): void {
    this.#invalidCount++;
    if (this.#invalid.length < MAX_INVALID_SAMPLES) {
      this.#invalid.push(data.slice(0, MAX_SAMPLE_LENGTH));
    }
  }

  #responseBody(): Record<string, Json> {
    const body: Record<string, Json> = { ...this.#meta, object: "chat.completion" };
    body.choices = [...this.#choices.entries()].sort(([a], [b]) => a - b).map(([index, parts]) =>
      choiceBody(index, parts)
    );
    body.usage = (this.#usage ?? null) as Json;
    if (this.#error) body.error = this.#error as Json;
    if (this.#invalidCount) {
      body.invalid_events = { count: this.#invalidCount, samples: this.#invalid };
    }
    return body;
  }
}

function choiceBody(index: number, parts: ChoiceParts): Json {
  const message: Record<string, Json> = {
    role: parts.role,
    content: parts.content.length ? parts.content.toString() : null,
  };
  if (parts.reasoning.length) message.reasoning = parts.reasoning.toString();
  if (parts.reasoningDetails.length) message.reasoning_details = parts.reasoningDetails;
  if (parts.refusal.length) message.refusal = parts.refusal.toString();
  if (parts.toolCalls.size) {
    message.tool_calls = [...parts.toolCalls.entries()].sort(([a], [b]) => a - b).map((
      [, tool],
    ) => ({
      id: tool.id,
      type: tool.type,
      function: { name: tool.name.toString(), arguments: tool.args.toString() },
    }));
  }
  return {
    index,
    message,
    finish_reason: parts.finishReason,
    native_finish_reason: parts.nativeFinishReason,
  };
}
