import assert from "node:assert/strict";
import {
  environmentConfig,
  secretKeyFromEnv,
} from "../../supabase/functions/_shared/llm/environment.ts";
import { resolveConfig } from "../../supabase/functions/_shared/llm/service-config.ts";

const KEY = "sb_secret_environment_test_0123456789";
const from = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("secretKeyFromEnv accepts every way Supabase hands out the secret key", () => {
  const cases: [Record<string, string>, string][] = [
    [{ SUPABASE_SECRET_KEYS: JSON.stringify({ default: KEY }) }, "SUPABASE_SECRET_KEYS"],
    [{ SUPABASE_SECRET_KEYS: JSON.stringify({ other: KEY }) }, "SUPABASE_SECRET_KEYS"],
    [{ SUPABASE_SECRET_KEYS: KEY }, "SUPABASE_SECRET_KEYS"],
    [{ SUPABASE_SECRET_KEY: KEY }, "SUPABASE_SECRET_KEY"],
    [{ SUPABASE_SERVICE_ROLE_KEY: KEY }, "SUPABASE_SERVICE_ROLE_KEY"],
    [{ SUPABASE_SECRET_KEYS: ` ${KEY}\n` }, "SUPABASE_SECRET_KEYS"],
  ];
  for (const [vars, source] of cases) {
    assert.deepEqual(secretKeyFromEnv(from(vars)), { key: KEY, source, warnings: [] }, source);
  }
});

Deno.test("secretKeyFromEnv prefers the platform's map, then the self-hosted key, then the legacy one", () => {
  const all = {
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: `${KEY}_map` }),
    SUPABASE_SECRET_KEY: `${KEY}_single`,
    SUPABASE_SERVICE_ROLE_KEY: "legacy.jwt.value",
  };
  assert.equal(secretKeyFromEnv(from(all)).key, `${KEY}_map`);
  const { SUPABASE_SECRET_KEYS: _, ...rest } = all;
  assert.equal(secretKeyFromEnv(from(rest)).key, `${KEY}_single`);
});

Deno.test("a malformed secret key variable gets one warning naming it, never the key", () => {
  const secret = "sb_secret_do_not_print_me";
  const cases: [string, RegExp][] = [
    [`{"default": "${secret}"`, /^SUPABASE_SECRET_KEYS starts like JSON but is not valid JSON$/],
    [`{"default": 42}`, /^SUPABASE_SECRET_KEYS holds JSON with no key in it/],
    [`["${secret}"]`, /^SUPABASE_SECRET_KEYS is neither a key nor a JSON object of keys/],
    [`${secret} ${secret}`, /^SUPABASE_SECRET_KEYS is neither a key nor a JSON object of keys/],
    ["sb_publishable_abc", /^SUPABASE_SECRET_KEYS holds a publishable key/],
  ];
  for (const [value, message] of cases) {
    const found = secretKeyFromEnv(from({ SUPABASE_SECRET_KEYS: value }));
    assert.equal(found.key, undefined, value);
    assert.equal(found.warnings.length, 1, value);
    assert.match(found.warnings[0], message);
    assert.ok(!found.warnings[0].includes("do_not_print_me"), found.warnings[0]);
    assert.ok(!found.warnings[0].includes("sb_publishable_abc"), found.warnings[0]);
  }
});

Deno.test("a malformed variable does not hide a good one further down the list", () => {
  const found = secretKeyFromEnv(from({
    SUPABASE_SECRET_KEYS: "{not json",
    SUPABASE_SERVICE_ROLE_KEY: KEY,
  }));
  assert.equal(found.key, KEY);
  assert.equal(found.source, "SUPABASE_SERVICE_ROLE_KEY");
  assert.deepEqual(found.warnings, [
    "SUPABASE_SECRET_KEYS starts like JSON but is not valid JSON",
  ]);
});

/** Console warnings while the service resolves its configuration from the given environment. */
function warningsFor(vars: Record<string, string>): string[] {
  const names = [
    "SUPABASE_URL",
    "SUPABASE_SECRET_KEYS",
    "SUPABASE_SECRET_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
  ];
  const saved = names.map((name) => [name, Deno.env.get(name)] as const);
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    for (const name of names) {
      if (vars[name] === undefined) Deno.env.delete(name);
      else Deno.env.set(name, vars[name]);
    }
    resolveConfig({ apiKey: "sk-or-v1-test", estimateCosts: false }, () => {});
  } finally {
    console.warn = warn;
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
  return warnings;
}

Deno.test("the service's warning names what is missing instead of claiming a set variable is unset", () => {
  const url = "http://127.0.0.1:54321";
  assert.deepEqual(warningsFor({ SUPABASE_URL: url, SUPABASE_SECRET_KEYS: "{oops" }), [
    "llm-service: SUPABASE_SECRET_KEYS starts like JSON but is not valid JSON",
    "llm-service: there is no usable secret key (see the warning above); call logs go to the console",
  ]);
  assert.deepEqual(warningsFor({ SUPABASE_SECRET_KEYS: KEY }), [
    "llm-service: SUPABASE_URL is not set; call logs go to the console",
  ]);
  assert.deepEqual(warningsFor({ SUPABASE_URL: url, SUPABASE_SECRET_KEYS: KEY }), []);
});

Deno.test("environmentConfig reads the secret key through the same rules", () => {
  const config = environmentConfig(from({ SUPABASE_URL: "http://x", SUPABASE_SECRET_KEY: KEY }));
  assert.equal(config.supabaseKey, KEY);
  assert.deepEqual(config.warnings, []);
});
