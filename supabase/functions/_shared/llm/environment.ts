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
  /** The secret key for the log writer: see {@link secretKeyFromEnv}. */
  supabaseKey?: string;
  siteUrl?: string;
  appName?: string;
  /**
   * One line per variable that is set but unusable, naming it and what is wrong, never its
   * value: `SUPABASE_SECRET_KEYS is not JSON and not a single sb_secret_ key`.
   */
  warnings: string[];
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
 * @example
 * ```ts
 * const { supabaseUrl, supabaseKey, warnings } = environmentConfig();
 * for (const warning of warnings) console.warn(warning);
 * ```
 */
export function environmentConfig(
  read: (name: string) => string | undefined = readEnv,
): EnvironmentConfig {
  const secret = secretKeyFromEnv(read);
  return {
    apiKey: read("OPENROUTER_API_KEY"),
    baseUrl: read("OPENROUTER_BASE_URL"),
    supabaseUrl: read("SUPABASE_URL"),
    supabaseKey: secret.key,
    siteUrl: read("OPENROUTER_SITE_URL"),
    appName: read("OPENROUTER_APP_NAME"),
    warnings: secret.warnings,
  };
}

/** A secret key found in the environment, where it came from, and what was wrong elsewhere. */
export interface SecretKeyLookup {
  key?: string;
  /** The variable the key came from. */
  source?: string;
  /** Variables that are set but unusable (never their values). */
  warnings: string[];
}

/** The variables that may hold the secret key, in the order they are tried. */
export const SECRET_KEY_VARIABLES = [
  "SUPABASE_SECRET_KEYS", // the platform: {"default":"sb_secret_…"}; a plain key is accepted
  "SUPABASE_SECRET_KEY", // self-hosted setups
  "SUPABASE_SERVICE_ROLE_KEY", // older projects (a JWT)
] as const;

/**
 * The first usable secret key of {@link SECRET_KEY_VARIABLES}. Each variable may hold a plain
 * key or a JSON map of keys (whose `default` key is used, else its first); a publishable key is
 * refused, as it cannot write the log.
 *
 * @example
 * ```ts
 * const { key, source } = secretKeyFromEnv((name) => Deno.env.get(name));
 * ```
 */
export function secretKeyFromEnv(read: (name: string) => string | undefined): SecretKeyLookup {
  const warnings: string[] = [];
  for (const name of SECRET_KEY_VARIABLES) {
    const value = read(name)?.trim();
    if (!value) continue;
    const parsed = parseKeyValue(value);
    if (typeof parsed === "string") return { key: parsed, source: name, warnings };
    warnings.push(`${name} ${parsed.problem}`);
  }
  return { warnings };
}

/** A key, or what is wrong with the value (in words that never repeat the value). */
function parseKeyValue(value: string): string | { problem: string } {
  if (!value.startsWith("{")) {
    if (value.startsWith("sb_publishable_")) {
      return { problem: "holds a publishable key, which cannot write the log: use a secret key" };
    }
    if (/\s/.test(value) || value.startsWith("[") || value.startsWith('"')) {
      return {
        problem: 'is neither a key nor a JSON object of keys such as {"default":"sb_secret_…"}',
      };
    }
    return value;
  }
  const key = keyFromMap(value);
  if (key) return parseKeyValue(key);
  try {
    JSON.parse(value);
  } catch {
    return { problem: "starts like JSON but is not valid JSON" };
  }
  return { problem: 'holds JSON with no key in it, expected {"default":"sb_secret_…"}' };
}

/**
 * The `default` key of a JSON key map such as `SUPABASE_SECRET_KEYS` or
 * `SUPABASE_PUBLISHABLE_KEYS` (`{"default":"sb_secret_…"}`), else its first key.
 *
 * @example
 * ```ts
 * keyFromMap('{"default":"sb_secret_abc"}'); // "sb_secret_abc"
 * ```
 */
export function keyFromMap(json: string | undefined): string | undefined {
  if (!json) return undefined;
  try {
    const keys = JSON.parse(json) as unknown;
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) return undefined;
    const map = keys as Record<string, unknown>;
    const key = typeof map.default === "string" && map.default
      ? map.default
      : Object.values(map).find((value) => typeof value === "string" && value);
    return typeof key === "string" && key.trim() ? key.trim() : undefined;
  } catch {
    return undefined;
  }
}
