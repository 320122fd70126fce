/**
 * The `llm-dashboard` Edge Function: the page and its assets (no sign-in needed to load them),
 * and a JSON API under `api/` whose every read runs as the signed-in user (see `as-user.ts`).
 *
 * Paths, after the function's name: `/` the page, `/assets/<file>`, `/api/config` (what the
 * page needs to sign in), `/api/me`, `/api/totals`, `/api/series`, `/api/top?by=model`,
 * `/api/options`, `/api/calls?cursor=…`, `/api/calls/<id>?at=<created_at>`.
 *
 * @module
 */
import { type AsUser, isAdmin, ReadTimeoutError } from "./as-user.ts";
import type { ReadAsset } from "./assets.ts";
import { readCall, readCallsPage } from "./call-queries.ts";
import { InvalidQueryError, parseDashboardQuery } from "./dashboard-query.ts";
import {
  readFilterOptions,
  readSeries,
  readTop,
  readTotals,
  type TopDimension,
  type Viewer,
} from "./usage-queries.ts";
import {
  UnauthorizedError,
  type VerifiedClaims,
  type VerifyAccessToken,
} from "../http/verify-jwt.ts";

/** What the page needs to sign in; all of it is public. */
export interface SignInConfig {
  /** The Supabase project URL, for Auth's `/auth/v1/token` (`null`: no Auth server). */
  authUrl: string | null;
  /** The project's publishable (or anon) key, sent as `apikey` to Auth. */
  publishableKey: string | null;
  /** `deno task dev` only: the page offers its local sign-in as sample users. */
  localSignIn: boolean;
}

/** Options of {@link createDashboardHandler}. */
export interface DashboardHandlerOptions {
  /** The function's name, the first path segment of its requests. @default {"llm-dashboard"} */
  name?: string;
  verify: VerifyAccessToken;
  /** Runs a read as the user; `null` when the database is not configured. */
  asUser: AsUser | null;
  readAsset: ReadAsset;
  signIn: SignInConfig;
  /** Receives unexpected errors. @default {console.error} */
  logError?: (message: string, error: unknown) => void;
}

const API_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

/**
 * Creates the request handler.
 *
 * @example
 * ```ts
 * Deno.serve(createDashboardHandler({ verify, asUser, readAsset, signIn }));
 * ```
 */
export function createDashboardHandler(
  options: DashboardHandlerOptions,
): (request: Request) => Promise<Response> {
  const name = options.name ?? "llm-dashboard";
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname.replace(new RegExp(`^/${name}(?=/|$)`), "") || "";
    if (request.method !== "GET" && request.method !== "HEAD") {
      return apiError(405, "method_not_allowed", "The dashboard only answers GET");
    }
    if (path === "") return await asset(options, "index.html", csp(options.signIn));
    // Assets are referenced relative to the page without a trailing slash.
    if (path === "/") {
      return new Response(null, { status: 308, headers: { location: `../${name}` } });
    }
    if (path.startsWith("/assets/")) return await asset(options, path.slice(8));
    if (path === "/api/config") return Response.json(options.signIn, { headers: API_HEADERS });
    if (!path.startsWith("/api/")) return apiError(404, "not_found", "No such page");
    try {
      const claims = await authenticate(request, options.verify);
      return await api(options, path.slice(5), url.searchParams, claims);
    } catch (error) {
      if (error instanceof UnauthorizedError) return apiError(401, "unauthorized", error.message);
      if (error instanceof InvalidQueryError) return apiError(400, "invalid_query", error.message);
      if (error instanceof ReadTimeoutError) {
        logError("llm-dashboard: a read timed out:", error);
        return apiError(503, "read_timeout", `${error.message}: narrow the range or the filters`);
      }
      logError("llm-dashboard: a read failed:", error);
      return apiError(500, "read_failed", "The dashboard could not read the database");
    }
  };
}

async function api(
  options: DashboardHandlerOptions,
  route: string,
  params: URLSearchParams,
  claims: VerifiedClaims,
): Promise<Response> {
  const viewer: Viewer = { userId: claims.sub, admin: isAdmin(claims) };
  if (route === "me") {
    return json({ userId: claims.sub, email: claims.email ?? null, admin: viewer.admin });
  }
  const asUser = options.asUser;
  if (!asUser) {
    return apiError(
      503,
      "no_database",
      "SUPABASE_DB_URL is not set: the dashboard has no database",
    );
  }
  const q = parseDashboardQuery(params);
  const range = { from: q.from.toISOString(), to: q.to.toISOString(), bucket: q.bucket };
  switch (route) {
    case "totals":
      return json({ range, totals: await asUser(claims, (tx) => readTotals(tx, q, viewer)) });
    case "series":
      return json({ range, points: await asUser(claims, (tx) => readSeries(tx, q, viewer)) });
    case "top": {
      const by = params.get("by") as TopDimension;
      if (!["model", "edge_function", "user_id"].includes(by)) {
        throw new InvalidQueryError('"by" must be model, edge_function or user_id');
      }
      return json({ range, by, entries: await asUser(claims, (tx) => readTop(tx, q, viewer, by)) });
    }
    case "options":
      return json(await asUser(claims, (tx) => readFilterOptions(tx, q, viewer)));
    case "calls": {
      const cursor = params.get("cursor");
      return json({ range, ...await asUser(claims, (tx) => readCallsPage(tx, q, viewer, cursor)) });
    }
  }
  const call = route.match(/^calls\/([^/]+)$/);
  if (call) {
    const id = decodePathSegment(call[1]);
    if (id === undefined) return apiError(404, "not_found", "No such call, or not yours");
    const row = await asUser(claims, (tx) => readCall(tx, id, params.get("at") ?? undefined));
    return row ? json({ call: row }) : apiError(404, "not_found", "No such call, or not yours");
  }
  return apiError(404, "not_found", "No such endpoint");
}

/** `undefined` for a segment with a malformed escape (`%ZZ`), which names no call. */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
}

async function authenticate(request: Request, verify: VerifyAccessToken): Promise<VerifiedClaims> {
  const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw new UnauthorizedError("Sign in to see the dashboard");
  return await verify(token);
}

async function asset(
  options: DashboardHandlerOptions,
  file: string,
  policy?: string,
): Promise<Response> {
  const found = await options.readAsset(file);
  if (!found) return apiError(404, "not_found", "No such file");
  const headers: Record<string, string> = {
    "content-type": found.type,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
  if (policy) headers["content-security-policy"] = policy;
  return new Response(found.body, { headers });
}

/** Scripts and styles from this function only; requests to it and to the project's Auth. */
function csp(signIn: SignInConfig): string {
  const auth = signIn.authUrl ? ` ${new URL(signIn.authUrl).origin}` : "";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${auth}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function json(body: unknown): Response {
  return Response.json(body, { headers: API_HEADERS });
}

function apiError(status: number, type: string, message: string): Response {
  return Response.json({ error: { type, message } }, { status, headers: API_HEADERS });
}
