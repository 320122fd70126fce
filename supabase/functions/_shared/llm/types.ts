/**
 * Public request, response and context types of the LLM service.
 *
 * Requests are OpenRouter's chat completions request; unknown fields are allowed and sent as
 * given. Responses are typed tolerantly: every field OpenRouter may leave out is optional.
 *
 * @module
 */

/** A content part of a message: text, an image, audio, a file or a video. */
export type ContentPart =
  | { type: "text"; text: string; [key: string]: unknown }
  | { type: "image_url"; image_url: { url: string; detail?: string }; [key: string]: unknown }
  | { type: "input_audio"; input_audio: { data: string; format: string }; [key: string]: unknown }
  | { type: "file"; file: { filename?: string; file_data?: string }; [key: string]: unknown }
  | { type: "video_url"; video_url: { url: string }; [key: string]: unknown };

/** A tool call made by the assistant. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
  [key: string]: unknown;
}

/** A chat message; the union is decided by `role`. */
export type ChatMessage =
  | {
    role: "system" | "developer" | "user";
    content: string | ContentPart[];
    name?: string;
    [key: string]: unknown;
  }
  | {
    role: "assistant";
    content?: string | ContentPart[] | null;
    tool_calls?: ToolCall[];
    reasoning?: string | null;
    name?: string;
    [key: string]: unknown;
  }
  | { role: "tool"; content: string | ContentPart[]; tool_call_id: string; [key: string]: unknown };

/**
 * An OpenRouter chat completions request. Only `messages` is required; `model` falls back to
 * the account's default model. Fields this type does not name are sent unchanged.
 */
export interface ChatCompletionRequest {
  messages: ChatMessage[];
  model?: string;
  /** Fallback models, tried in order; the response's `model` says which one served. */
  models?: string[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  seed?: number;
  tools?: unknown[];
  tool_choice?: unknown;
  response_format?: { type: string; [key: string]: unknown };
  stream?: boolean;
  [key: string]: unknown;
}

/** Token usage and cost as OpenRouter reports them. `cost` is in US dollars. */
export interface CompletionUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  cost?: number | null;
  is_byok?: boolean;
  prompt_tokens_details?: { cached_tokens?: number; [key: string]: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: number; [key: string]: unknown } | null;
  [key: string]: unknown;
}

/** One choice of a completion. */
export interface CompletionChoice {
  index?: number;
  message?: {
    role?: string;
    content?: string | null;
    reasoning?: string | null;
    tool_calls?: ToolCall[];
    refusal?: string | null;
    [key: string]: unknown;
  };
  finish_reason?: string | null;
  native_finish_reason?: string | null;
  error?: { code?: number | string; message?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** OpenRouter's chat completion response body, returned to the caller unchanged. */
export interface ChatCompletion {
  id: string;
  model: string;
  object?: string;
  created?: number;
  provider?: string;
  choices: CompletionChoice[];
  usage?: CompletionUsage;
  [key: string]: unknown;
}

/** Who made the call and why, recorded with its log row. Every field is optional. */
export interface LLMCallContext {
  /** The id of the incoming request that caused this call, for correlation. */
  requestId?: string;
  /** The Edge Function that made the call. */
  edgeFunction?: string;
  /** The user the call was made for: an auth uuid or any id of yours. */
  userId?: string;
  /** Tags stored in `llm_call_logs.metadata`. */
  metadata?: Record<string, unknown>;
  /** Aborting it cancels the call; the row then says `cancelled`. */
  signal?: AbortSignal;
  /**
   * Refuse the call before sending (`budget_exceeded`) if its worst-case cost in US dollars is
   * above this: the prompt estimated, `max_tokens` (else the model's most) at `/models` prices.
   */
  maxCostUsd?: number;
}
