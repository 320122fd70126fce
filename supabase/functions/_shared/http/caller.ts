/**
 * Who is calling an Edge Function: the request id to correlate logs, and the user id from the
 * caller's Supabase session, verified with the project's keys (`verify-jwt.ts`).
 *
 * @module
 */
import {
  createTokenVerifier,
  supabaseAuthClaims,
  type TokenVerifierOptions,
  UnauthorizedError,
  unverifiedClaims,
} from "./verify-jwt.ts";
import { readEnv } from "../llm/environment.ts";

/** The caller of one request. */
export interface Caller {
  /** From `x-request-id` (or `sb-request-id`), else generated. */
  requestId: string;
  /** The verified session's `sub`; absent for an API key (anon, publishable) or no token. */
  userId?: string;
}

/** Thrown when a bearer token is a user's session that does not verify (expired, forged). */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** Returns the verified `sub` of a JWT, `null` when it names no user; throws when it is invalid. */
export type VerifyToken = (jwt: string) => Promise<string | null>;

/** Options of {@link createCallerIdentifier}. */
export interface CallerIdentifierOptions {
  /**
   * Verifies a JWT. `null` skips verification, and no user id is recorded.
   * @default {userTokenVerifier(), or null when no key can verify a token}
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
    if (verify === undefined) verify = keysAvailable() ? userTokenVerifier() : null;
    if (!verify) return { requestId };
    const userId = await verify(token);
    return userId ? { requestId, userId } : { requestId };
  };
}

/**
 * Verifies a signed-in user's session (role `authenticated`) with the project's keys, as the
 * dashboard does, and returns its `sub`. A JWT of another role is an API key, not a user: the
 * legacy `anon` and `service_role` keys are sent as bearer tokens by supabase-js clients and
 * servers, and Supabase Auth refuses them ("missing sub claim"), so they are not sent to it and
 * name no user. A session that does not verify or has expired rejects with
 * {@link InvalidTokenError}.
 */
export function userTokenVerifier(options: TokenVerifierOptions = {}): VerifyToken {
  const verify = createTokenVerifier(options);
  return async (jwt) => {
    try {
      if (unverifiedClaims(jwt).role !== "authenticated") return null;
      return (await verify(jwt)).sub;
    } catch (error) {
      throw error instanceof UnauthorizedError ? new InvalidTokenError(error.message) : error;
    }
  };
}

/** Whether anything can verify a token: the project's public keys, its secret, or its Auth. */
function keysAvailable(): boolean {
  return Boolean(readEnv("SUPABASE_JWKS") || readEnv("SUPABASE_JWT_SECRET")) ||
    supabaseAuthClaims() !== null;
}
