// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Verifies a signed-in user's Supabase access token and returns its claims: the dashboard hands
 * them to Postgres exactly as PostgREST would (`request.jwt.claims`), and `caller.ts` records
 * their `sub` as the call's user.
 *
 * Keys, in order: `SUPABASE_JWKS` (the project's public signing keys, set in every Edge Function)
 * for asymmetric tokens (ES256, RS256); `SUPABASE_JWT_SECRET` for HS256 tokens where it is set
 * (self-hosted, and `deno task dev`); otherwise Supabase Auth itself (`auth.getClaims`), which
 * asks the Auth server about tokens signed with a legacy secret.
 *
 * @module
 */
import type { SupabaseClient } from "npm:@supabase/supabase-js@2.119.1";
import { keyFromMap, readEnv } from "../llm/environment.ts";

/** The claims of a verified access token (only what the dashboard reads is typed). */
export interface VerifiedClaims {
  sub: string;
  role: string;
  exp: number;
  email?: string;
  app_metadata?: { role?: unknown; [key: string]: unknown };
  [claim: string]: unknown;
}

/** Thrown when a token is missing, malformed, expired, forged or not a signed-in user's. */
export class UnauthorizedError extends Error {
  override name = "UnauthorizedError";
}

/** Verifies a JWT; resolves its claims or rejects with {@link UnauthorizedError}. */
export type VerifyAccessToken = (jwt: string) => Promise<VerifiedClaims>;

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  /** The project's JWKS (`{"keys":[…]}`). @default {SUPABASE_JWKS} */
  jwks?: string;
  /** The HS256 secret. @default {SUPABASE_JWT_SECRET} */
  secret?: string;
  /** Asks Supabase Auth when no local key applies; `null` refuses such tokens. @default {getClaims} */
  remote?: ((jwt: string) => Promise<Record<string, unknown>>) | null;
  /** Seconds since the epoch. @default {Date.now() / 1000} */
  now?: () => number;
}

interface Jwk extends JsonWebKey {
  kid?: string;
}

const ALGORITHMS: Record<
  string,
  { import: RsaHashedImportParams | EcKeyImportParams; verify: AlgorithmIdentifier | EcdsaParams }
> = {
  RS256: {
    import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    verify: "RSASSA-PKCS1-v1_5",
  },
  ES256: {
    import: { name: "ECDSA", namedCurve: "P-256" },
    verify: { name: "ECDSA", hash: "SHA-256" },
  },
};

/**
 * Creates the verifier. Only tokens whose `role` claim is `authenticated` and that carry a `sub`
 * pass: an anon key or a service-role token never reaches the database through the dashboard.
 *
 * @example
 * ```ts
 * const verify = createTokenVerifier();
 * const claims = await verify(accessToken); // claims.sub is the user's id
 * ```
 */
export function createTokenVerifier(options: TokenVerifierOptions = {}): VerifyAccessToken {
  const jwks = parseJwks(options.jwks ?? readEnv("SUPABASE_JWKS"));
  const secret = options.secret ?? readEnv("SUPABASE_JWT_SECRET");
  const remote = options.remote === undefined ? supabaseAuthClaims() : options.remote;
  const now = options.now ?? (() => Date.now() / 1000);
  return async (jwt) => {
    const parts = jwt.split(".");
    if (parts.length !== 3) throw new UnauthorizedError("The access token is not a JWT");
    const header = decodeJson(parts[0]);
    const payload = decodeJson(parts[1]);
    const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
    const signature = signatureBytes(parts[2]);
    const alg = String(header.alg);
    const jwk = jwks.find((key) => key.kid === header.kid && (key.alg ?? alg) === alg);
    let claims: Record<string, unknown>;
    if (alg === "HS256" && secret) {
      const key = await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["verify"],
      );
      if (!await crypto.subtle.verify("HMAC", key, signature, signed)) throw forged();
      claims = payload;
    } else if (jwk && ALGORITHMS[alg]) {
      const spec = ALGORITHMS[alg];
      // A key of another type than the token claims fails to import: a forgery too.
      const key = await crypto.subtle.importKey("jwk", jwk, spec.import, false, ["verify"])
        .catch(() => {
          throw forged();
        });
      if (!await crypto.subtle.verify(spec.verify, key, signature, signed)) throw forged();
      claims = payload;
    } else if (remote) {
      claims = await remote(jwt).catch((error) => {
        throw new UnauthorizedError(`The access token was refused: ${errorMessage(error)}`);
      });
    } else {
      throw new UnauthorizedError(`No key verifies tokens signed with "${alg}"`);
    }
    return checkClaims(claims, now());
  };
}

/** Checks expiry, role and subject of verified claims. */
function checkClaims(claims: Record<string, unknown>, now: number): VerifiedClaims {
  if (typeof claims.exp !== "number" || claims.exp <= now) {
    throw new UnauthorizedError("The session has expired");
  }
  if (typeof claims.nbf === "number" && claims.nbf > now + 30) {
    throw new UnauthorizedError("The access token is not valid yet");
  }
  if (claims.role !== "authenticated" || typeof claims.sub !== "string" || !claims.sub) {
    throw new UnauthorizedError("The access token is not a signed-in user's");
  }
  return claims as VerifiedClaims;
}

function forged(): UnauthorizedError {
  return new UnauthorizedError("The access token's signature does not verify");
}

function parseJwks(json: string | undefined): Jwk[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as { keys?: unknown } | unknown[];
    const keys = Array.isArray(parsed) ? parsed : parsed?.keys;
    return Array.isArray(keys) ? keys.filter((k): k is Jwk => typeof k === "object" && !!k) : [];
  } catch {
    return [];
  }
}

// The return type is inferred: Uint8Array<ArrayBuffer> on current TypeScript, Uint8Array on Deno 2.1.
function base64UrlBytes(text: string) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - base64.length % 4) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * The claims a JWT says it carries, not verified: enough to tell an API key (the legacy `anon`
 * and `service_role` keys are JWTs) from a user's session. Throws {@link UnauthorizedError} when
 * the token is no JWT.
 */
export function unverifiedClaims(jwt: string): Record<string, unknown> {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new UnauthorizedError("The access token is not a JWT");
  return decodeJson(parts[1]);
}

/**
 * The verified claims of a JWT, as Supabase Auth's `getClaims` gives them (it checks the
 * signature against the project's keys, or asks the Auth server), or `null` when `SUPABASE_URL`
 * or a publishable key is not set. A token Auth refuses rejects.
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
    if (error || !data) throw new Error(error?.message ?? "Invalid JWT");
    return data.claims as Record<string, unknown>;
  };
}

/** A signature that is not base64url is a forgery, not a fault of ours. */
function signatureBytes(part: string) {
  try {
    return base64UrlBytes(part);
  } catch {
    throw forged();
  }
}

function decodeJson(part: string): Record<string, unknown> {
  try {
    const value = JSON.parse(new TextDecoder().decode(base64UrlBytes(part)));
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw new UnauthorizedError("The access token is not a JWT");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
