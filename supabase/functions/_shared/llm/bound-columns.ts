/**
 * Bounds the short identifying columns of a row, so no value can make it unstorable.
 *
 * A 10 KB `user_id` (a JWT passed by mistake) exceeds the btree row limit of the
 * `(user_id, created_at)` index, and the insert fails with SQLSTATE 54000. Values longer than
 * {@link MAX_IDENTIFIER_LENGTH} are cut, end with {@link TRUNCATION_MARKER}, and their original
 * lengths are kept in `metadata.llm_log_truncated` (`{"user_id": 10240}`).
 *
 * @module
 */
import { isRecord } from "./json.ts";
import type { Json, LLMCallLogRow } from "./log-row.ts";

/** The longest value kept whole in an identifying column, in UTF-16 code units. */
export const MAX_IDENTIFIER_LENGTH = 255;
/** Ends every cut value. */
export const TRUNCATION_MARKER = "…[truncated]";

/** The columns that name things (and are indexed or grouped by), not content. */
export const IDENTIFYING_COLUMNS = [
  "user_id",
  "request_id",
  "edge_function",
  "model",
  "response_model",
  "provider",
  "generation_id",
  "finish_reason",
  "error_type",
] as const satisfies readonly (keyof LLMCallLogRow)[];

/**
 * Returns the row with every identifying column at most {@link MAX_IDENTIFIER_LENGTH} long;
 * the row itself when nothing is too long.
 *
 * @example
 * ```ts
 * import { buildLogRow } from "./build-log-row.ts";
 *
 * const row = buildLogRow(
 *   { id: crypto.randomUUID(), method: "chat_completion", request: {}, context: {}, startedAt: 0, startedMono: 0 },
 *   { status: "completed", endedAt: 1_000, endedMono: 1_000 },
 * );
 * const bounded = boundIdentifiers({ ...row, user_id: "x".repeat(10_000) });
 * console.log(bounded.user_id?.endsWith("…[truncated]")); // true
 * console.log(bounded.metadata); // { llm_log_truncated: { user_id: 10000 } }
 * ```
 */
export function boundIdentifiers(row: LLMCallLogRow): LLMCallLogRow {
  let lengths: Record<string, number> | null = null;
  let out = row;
  for (const column of IDENTIFYING_COLUMNS) {
    const value = row[column];
    if (typeof value !== "string" || value.length <= MAX_IDENTIFIER_LENGTH) continue;
    if (out === row) out = { ...row };
    (out as unknown as Record<string, string>)[column] = cut(value);
    (lengths ??= {})[column] = value.length;
  }
  if (!lengths) return row;
  const metadata = isRecord(row.metadata) ? row.metadata : {};
  out.metadata = { ...metadata, llm_log_truncated: lengths } as Json;
  return out;
}

/** Cuts without splitting a surrogate pair. */
function cut(value: string): string {
  let end = MAX_IDENTIFIER_LENGTH - TRUNCATION_MARKER.length;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end) + TRUNCATION_MARKER;
}
