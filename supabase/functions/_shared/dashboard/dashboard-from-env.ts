// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * The dashboard's handler with its dependencies taken from the Edge Function's environment:
 * `SUPABASE_DB_URL` for the reads, `SUPABASE_JWKS` (or `SUPABASE_JWT_SECRET`, or Supabase Auth)
 * to verify tokens, `SUPABASE_URL` and the publishable key for the page's sign-in.
 *
 * @module
 */
import postgres from "npm:postgres@3.4.9";
import { keyFromMap, readEnv } from "../llm/environment.ts";
import { createAsUser } from "./as-user.ts";
import { createAssetReader } from "./assets.ts";
import { createDashboardHandler } from "./dashboard-handler.ts";
import { createTokenVerifier } from "../http/verify-jwt.ts";

/** Options of {@link createDashboardFromEnv}. */
export interface DashboardFromEnvOptions {
  /**
   * The longest one statement of a read may run (see `AsUserOptions.statementTimeout`); else
   * `LLM_DASHBOARD_STATEMENT_TIMEOUT`.
   *
   * @default {"8s"}
   */
  statementTimeout?: string;
}

/**
 * Creates the handler; nothing connects until the first API request.
 *
 * `LLM_DASHBOARD_LOCAL_SIGN_IN=true` (set by `deno task dev` only) shows the local sign-in as
 * sample users. It cannot grant anything elsewhere: the tokens it uses are signed with the local
 * dev secret, which no hosted project verifies (`SUPABASE_*` names cannot be set as secrets there).
 *
 * @example
 * ```ts
 * Deno.serve(createDashboardFromEnv());
 * ```
 */
export function createDashboardFromEnv(
  options: DashboardFromEnvOptions = {},
): (request: Request) => Promise<Response> {
  const dbUrl = readEnv("SUPABASE_DB_URL");
  const statementTimeout = options.statementTimeout ?? readEnv("LLM_DASHBOARD_STATEMENT_TIMEOUT");
  // Connects at the first read, with settings that suit a pooler and the local wire server.
  const asUser = dbUrl
    ? createAsUser(() =>
      postgres(dbUrl, {
        prepare: false,
        max: 3,
        idle_timeout: 30,
        connection: { application_name: "llm-dashboard" },
        onnotice: () => {},
      }), { statementTimeout })
    : null;
  const authUrl = readEnv("SUPABASE_URL") ?? null;
  const publishableKey = keyFromMap(readEnv("SUPABASE_PUBLISHABLE_KEYS")) ??
    readEnv("SUPABASE_ANON_KEY") ?? null;
  return createDashboardHandler({
    verify: createTokenVerifier(),
    asUser,
    readAsset: createAssetReader(),
    signIn: {
      authUrl: publishableKey ? authUrl : null,
      publishableKey,
      localSignIn: readEnv("LLM_DASHBOARD_LOCAL_SIGN_IN") === "true",
    },
  });
}
