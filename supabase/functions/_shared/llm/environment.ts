/**
 * Reads the service's defaults from the environment, only when asked (never at import), and
 * without throwing where environment access is not permitted.
 *
 * @module
 */

/** What the environment provides; every field may be missing. */
export interface EnvironmentConfig {
  apiKey?: string;
  baseUrl?: string;
  supabaseUrl?: string;
  /** A secret key from `SUPABASE_SECRET_KEYS`, else `SUPABASE_SERVICE_ROLE_KEY`. */
  supabaseKey?: string;
  siteUrl?: string;
  appName?: string;
}

/** Reads one variable; `undefined` when unset, empty, or not readable. */
export function readEnv(name: string): string | undefined {
  try {
    const value = globalThis.Deno?.env.get(name)?.trim();
    return value ? value : undefined;
  } catch {
    return undefined; // --allow-env not granted
  }
}

/**
 * The configuration the environment gives.
 *
 * `SUPABASE_SECRET_KEYS` is a JSON map such as `{"default":"sb_secret_…"}`; its `default` key is
 * used, else its first. The legacy `SUPABASE_SERVICE_ROLE_KEY` is the fallback.
 */
export function environmentConfig(): EnvironmentConfig {
  return {
    apiKey: readEnv("OPENROUTER_API_KEY"),
    baseUrl: readEnv("OPENROUTER_BASE_URL"),
    supabaseUrl: readEnv("SUPABASE_URL"),
    supabaseKey: keyFromMap(readEnv("SUPABASE_SECRET_KEYS")) ??
      readEnv("SUPABASE_SERVICE_ROLE_KEY"),
    siteUrl: readEnv("OPENROUTER_SITE_URL"),
    appName: readEnv("OPENROUTER_APP_NAME"),
  };
}

/**
 * The `default` key of a JSON key map such as `SUPABASE_SECRET_KEYS` or
 * `SUPABASE_PUBLISHABLE_KEYS` (`{"default":"sb_secret_…"}`), else its first key.
 */
export function keyFromMap(json: string | undefined): string | undefined {
  if (!json) return undefined;
  try {
    const keys = JSON.parse(json) as Record<string, unknown>;
    const key = keys.default ?? Object.values(keys)[0];
    return typeof key === "string" && key ? key : undefined;
  } catch {
    return undefined;
  }
}
