// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Who is calling an Edge Function: the request id to correlate logs, and the user id from the
 * caller's Supabase JWT, verified against the project's Auth.
 *
 * @module
 */
import type { SupabaseClient } from "npm:@supabase/supabase-js@2.119.1";
import { keyFromMap, readEnv } from "../llm/environment.ts";

/** The caller of one request. */
export interface Caller {
  /** From `x-request-id` (or `sb-request-id`), else generated. */
  requestId: string;
  /** The verified JWT's `sub`; absent for the anon key, a publishable key or no token. */
  userId?: string;
}

/** Thrown when a bearer token is a JWT that does not verify (expired, forged). */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** Returns the verified `sub` of a JWT, `null` when it has none; throws when it is invalid. */
export type VerifyToken = (jwt: string) => Promise<string | null>;

/** Options of {@link createCallerIdentifier}. */
export interface CallerIdentifierOptions {
  /**
   * Verifies a JWT. `null` skips verification, and no user id is recorded.
   * @default {Supabase Auth's getClaims, from SUPABASE_URL and SUPABASE_ANON_KEY or a publishable key}
   */
  verify?: VerifyToken | null;
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * Creates the function that identifies the caller of a request.
 *
 * @example
 * ```ts
 * const identify = createCallerIdentifier();
 * const { requestId, userId } = await identify(req);
 * ```
 */
export function createCallerIdentifier(
  options: CallerIdentifierOptions = {},
): (request: Request) => Promise<Caller> {
  let verify: VerifyToken | null | undefined = options.verify;
  return async (request) => {
    const requestId = request.headers.get("x-request-id") ??
      request.headers.get("sb-request-id") ?? crypto.randomUUID();
    const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token || !JWT_SHAPE.test(token)) return { requestId };
    if (verify === undefined) verify = supabaseVerifier();
    if (!verify) return { requestId };
    const userId = await verify(token);
    return userId ? { requestId, userId } : { requestId };
  };
}

/** Verification through Supabase Auth, or `null` when Supabase is not configured. */
function supabaseVerifier(): VerifyToken | null {
  const readClaims = supabaseAuthClaims();
  if (!readClaims) return null;
  return async (jwt) => {
    const { sub } = await readClaims(jwt);
    return typeof sub === "string" && sub ? sub : null;
  };
}

/**
 * The verified claims of a JWT, as Supabase Auth's `getClaims` gives them (it checks the
 * signature against the project's keys), or `null` when `SUPABASE_URL` or a publishable key is
 * not set. A token Auth refuses rejects with {@link InvalidTokenError}.
 *
 * @example
 * ```ts
 * const readClaims = supabaseAuthClaims();
 * const claims = readClaims ? await readClaims(token) : null;
 * ```
 */
export function supabaseAuthClaims(): ((jwt: string) => Promise<Record<string, unknown>>) | null {
  const url = readEnv("SUPABASE_URL");
  const key = readEnv("SUPABASE_ANON_KEY") ?? keyFromMap(readEnv("SUPABASE_PUBLISHABLE_KEYS"));
  if (!url || !key) return null;
  let client: Promise<SupabaseClient> | undefined;
  return async (jwt) => {
    client ??= import("npm:@supabase/supabase-js@2.119.1").then(({ createClient }) =>
      createClient(url, key, { auth: { persistSession: false, autoRefreshToken: false } })
    );
    const { data, error } = await (await client).auth.getClaims(jwt);
    if (error || !data) throw new InvalidTokenError(error?.message ?? "Invalid JWT");
    return data.claims as Record<string, unknown>;
  };
}
