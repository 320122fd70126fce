/**
 * The default sink in Edge Functions: inserts rows through Supabase's Data API (PostgREST) with
 * a secret (or service-role) key.
 *
 * The request is the one supabase-js sends for `.from("llm_call_logs").insert(rows)`:
 * `POST /rest/v1/llm_call_logs?columns=…` with the key as `apikey` and bearer token and a JSON
 * array body, answered with an empty 201. It is built here rather than through supabase-js so
 * that each row's JSON text, made once when the row was prepared, goes into the body as it is
 * (supabase-js would serialise every row again, and list the columns by walking every key of
 * every row). It never carries the `Authorization` of an incoming request: a user's token would
 * make RLS apply as that user, and users may not insert.
 *
 * @module
 */
import { isRecord, parseJson } from "./json.ts";
import { LOG_COLUMNS, LOG_TABLE } from "./log-row.ts";
import { type LogSink, LogWriteError } from "./log-writer.ts";
import { rowsJson } from "./row-json.ts";

/** Options of {@link createSupabaseSink}. */
export interface SupabaseSinkOptions {
  /** The project URL, `SUPABASE_URL`. */
  url: string;
  /** A secret key (`sb_secret_…`) or the legacy service-role key. Never a user's token. */
  key: string;
  /** @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/** Every column, listed as supabase-js lists them: absent keys become NULL, not an error. */
const COLUMNS = LOG_COLUMNS.map((column) => `"${column.name}"`).join(",");
const EXCERPT = 500;

/**
 * Creates a sink that inserts batches into `public.llm_call_logs` via PostgREST.
 *
 * @example
 * ```ts
 * const sink = createSupabaseSink({ url: Deno.env.get("SUPABASE_URL")!, key: secretKey });
 * const service = new LLMService({ sink });
 * ```
 */
export function createSupabaseSink(options: SupabaseSinkOptions): LogSink {
  const base = options.url.replace(/\/+$/, "");
  const endpoint = `${base}/rest/v1/${LOG_TABLE}?columns=${encodeURIComponent(COLUMNS)}`;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const headers = {
    "apikey": options.key,
    "authorization": `Bearer ${options.key}`,
    "content-type": "application/json",
    "x-client-info": "llm-service",
  };
  return {
    async write(rows, { signal } = {}) {
      let response: Response;
      let text: string;
      try {
        response = await fetchImpl(endpoint, {
          method: "POST",
          headers,
          body: rowsJson(rows),
          signal,
        });
        text = await response.text();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new LogWriteError(
          `Cannot insert into ${LOG_TABLE}: the Data API at ${base} did not answer: ${message}`,
          true,
          { cause: error },
        );
      }
      if (response.ok) return;
      throw new LogWriteError(
        `Cannot insert into ${LOG_TABLE} (HTTP ${response.status}): ${describe(response, text)}`,
        isRetryable(response.status),
      );
    },
  };
}

/** PostgREST's error body (`code`, `message`, `details`, `hint`), else an excerpt of the text. */
function describe(response: Response, text: string): string {
  const body = parseJson(text);
  if (isRecord(body)) {
    const parts = [body.code, body.message, body.details, body.hint]
      .filter((part) => part !== undefined && part !== null && part !== "")
      .map((part) => typeof part === "string" ? part : JSON.stringify(part));
    if (parts.length) return parts.join("; ");
  }
  return text.trim().slice(0, EXCERPT) || response.statusText || "no error body";
}

/** Timeouts, rate limits and server errors may pass on retry; a refused row or key will not. */
function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
