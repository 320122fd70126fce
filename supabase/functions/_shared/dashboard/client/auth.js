/**
 * The browser's session with Supabase Auth, through Auth's REST API (`/auth/v1/token` for
 * password sign-in and refresh, `/auth/v1/logout`), the endpoints supabase-js itself calls.
 * The page only ever holds the user's own tokens and the project's publishable key.
 *
 * @module
 */

/**
 * @typedef {{ access_token: string, refresh_token?: string, expires_at: number,
 *   user?: { id?: string, email?: string } }} Session
 * @typedef {{ authUrl: string | null, publishableKey: string | null, localSignIn: boolean }} SignInConfig
 */

const STORAGE_KEY = "llm-dashboard.session";

/** Thrown when Auth refuses a sign-in; the message is Auth's, for the user. */
export class SignInError extends Error {
  name = "SignInError";
}

/**
 * The stored session, or `null`.
 *
 * @returns {Session | null}
 */
export function storedSession() {
  try {
    const session = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    return session && typeof session.access_token === "string" ? session : null;
  } catch {
    return null;
  }
}

/** @param {Session | null} session */
function store(session) {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

/**
 * A current access token, refreshed when it expires within a minute; `null` when there is no
 * session that can be used (the page then shows the sign-in).
 *
 * @param {SignInConfig} config
 * @returns {Promise<string | null>}
 */
export async function accessToken(config) {
  const session = storedSession();
  if (!session) return null;
  const now = Date.now() / 1000;
  if (session.expires_at > now + 60) return session.access_token;
  if (session.refresh_token && config.authUrl && config.publishableKey) {
    try {
      const fresh = await authRequest(config, "token?grant_type=refresh_token", {
        refresh_token: session.refresh_token,
      });
      store(fresh);
      return fresh.access_token;
    } catch {
      /* fall through: the session has ended */
    }
  }
  if (session.expires_at > now) return session.access_token;
  store(null);
  return null;
}

/**
 * Signs in with email and password through Supabase Auth.
 *
 * @param {SignInConfig} config
 * @param {string} email
 * @param {string} password
 * @returns {Promise<Session>}
 */
export async function signInWithPassword(config, email, password) {
  const session = await authRequest(config, "token?grant_type=password", { email, password });
  store(session);
  return session;
}

/**
 * `deno task dev` only: a session as one of its sample accounts, from the local gateway.
 *
 * @param {"user" | "admin"} as
 * @returns {Promise<Session>}
 */
export async function signInLocally(as) {
  const response = await fetch(new URL(`/dev/sign-in?as=${as}`, location.origin), {
    method: "POST",
  });
  if (!response.ok) throw new SignInError(`The local sign-in answered ${response.status}`);
  const session = await response.json();
  store(session);
  return session;
}

/**
 * Forgets the session here and, when Auth is reachable, ends it there too.
 *
 * @param {SignInConfig} config
 */
export async function signOut(config) {
  const session = storedSession();
  store(null);
  if (!session || !config.authUrl || !config.publishableKey) return;
  await fetch(`${config.authUrl}/auth/v1/logout`, {
    method: "POST",
    headers: { apikey: config.publishableKey, authorization: `Bearer ${session.access_token}` },
  }).catch(() => {});
}

/** Drops the stored session without calling Auth (the API said it is no longer valid). */
export function forgetSession() {
  store(null);
}

/**
 * @param {SignInConfig} config
 * @param {string} path
 * @param {Record<string, string>} body
 * @returns {Promise<Session>}
 */
async function authRequest(config, path, body) {
  if (!config.authUrl || !config.publishableKey) throw new SignInError("Auth is not configured");
  const response = await fetch(`${config.authUrl}/auth/v1/${path}`, {
    method: "POST",
    headers: { apikey: config.publishableKey, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok || typeof data.access_token !== "string") {
    throw new SignInError(data.error_description ?? data.msg ?? data.message ?? "Sign-in failed");
  }
  return data;
}
