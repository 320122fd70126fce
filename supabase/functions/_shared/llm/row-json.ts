/**
 * The JSON text of prepared rows, serialised once.
 *
 * Making a row safe to store already serialises it (one pass over the text finds what needs
 * cleaning); that text is kept here, by row, and the sinks build their insert body from it
 * instead of serialising every row again. Rows are never modified once prepared: a `redact`
 * hook gets a copy, and its result is prepared (and remembered) anew.
 *
 * @module
 */
import type { LLMCallLogRow } from "./log-row.ts";

const texts = new WeakMap<LLMCallLogRow, string>();

/** Keeps `json`, which must be `JSON.stringify(row)`, as the row's text. */
export function rememberRowJson(row: LLMCallLogRow, json: string): void {
  texts.set(row, json);
}

/** The rows as one JSON array, from their remembered texts where there are some. */
export function rowsJson(rows: readonly LLMCallLogRow[]): string {
  let out = "[";
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) out += ",";
    out += texts.get(rows[i]) ?? JSON.stringify(rows[i]);
  }
  return out + "]";
}
