/**
 * The `llm_call_logs` row: the one TypeScript statement of the table's contract.
 *
 * The SQL migration is the other statement of it; `tests/database/schema-contract.test.ts`
 * compares the two column by column (names, types, nullability), so they cannot drift apart.
 *
 * @module
 */

/** JSON as it is stored in a `jsonb` column. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** How the call was made. */
export type LLMMethodType = "chat_completion" | "stream_completion";

/** How the call ended. */
export type LLMCallStatus = "completed" | "failed" | "cancelled";

/** Where `cost_usd` came from: OpenRouter's `usage.cost`, or token counts × `/models` prices. */
export type LLMCostSource = "provider" | "estimated";

/**
 * One row of `public.llm_call_logs`, exactly its columns in snake_case.
 *
 * Unknown values are `null`, never a made-up zero. Timestamps are ISO 8601 strings and
 * `cost_usd` a decimal string (such as `"0.00000735"`), so nothing is lost to floating point.
 */
export interface LLMCallLogRow {
  id: string;
  created_at: string;
  completed_at: string | null;
  request_id: string | null;
  edge_function: string | null;
  user_id: string | null;
  method_type: LLMMethodType;
  model: string;
  response_model: string | null;
  provider: string | null;
  generation_id: string | null;
  status: LLMCallStatus;
  request_messages: Json;
  request_params: Json | null;
  response_body: Json | null;
  completion_text: string | null;
  finish_reason: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: string | null;
  cost_source: LLMCostSource | null;
  response_time_ms: number | null;
  time_to_first_token_ms: number | null;
  http_status: number | null;
  error_type: string | null;
  error_message: string | null;
  error_details: Json | null;
  metadata: Json;
}

/** Postgres type names as `information_schema.columns.data_type` reports them. */
export type LogColumnType =
  | "uuid"
  | "text"
  | "jsonb"
  | "integer"
  | "numeric"
  | "timestamp with time zone";

/** The table's columns in table order, with their SQL type and nullability. */
export const LOG_COLUMNS: ReadonlyArray<
  Readonly<{ name: keyof LLMCallLogRow; type: LogColumnType; nullable: boolean }>
> = [
  { name: "id", type: "uuid", nullable: false },
  { name: "created_at", type: "timestamp with time zone", nullable: false },
  { name: "completed_at", type: "timestamp with time zone", nullable: true },
  { name: "request_id", type: "text", nullable: true },
  { name: "edge_function", type: "text", nullable: true },
  { name: "user_id", type: "text", nullable: true },
  { name: "method_type", type: "text", nullable: false },
  { name: "model", type: "text", nullable: false },
  { name: "response_model", type: "text", nullable: true },
  { name: "provider", type: "text", nullable: true },
  { name: "generation_id", type: "text", nullable: true },
  { name: "status", type: "text", nullable: false },
  { name: "request_messages", type: "jsonb", nullable: false },
  { name: "request_params", type: "jsonb", nullable: true },
  { name: "response_body", type: "jsonb", nullable: true },
  { name: "completion_text", type: "text", nullable: true },
  { name: "finish_reason", type: "text", nullable: true },
  { name: "prompt_tokens", type: "integer", nullable: true },
  { name: "completion_tokens", type: "integer", nullable: true },
  { name: "total_tokens", type: "integer", nullable: true },
  { name: "cached_tokens", type: "integer", nullable: true },
  { name: "reasoning_tokens", type: "integer", nullable: true },
  { name: "cost_usd", type: "numeric", nullable: true },
  { name: "cost_source", type: "text", nullable: true },
  { name: "response_time_ms", type: "integer", nullable: true },
  { name: "time_to_first_token_ms", type: "integer", nullable: true },
  { name: "http_status", type: "integer", nullable: true },
  { name: "error_type", type: "text", nullable: true },
  { name: "error_message", type: "text", nullable: true },
  { name: "error_details", type: "jsonb", nullable: true },
  { name: "metadata", type: "jsonb", nullable: false },
];

/** The table's name, in the `public` schema where the Data API (PostgREST) exposes it. */
export const LOG_TABLE = "llm_call_logs";
