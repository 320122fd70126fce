/**
 * `deno task dev`: serves the project's Edge Functions locally, like `supabase start` plus
 * `supabase functions serve`, with no Docker and nothing to configure. This file is the command
 * line: the flags and environment variables it reads, and the banner it prints;
 * {@link startDev} does the work. See docs/local-development.md.
 *
 * @module
 */
import { secretKeyFromEnv } from "../../supabase/functions/_shared/llm/environment.ts";
import { parseFlags, readEnvironment } from "../environment.ts";
import { type DevOptions, type DevServer, startDev } from "./start-dev.ts";

/** Usage text of `deno task dev`. */
export const DEV_USAGE =
  `Usage: deno task dev [--port 54321] [--db-port 54322] [--data-dir .local/pglite]

Serves supabase/functions/*/index.ts at http://127.0.0.1:<port>/functions/v1/<name>.

Environment (also read from .env and supabase/functions/.env):
  OPENROUTER_API_KEY         call the real OpenRouter (default: the local simulator)
  OPENROUTER_BASE_URL        another OpenRouter-compatible API
  SUPABASE_URL + SUPABASE_SECRET_KEYS, SUPABASE_SECRET_KEY or SUPABASE_SERVICE_ROLE_KEY
                             log to that Supabase project (default: the local PGlite database)
  DEV_PORT, DEV_DB_PORT      the ports, as --port and --db-port`;

/**
 * Reads the options from `args` and `env` (the environment of `tools/environment.ts`), with notes
 * to print about how they were chosen.
 *
 * @example
 * ```ts
 * const { options } = devConfig(["--port", "8000"], { OPENROUTER_API_KEY: "sk-or-v1-…" });
 * // options.port === 8000, options.openRouter.apiKey === "sk-or-v1-…"
 * ```
 */
export function devConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { options: DevOptions; notes: string[]; help: boolean } {
  const flags = parseFlags(args, ["port", "db-port", "data-dir"], [], DEV_USAGE);
  const value = (name: string) => env[name]?.trim() || undefined;
  const notes: string[] = [];
  const options: DevOptions = {
    port: port(flags.port ?? value("DEV_PORT"), 54321, "--port"),
    dbPort: port(flags["db-port"] ?? value("DEV_DB_PORT"), 54322, "--db-port"),
    supabase: null,
    openRouter: null,
  };
  if (flags["data-dir"]) options.dataDir = flags["data-dir"];
  const apiKey = value("OPENROUTER_API_KEY");
  if (apiKey) options.openRouter = { apiKey, baseUrl: value("OPENROUTER_BASE_URL") };
  const url = value("SUPABASE_URL");
  const secret = secretKeyFromEnv(value);
  notes.push(...secret.warnings);
  if (url && secret.key) {
    options.supabase = { url: url.replace(/\/+$/, ""), serviceKey: secret.key };
  } else if (url) {
    notes.push(
      "SUPABASE_URL is set without a usable SUPABASE_SECRET_KEYS, SUPABASE_SECRET_KEY or SUPABASE_SERVICE_ROLE_KEY: logging to the local database instead",
    );
  }
  return { options, notes, help: "help" in flags };
}

function port(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RangeError(`Invalid ${name}: "${raw}" is not a port number`);
  }
  return n;
}

/**
 * What dev prints once everything is up: the function URLs, where logs go, which OpenRouter
 * answers, and `curl` commands to try.
 */
export function formatBanner(dev: DevServer, notes: readonly string[] = []): string {
  const width = Math.max(...dev.functions.map((f) => f.name.length));
  const url = (name: string) => dev.functions.find((f) => f.name === name)?.url;
  const [stream, dashboard] = [url("chat-stream"), url("llm-dashboard")];
  const post = (what: string, to: string | undefined, body: string, extra = "") =>
    to
      ? [
        `  # ${what}`,
        `  curl${extra} -X POST ${to} \\`,
        `    -H 'content-type: application/json' -d '${body}'`,
      ]
      : [];
  const [chat, hello] = [
    url("chat") ?? dev.functions[0].url,
    `{"messages":[{"role":"user","content":"Hello"}]}`,
  ];
  const { appliedMigrations: applied, simulatorUrl: sim } = dev;
  return [
    "",
    "deno task dev: the Edge Functions of supabase/functions, served like Supabase does",
    "",
    "Functions",
    ...dev.functions.map((f) =>
      `  ${f.name.padEnd(width)}  ${f.url === dashboard ? "GET " : "POST"} ${f.url}`
    ),
    "",
    ...(dashboard && dev.dbUrl
      ? [
        "Dashboard",
        `  Open ${dashboard} in a browser and use the local sign-in`,
        "  (a sample user or a sample admin; dev only). See docs/dashboard.md.",
        "",
      ]
      : []),
    "Logs (llm_call_logs)",
    ...(dev.dbUrl
      ? [
        `  Local PGlite database in ${dev.logsTo.replace(`${Deno.cwd()}/`, "")}`,
        `  Postgres: ${dev.dbUrl}  (psql, deno task logs)`,
        applied.length ? `  Applied ${applied.length} migration(s):` : "  Migrations: up to date",
        ...applied.map((name) => `    ${name}`),
      ]
      : [
        `  Supabase project ${dev.logsTo}`,
        "  Read them with: DATABASE_URL=<the project's connection string> deno task logs",
      ]),
    "",
    "OpenRouter",
    ...(sim
      ? [
        `  No OPENROUTER_API_KEY: using the local OpenRouter simulator at ${sim}`,
        "  Any model answers plausibly; ask for errors with model sim/error-429 (or sim/error-500,",
        "  sim/error-401, sim/hang, sim/stream-hang, sim/stream-error-numeric, …)",
      ]
      : ["  The real API, with your OPENROUTER_API_KEY: calls cost credits"]),
    ...notes.map((note) => `  Note: ${note}`),
    "",
    "Try it",
    ...post("a completion, as JSON", chat, hello),
    ...post("the same, streamed as Server-Sent Events", stream, hello, " -N"),
    ...post("a bad request: 400 invalid_request", chat, `{"messages":[]}`),
    ...post(
      "an upstream error: 429 rate_limited, with retry-after",
      sim && chat,
      `{"model":"sim/error-429","messages":[{"role":"user","content":"Hi"}]}`,
    ),
    "",
    `Then read the logs: deno task logs        Stop: Ctrl+C`,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const env = await readEnvironment();
  const { options, notes, help } = devConfig(Deno.args, env);
  if (help) return console.log(DEV_USAGE);
  console.log("Starting: database, OpenRouter, functions…");
  const dev = await startDev({ ...options, env });
  console.log(formatBanner(dev, notes));
  let closing = false;
  const stop = () => {
    if (closing) Deno.exit(130); // a second Ctrl+C: do not wait
    closing = true;
    console.log("\nStopping…");
    dev.close().then(() => Deno.exit(0));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, stop);
    } catch { /* SIGTERM: not on Windows */ }
  }
  globalThis.addEventListener("unhandledrejection", (event) => {
    console.error("deno task dev:", event.reason);
    event.preventDefault();
  });
}

if (import.meta.main) {
  main().catch((error) => {
    console.error(`deno task dev: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  });
}
