// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Where the budget guard reads limits and their current usage: `public.llm_limit_usage()`,
 * called through Supabase's Data API (supabase-js `.rpc` with the secret key) or over a direct
 * SQL connection. One call returns every enabled limit, with usage for the shared scopes and for
 * the one user asked about.
 *
 * @module
 */
import type { SupabaseClient } from "npm:@supabase/supabase-js@2.119.1";
import { isRecord } from "./json.ts";
import type { SqlQuery } from "./sql-sink.ts";

/** What a limit applies to; see `llm_limits.scope`. */
export type LimitScope = "global" | "edge_function" | "model" | "each_user" | "user";
/** The UTC window a limit counts over. */
export type LimitPeriod = "minute" | "hour" | "day" | "month";

/** One enabled limit and, where it was asked for, its usage in the current window. */
export interface LimitUsage {
  limitId: string;
  scope: LimitScope;
  /** The function, model or user named by the scope; `null` for `global` and `each_user`. */
  scopeValue: string | null;
  period: LimitPeriod;
  maxCostUsd: number | null;
  maxCalls: number | null;
  maxTokens: number | null;
  /** The user the usage is for (per-user scopes); `null` for shared scopes. */
  usageUserId: string | null;
  /** The window, in epoch milliseconds (end exclusive). */
  windowStart: number;
  windowEnd: number;
  /** `null` when no usage was asked for (another user's limit, or no user given). */
  used: { costUsd: number; calls: number; tokens: number } | null;
}

/** Reads every enabled limit, with usage for the shared scopes and for `userId` if given. */
export interface LimitsSource {
  read(userId: string | null, options?: { signal?: AbortSignal }): Promise<LimitUsage[]>;
}

/** The statement the SQL source runs; `$1` is the user id or NULL. */
export const LIMIT_USAGE_SQL = "select * from public.llm_limit_usage($1::text)";

/** Thrown when the limits cannot be read; the guard then applies its `onUnavailable` rule. */
export class LimitsUnavailableError extends Error {
  override name = "LimitsUnavailableError";
}

/** Options of {@link createSupabaseLimitsSource}. */
export interface SupabaseLimitsSourceOptions {
  /** The project URL, `SUPABASE_URL`. */
  url: string;
  /** A secret key (`sb_secret_…`) or the legacy service-role key: only it may call the function. */
  key: string;
  /** @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/**
 * Reads limits through the Data API: `POST /rest/v1/rpc/llm_limit_usage`.
 *
 * @example
 * ```ts
 * import { LLMService } from "../llm-service.ts";
 *
 * const url = Deno.env.get("SUPABASE_URL") ?? "http://127.0.0.1:54321";
 * const key = Deno.env.get("SUPABASE_SECRET_KEY") ?? "sb_secret_example";
 * const limits = createSupabaseLimitsSource({ url, key });
 * const service = new LLMService({ limits: { source: limits } });
 * ```
 */
export function createSupabaseLimitsSource(options: SupabaseLimitsSourceOptions): LimitsSource {
  let client: Promise<SupabaseClient> | undefined;
  return {
    async read(userId, { signal } = {}) {
      client ??= connect(options);
      let query = (await client).rpc("llm_limit_usage", { p_user_id: userId });
      if (signal) query = query.abortSignal(signal);
      const { data, error, status } = await query;
      if (error) {
        const detail = [error.code, error.message].filter(Boolean).join("; ");
        throw new LimitsUnavailableError(
          `Cannot read llm_limit_usage (HTTP ${status}): ${detail}`,
        );
      }
      return parseLimitRows(data);
    },
  };
}

/**
 * Reads limits over a direct connection, with {@link LIMIT_USAGE_SQL}.
 *
 * @example
 * ```ts
 * import postgres from "npm:postgres@3.4.9";
 * const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!);
 * const limits = createSqlLimitsSource((text, params) => sql.unsafe(text, params as string[]));
 * ```
 */
export function createSqlLimitsSource(query: SqlQuery): LimitsSource {
  return {
    async read(userId) {
      let result: unknown;
      try {
        result = await query(LIMIT_USAGE_SQL, [userId]);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new LimitsUnavailableError(`Cannot read llm_limit_usage: ${message}`, {
          cause: error,
        });
      }
      // PGlite resolves `{ rows }`, postgres.js an array of rows.
      return parseLimitRows(isRecord(result) && Array.isArray(result.rows) ? result.rows : result);
    },
  };
}

async function connect(options: SupabaseLimitsSourceOptions): Promise<SupabaseClient> {
  const { createClient } = await import("npm:@supabase/supabase-js@2.119.1");
  return createClient(options.url, options.key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: options.fetch ?? ((input, init) => fetch(input, init)) },
  });
}

const SCOPES: ReadonlySet<string> = new Set([
  "global",
  "edge_function",
  "model",
  "each_user",
  "user",
]);
const PERIODS: ReadonlySet<string> = new Set(["minute", "hour", "day", "month"]);

/**
 * Reads the function's rows tolerantly: numbers may arrive as strings (numeric, bigint) and
 * timestamps as strings or `Date`s; a row that makes no sense is skipped, never guessed at.
 */
export function parseLimitRows(data: unknown): LimitUsage[] {
  if (!Array.isArray(data)) throw new LimitsUnavailableError("llm_limit_usage returned no rows");
  const limits: LimitUsage[] = [];
  for (const row of data) {
    if (!isRecord(row)) continue;
    const { limit_id, scope, scope_value, period } = row;
    const windowStart = time(row.window_start);
    const windowEnd = time(row.window_end);
    if (typeof limit_id !== "string" || typeof scope !== "string" || !SCOPES.has(scope)) continue;
    if (typeof period !== "string" || !PERIODS.has(period)) continue;
    if (windowStart === null || windowEnd === null) continue;
    const calls = number(row.used_calls);
    limits.push({
      limitId: limit_id,
      scope: scope as LimitScope,
      scopeValue: typeof scope_value === "string" ? scope_value : null,
      period: period as LimitPeriod,
      maxCostUsd: number(row.max_cost_usd),
      maxCalls: number(row.max_calls),
      maxTokens: number(row.max_tokens),
      usageUserId: typeof row.usage_user_id === "string" ? row.usage_user_id : null,
      windowStart,
      windowEnd,
      used: calls === null ? null : {
        costUsd: number(row.used_cost_usd) ?? 0,
        calls,
        tokens: number(row.used_tokens) ?? 0,
      },
    });
  }
  return limits;
}

function number(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function time(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string") return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}
