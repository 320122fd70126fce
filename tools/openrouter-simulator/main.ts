/**
 * Starts the OpenRouter simulator from the command line, printing its URL and one line per
 * exchange, until Ctrl-C.
 *
 * ```sh
 * deno run -A tools/openrouter-simulator/main.ts --port 8787
 * # OpenRouter simulator at http://127.0.0.1:8787/api/v1
 * ```
 *
 * @module
 */
import { startOpenRouterSimulator } from "./server.ts";

/** The options `main.ts` reads from its arguments. */
export interface CliOptions {
  port: number;
  hostname: string;
  apiKey?: string;
}

/**
 * Reads `--port <n>` (default 8787), `--hostname <h>` (default 127.0.0.1) and
 * `--api-key <key>`; `--name=value` works too.
 *
 * @example
 * ```ts
 * parseArgs(["--port", "9000"]); // { port: 9000, hostname: "127.0.0.1" }
 * ```
 */
export function parseArgs(args: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const match = /^--(port|hostname|api-key)(?:=(.*))?$/.exec(args[i]);
    if (!match) {
      throw new TypeError(
        `Cannot read argument "${args[i]}": expected --port, --hostname or --api-key`,
      );
    }
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new TypeError(`Cannot read --${match[1]}: it needs a value`);
    values.set(match[1], value);
  }
  const port = Number(values.get("port") ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`Cannot listen on port "${values.get("port")}": expected 0 to 65535`);
  }
  const options: CliOptions = { port, hostname: values.get("hostname") ?? "127.0.0.1" };
  if (values.has("api-key")) options.apiKey = values.get("api-key");
  return options;
}

if (import.meta.main) {
  const sim = await startOpenRouterSimulator({ ...parseArgs(Deno.args), quiet: false });
  console.log(`OpenRouter simulator at ${sim.url}`);
  Deno.addSignalListener("SIGINT", () => {
    sim.close().then(() => Deno.exit(0));
  });
}
