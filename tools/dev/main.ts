/**
 * `deno task dev`: serves the project's Edge Functions locally, like `supabase start` plus
 * `supabase functions serve`, with no Docker and nothing to configure. See
 * docs/local-development.md.
 *
 * ```sh
 * deno task dev                 # http://127.0.0.1:54321/functions/v1/<name>
 * deno task dev --port 8000 --db-port 8001
 * ```
 *
 * @module
 */
import { DEV_USAGE, devConfig } from "./config.ts";
import { formatBanner } from "./banner.ts";
import { loadDotenvFiles } from "./dotenv.ts";
import { startDev } from "./start-dev.ts";

const root = new URL("../../", import.meta.url);

/** Loads `.env` then `supabase/functions/.env` (the latter wins); the real environment wins over both. */
async function environment(): Promise<Record<string, string>> {
  const files = await loadDotenvFiles([
    new URL(".env", root),
    new URL("supabase/functions/.env", root),
  ]);
  return { ...files, ...Deno.env.toObject() };
}

async function main(): Promise<number> {
  const env = await environment();
  const { options, notes, help } = devConfig(Deno.args, env);
  if (help) {
    console.log(DEV_USAGE);
    return 0;
  }
  console.log("Starting: database, OpenRouter, functions…");
  const dev = await startDev({ ...options, env, root });
  console.log(formatBanner(dev, notes));
  let closing: Promise<void> | undefined;
  const stop = () => {
    if (closing) Deno.exit(130); // a second Ctrl+C: do not wait
    console.log("\nStopping…");
    closing = dev.close().then(() => Deno.exit(0));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, stop);
    } catch { /* not supported on this platform */ }
  }
  globalThis.addEventListener("unhandledrejection", (event) => {
    console.error("deno task dev:", event.reason);
    event.preventDefault();
  });
  return await new Promise<number>(() => {}); // runs until a signal
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`deno task dev: ${message}`);
    Deno.exit(1);
  }
}
