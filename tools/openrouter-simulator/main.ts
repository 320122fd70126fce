/**
 * Starts the OpenRouter simulator from the command line.
 *
 * ```sh
 * deno run -A tools/openrouter-simulator/main.ts --port 8787
 * # OpenRouter simulator at http://127.0.0.1:8787/api/v1
 * ```
 *
 * @module
 */
import { startOpenRouterSimulator } from "./server.ts";

if (import.meta.main) {
  const at = Deno.args.indexOf("--port");
  const port = at >= 0 ? Number(Deno.args[at + 1]) : 8787;
  const sim = await startOpenRouterSimulator({ port });
  console.log(`OpenRouter simulator at ${sim.url}`);
  Deno.addSignalListener("SIGINT", () => sim.close().then(() => Deno.exit(0)));
}
