/**
 * Makes a log row safe to store.
 *
 * - Postgres rejects the NUL character in `text` and `jsonb`, and `jsonb` rejects lone UTF-16
 *   surrogates; both occur in user and model text. They become U+FFFD instead of failing the
 *   insert.
 * - Base64 payloads (`data:` URLs of images, files, audio, video; `input_audio.data`) can be
 *   megabytes. They become a short placeholder with the media type, decoded size and a SHA-256
 *   prefix, so identical attachments can still be matched.
 * - Any occurrence of the API key is masked, wherever it came from.
 * - The short identifying columns are bounded (see `bound-columns.ts`).
 *
 * All of it is synchronous ({@link sanitizeRowNow}), so a row printed at shutdown, when nothing
 * can be awaited, is cleaned exactly as a stored one.
 *
 * @module
 */
// A Node built-in (the Edge Runtime has it too): hashing that can run synchronously.
import { createHash } from "node:crypto";
import { boundIdentifiers } from "./bound-columns.ts";
import { isRecord } from "./json.ts";
import type { LLMCallLogRow } from "./log-row.ts";

/** Strings at least this long that look like base64 payloads are replaced. */
const MIN_PAYLOAD_LENGTH = 256;
/** Deeper values become "[too deep]" in the full walk, which must not exhaust the stack. */
const MAX_DEPTH = 1_000;
// deno-lint-ignore no-control-regex
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*);base64,/i;
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}$/;
const AUDIO = "input_audio";
const SUSPECT = /\\u0000|\\ud[89a-f]|base64,|"input_audio"/i;

/** A base64 payload found while walking, replaced once its hash is known. */
interface Payload {
  text: string;
  mediaType: string;
  start: number;
  placeholder: string;
}

/** Options of {@link sanitizeRow}. */
export interface SanitizeOptions {
  /** A secret to mask wherever it appears. */
  apiKey?: string;
}

/**
 * Returns the row as storable JSON: unsafe characters replaced, base64 payloads summarised, the
 * API key masked, identifying columns bounded. Values that are not JSON (`Date`, `bigint`,
 * functions, cycles, `NaN`) are converted or dropped as `JSON.stringify` would, without
 * throwing. The input is not modified; when nothing needs cleaning it is returned as it is
 * (rows are built from the service's own snapshots, so no caller holds a reference into them).
 *
 * @example
 * ```ts
 * import { buildLogRow } from "./build-log-row.ts";
 *
 * const row = buildLogRow(
 *   { id: crypto.randomUUID(), method: "chat_completion", request: {}, context: {}, startedAt: 0, startedMono: 0 },
 *   { status: "completed", endedAt: 1_000, endedMono: 1_000 },
 * );
 * const clean = await sanitizeRow({ ...row, completion_text: "nul:\u0000" }, { apiKey: "sk-or-v1-…" });
 * console.log(clean.completion_text); // "nul:\ufffd"
 * ```
 */
