/**
 * What `deno task dev` prints once everything is up: the function URLs, where logs go, which
 * OpenRouter answers, and `curl` commands to try.
 *
 * @module
 */
import type { DevServer } from "./start-dev.ts";

const DASHBOARD = "llm-dashboard";

/**
 * The startup banner.
 *
 * @example
 * ```ts
 * console.log(formatBanner(await startDev()));
 * ```
 */
export function formatBanner(dev: DevServer, notes: readonly string[] = []): string {
  const width = Math.max(...dev.functions.map((f) => f.name.length));
  const chat = dev.functions.find((f) => f.name === "chat")?.url ?? dev.functions[0].url;
  const stream = dev.functions.find((f) => f.name === "chat-stream")?.url;
  const dashboard = dev.functions.find((f) => f.name === DASHBOARD);
  const hello = `'{"messages":[{"role":"user","content":"Hello"}]}'`;
  const post = (url: string, body: string, extra = "") =>
    `  curl${extra} -X POST ${url} \\\n    -H 'content-type: application/json' -d ${body}`;
  const lines = [
    "",
    "deno task dev: the Edge Functions of supabase/functions, served like Supabase does",
    "",
    "Functions",
    ...dev.functions.map((f) =>
      `  ${f.name.padEnd(width)}  ${f.name === DASHBOARD ? "GET " : "POST"} ${f.url}`
    ),
    "",
    ...(dashboard && dev.dbUrl
      ? [
        "Dashboard",
        `  Open ${dashboard.url} in a browser and use the local sign-in`,
        "  (a sample user or a sample admin; dev only). See docs/dashboard.md.",
        "",
      ]
      : []),
    "Logs (llm_call_logs)",
    ...logLines(dev),
    "",
    "OpenRouter",
    ...(dev.simulatorUrl
      ? [
        `  No OPENROUTER_API_KEY: using the local OpenRouter simulator at ${dev.simulatorUrl}`,
        "  Any model answers plausibly; ask for errors with model sim/error-429 (or sim/error-500,",
        "  sim/error-401, sim/hang, sim/stream-hang, sim/stream-error-numeric, …)",
      ]
      : ["  The real API, with your OPENROUTER_API_KEY: calls cost credits"]),
    ...notes.map((note) => `  Note: ${note}`),
    "",
    "Try it",
    "  # a completion, as JSON",
    post(chat, hello),
    ...(stream ? ["  # the same, streamed as Server-Sent Events", post(stream, hello, " -N")] : []),
    "  # a bad request: 400 invalid_request",
    post(chat, `'{"messages":[]}'`),
    ...(dev.simulatorUrl
      ? [
        "  # an upstream error: 429 rate_limited, with retry-after",
        post(chat, `'{"model":"sim/error-429","messages":[{"role":"user","content":"Hi"}]}'`),
      ]
      : []),
    "",
    `Then read the logs: deno task logs        Stop: Ctrl+C`,
    "",
  ];
  return lines.join("\n");
}

function logLines(dev: DevServer): string[] {
  if (!dev.dbUrl) {
    return [
      `  Supabase project ${dev.logsTo}`,
      "  Read them with: DATABASE_URL=<the project's connection string> deno task logs",
    ];
  }
  const applied = dev.appliedMigrations;
  return [
    `  Local PGlite database in ${relative(dev.logsTo)}`,
    `  Postgres: ${dev.dbUrl}  (psql, deno task logs)`,
    applied.length ? `  Applied ${applied.length} migration(s):` : "  Migrations: up to date",
    ...applied.map((name) => `    ${name}`),
  ];
}

/** `path` relative to the working directory when it is inside it. */
function relative(path: string): string {
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return path;
  }
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}
