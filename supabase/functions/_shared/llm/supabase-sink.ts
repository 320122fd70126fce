// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * The default sink in Edge Functions: inserts rows through Supabase's Data API with supabase-js
 * and a secret (or service-role) key.
 *
 * The client is its own, with no user session and no `Authorization` header from the incoming
 * request: forwarding a user's token would make RLS apply as that user, and users may not
 * insert. supabase-js never throws on HTTP or database errors, so the returned `error` is
 * checked here. supabase-js is loaded on the first write, so importing the service stays cheap.
 *
 * @module
 */
import type { SupabaseClient } from "npm:@supabase/supabase-js@2.119.1";
import { LOG_TABLE } from "./log-row.ts";
import { failureOfCode, type LogSink, LogWriteError, type LogWriteFailure } from "./log-sink.ts";

/** Options of {@link createSupabaseSink}. */
export interface SupabaseSinkOptions {
  /** The project URL, `SUPABASE_URL`. */
  url: string;
  /** A secret key (`sb_secret_…`) or the legacy service-role key. Never a user's token. */
  key: string;
  /** @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/**
 * Creates a sink that inserts batches into `public.llm_call_logs` via PostgREST, idempotently:
 * `upsert` with `ignoreDuplicates` becomes `insert … on conflict (id, created_at) do nothing`,
 * which needs only the `insert` privilege the migration grants to `service_role`.
 *
 * @example
 * ```ts
 * import { LLMService } from "../llm-service.ts";
 *
 * const url = Deno.env.get("SUPABASE_URL") ?? "http://127.0.0.1:54321";
 * const key = Deno.env.get("SUPABASE_SECRET_KEY") ?? "sb_secret_example";
 * const service = new LLMService({ sink: createSupabaseSink({ url, key }) });
 * ```
 */
export function createSupabaseSink(options: SupabaseSinkOptions): LogSink {
  let client: Promise<SupabaseClient> | undefined;
  return {
    async write(rows, { signal } = {}) {
      client ??= connect(options);
      let query = (await client).from(LOG_TABLE).upsert(rows, {
        onConflict: "id,created_at",
        ignoreDuplicates: true,
      });
      if (signal) query = query.abortSignal(signal);
      const { error, status } = await query;
      if (!error) return;
      const detail = [error.code, error.message, error.details, error.hint].filter(Boolean);
      const failure = failureOf(status, error.code);
      throw new LogWriteError(
        `Cannot insert into ${LOG_TABLE} (HTTP ${status}): ${detail.join("; ")}`,
        failure === "transient",
        { content: failure === "content" },
      );
    },
  };
}

/**
 * The database's code decides first (PostgREST reports a refused row as HTTP 400 or, for
 * 54000, 500); a body too large for the gateway (413) is content too: halves may pass.
 * Without a code: network failures (status 0), timeouts, rate limits and server errors may
 * pass on retry, the rest will not.
 */
function failureOf(status: number, code: string | undefined): LogWriteFailure {
  if (status === 413) return "content";
  if (code && /^[0-9A-Z]{5}$|^PGRST[0-9]{3}$/.test(code)) return failureOfCode(code);
  return isRetryable(status) ? "transient" : "permanent";
}

async function connect(options: SupabaseSinkOptions): Promise<SupabaseClient> {
  const { createClient } = await import("npm:@supabase/supabase-js@2.119.1");
  return createClient(options.url, options.key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: options.fetch ?? ((input, init) => fetch(input, init)) },
  });
}

/** Network failures (status 0), timeouts, rate limits and server errors may pass on retry. */
function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}