export function sanitizeRow(
  row: LLMCallLogRow,
  options: SanitizeOptions = {},
): Promise<LLMCallLogRow> {
  try {
    return Promise.resolve(sanitizeRowNow(row, options));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * {@link sanitizeRow}, synchronously.
 *
 * @example
 * ```ts
 * import { buildLogRow } from "./build-log-row.ts";
 *
 * const row = buildLogRow(
 *   { id: crypto.randomUUID(), method: "chat_completion", request: {}, context: {}, startedAt: 0, startedMono: 0 },
 *   { status: "completed", endedAt: 1_000, endedMono: 1_000 },
 * );
 * console.log(JSON.stringify(sanitizeRowNow(row, { apiKey: "sk-or-v1-example-key" })));
 * ```
 */
export function sanitizeRowNow(row: LLMCallLogRow, options: SanitizeOptions = {}): LLMCallLogRow {
  return boundIdentifiers(cleanRow(row, options));
}

function cleanRow(row: LLMCallLogRow, options: SanitizeOptions): LLMCallLogRow {
  const secret = options.apiKey && options.apiKey.length >= 8 ? options.apiKey : undefined;
  if (isAlreadySafe(row, secret)) return row;
  const payloads: Payload[] = [];
  const ancestors = new Set<object>();
  const walk = (input: unknown, depth: number, mediaHint?: string): unknown => {
    const value = toJsonable(input);
    if (typeof value === "string") {
      return payloadToken(value, payloads, mediaHint) ?? cleanString(value, secret);
    }
    if (typeof value !== "object" || value === null) return value;
    if (ancestors.has(value)) return "[circular]";
    if (depth > MAX_DEPTH) return "[too deep]";
    ancestors.add(value);
    let out: unknown;
    if (Array.isArray(value)) {
      out = value.map((item) => walk(item, depth + 1) ?? null);
    } else {
      const object: Record<string, unknown> = {};
      const record = value as Record<string, unknown>;
      // Raw base64 without a data: prefix only travels in input_audio.data.
      const hint = mediaHint === AUDIO && typeof record.format === "string"
        ? `audio/${record.format}`
        : undefined;
      for (const key of Object.keys(record)) {
        const item = readProperty(record, key);
        const childHint = key === "input_audio" ? AUDIO : key === "data" ? hint : undefined;
        const clean = walk(item, depth + 1, childHint);
        // A row's column is never left out, even when its value cannot be serialised.
        if (clean !== undefined) object[cleanString(key, secret)] = clean;
        else if (depth === 0) object[key] = null;
      }
      out = object;
    }
    ancestors.delete(value);
    return out;
  };
  const clean = walk(row, 0) as LLMCallLogRow;
  if (payloads.length === 0) return clean;
  for (const payload of payloads) payload.placeholder = placeholder(payload);
  const byToken = new Map(payloads.map((p, i) => [token(i), p.placeholder]));
  const substitute = (value: unknown): unknown => {
    if (typeof value === "string") return byToken.get(value) ?? value;
    if (Array.isArray(value)) return value.map(substitute);
    if (!isRecord(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  };
  return substitute(clean) as LLMCallLogRow;
}

/**
 * The common case, checked in one pass over the serialised row: nothing to replace, so the row
 * itself is stored (only the full walk cuts values nested deeper than {@link MAX_DEPTH}).
 * `JSON.stringify` writes
 * NUL as `\u0000` and a lone surrogate as `\udxxx`; text that merely looks like those, a
 * `base64,` or an `input_audio` anywhere, or a value it cannot serialise, takes the full walk.
 */
function isAlreadySafe(row: LLMCallLogRow, secret: string | undefined): boolean {
  let json: string;
  try {
    json = JSON.stringify(row);
  } catch {
    return false; // a bigint, a cycle, a throwing getter
  }
  return !SUSPECT.test(json) && !(secret && json.includes(secret));
}

/** A property whose getter throws is dropped, like a value whose `toJSON` throws. */
function readProperty(record: Record<string, unknown>, key: string): unknown {
  try {
    return record[key];
  } catch {
    return undefined;
  }
}

/** What `JSON.stringify` would make of a value, one level deep; `undefined` means "omit". */
function toJsonable(value: unknown): unknown {
  if (isRecord(value) && typeof value.toJSON === "function") {
    try {
      value = (value.toJSON as () => unknown)();
    } catch {
      return undefined;
    }
  }
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    case "function":
    case "symbol":
    case "undefined":
      return undefined;
  }
  return value;
}

/** Returns a token standing for a base64 payload, or `undefined` when it is not one. */
function payloadToken(value: string, payloads: Payload[], mediaHint?: string): string | undefined {
  if (value.length < MIN_PAYLOAD_LENGTH) return undefined;
  const dataUrl = DATA_URL.exec(value);
  if (dataUrl) {
    const mediaType = dataUrl[1] || "application/octet-stream";
    payloads.push({ text: value, mediaType, start: dataUrl[0].length, placeholder: "" });
  } else if (mediaHint && mediaHint !== AUDIO && BASE64.test(value.slice(0, 1024))) {
    payloads.push({ text: value, mediaType: mediaHint, start: 0, placeholder: "" });
  } else {
    return undefined;
  }
  return token(payloads.length - 1);
}

function cleanString(value: string, secret: string | undefined): string {
  let out = value;
  if (secret && out.includes(secret)) out = out.replaceAll(secret, "[redacted: api key]");
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(out) ? out.replace(UNSAFE, "\ufffd") : out;
}

/** A marker no real string equals (it holds a NUL, which cleaned strings never do). */
function token(index: number): string {
  return `\u0000payload:${index}`;
}

function placeholder(payload: Payload): string {
  const body = payload.text.slice(payload.start).replace(/\s+/g, "");
  const padding = body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0;
  const bytes = Math.max(0, Math.floor(body.length * 3 / 4) - padding);
  const hex = createHash("sha256").update(payload.text, "utf8").digest("hex").slice(0, 16);
  return `[base64 ${payload.mediaType}, ${bytes} bytes, sha256:${hex}]`;
}
