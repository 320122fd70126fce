/**
 * Runs one Edge Function for `deno task dev`: imports its `index.ts` (whose `Deno.serve` listens
 * on `DENO_SERVE_ADDRESS`) and ends when dev does. dev holds the other end of the worker's
 * standard input, so a worker never outlives dev however dev ends (even `kill -9`); on that, or
 * on SIGINT/SIGTERM, the shared `llmService` gets up to two seconds to write its last rows, as
 * the Edge Runtime's `beforeunload` gives it.
 *
 * ```sh
 * deno run --allow-all tools/dev/worker-entry.ts supabase/functions/chat/index.ts
 * ```
 *
 * @module
 */
import { llmService } from "../../supabase/functions/_shared/llm-service.ts";

/** Flushes the shared service (bounded) and exits. */
async function shutdown(): Promise<never> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    llmService.flush().catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, 2_000)),
  ]);
  clearTimeout(timer);
  Deno.exit(0);
}

if (import.meta.main) {
  const [entry] = Deno.args;
  if (!entry) {
    console.error("Usage: worker-entry.ts <path or file: URL of a function's index.ts>");
    Deno.exit(2);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, shutdown);
    } catch { /* not supported on this platform */ }
  }
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* dev never writes: wait for the end */ }
    } finally {
      await shutdown();
    }
  })();
  await import(entry.startsWith("file:") ? entry : new URL(entry, `file://${Deno.cwd()}/`).href);
}
