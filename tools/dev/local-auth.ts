/**
 * The local sign-in of `deno task dev`: the local stack has no Auth server, so the gateway mints
 * sessions for two sample accounts, a user and an admin, signed (HS256) with a fixed local JWT
 * secret that only this dev's functions are given. Dev only: nothing deployed serves this route,
 * and no hosted project verifies tokens with this secret.
 *
 * @module
 */

/** The local JWT secret. Dev only: printed in docs, accepted by nothing but local functions. */
export const LOCAL_JWT_SECRET = "local-dev-only-jwt-secret-not-for-production-use";

/** A sample account of the local sign-in. */
export interface SampleAccount {
  id: string;
  email: string;
  admin: boolean;
}

/** The sample accounts, by the name the sign-in route takes (`?as=user` or `?as=admin`). */
export const SAMPLE_ACCOUNTS: Readonly<Record<"user" | "admin", SampleAccount>> = Object.freeze({
  user: { id: "00000000-0000-4000-8000-00000000a11c", email: "user@example.test", admin: false },
  admin: { id: "00000000-0000-4000-8000-0000000ad814", email: "admin@example.test", admin: true },
});

/**
 * Signs an access token for a sample account, shaped like Supabase Auth's, with
 * {@link LOCAL_JWT_SECRET} unless `secret` says otherwise, valid for `expiresIn` seconds (3600;
 * negative for an already expired token, as tests need).
 */
export async function signLocalToken(
  account: SampleAccount,
  options: { secret?: string; expiresIn?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: "authenticated",
    sub: account.id,
    email: account.email,
    role: "authenticated",
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
    app_metadata: { provider: "email", ...(account.admin ? { role: "admin" } : {}) },
    user_metadata: {},
    is_anonymous: false,
  };
  const encode = (value: unknown) => base64Url(new TextEncoder().encode(JSON.stringify(value)));
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(options.secret ?? LOCAL_JWT_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(unsigned));
  return `${unsigned}.${base64Url(new Uint8Array(signature))}`;
}

/** Answers `POST /dev/sign-in?as=user|admin` with a session like Auth's token endpoint gives. */
export async function localSignIn(request: Request): Promise<Response> {
  if (request.method !== "POST") {
    return Response.json({ message: "Use POST" }, { status: 405 });
  }
  const as = new URL(request.url).searchParams.get("as");
  const account = as === "user" || as === "admin" ? SAMPLE_ACCOUNTS[as] : undefined;
  if (!account) return Response.json({ message: "Ask for ?as=user or ?as=admin" }, { status: 400 });
  const expiresIn = 3600;
  const accessToken = await signLocalToken(account, { expiresIn });
  return Response.json({
    access_token: accessToken,
    token_type: "bearer",
    expires_in: expiresIn,
    expires_at: Math.floor(Date.now() / 1000) + expiresIn,
    user: { id: account.id, email: account.email },
  }, { headers: { "cache-control": "no-store" } });
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}
