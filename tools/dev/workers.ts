/**
 * One Deno process per Edge Function, as the Edge Runtime isolates them: each runs its
 * `supabase/functions/<name>/index.ts` with `DENO_SERVE_ADDRESS` pointing `Deno.serve` at a
 * free loopback port, its output prefixed with `[<name>]`.
 *
 * This file is also the worker's entry point (`import.meta.main` below): it imports the
 * function and ends when dev does. dev holds the other end of the worker's standard input, so a
 * worker never outlives dev however dev ends (even `kill -9`); on that, or on SIGINT/SIGTERM,
 * the shared `llmService` gets up to two seconds to write its last rows, as the Edge Runtime's
 * `beforeunload` gives it.
 *
 * @module
 */

/** An Edge Function found on disk. */
export interface FunctionEntry {
  /** The folder name, which is the function's name in its URL. */
  name: string;
  /** Its `index.ts`. */
  entry: URL;
  /** Its own `deno.json` (or `deno.jsonc`), when it has one. */
  config?: URL;
}

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  function: FunctionEntry;
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
  /** Working directory. @default {the current one} */
  cwd?: string | URL;
  /** Receives each output line, prefixed. @default {console.log} */
  log?: (line: string) => void;
}

/** A running function process. */
export interface FunctionWorker {
  /** `http://127.0.0.1:<port>`, where its `Deno.serve` listens. */
  readonly origin: string;
  /** Whether the process is still running. */
  readonly running: boolean;
  /** Ends the process (stdin closed, then SIGTERM, then SIGKILL) and waits for its output. */
  stop(): Promise<void>;
}

const ENTRY = new URL(import.meta.url);
/** How long a function may take to listen: its first run compiles it. */
const START_TIMEOUT_MS = 60_000;

/**
 * Lists `<dir>/*\/index.ts`, skipping folders whose name starts with `_` or `.` (shared code,
 * as on Supabase), sorted by name.
 */
export async function discoverFunctions(dir: URL): Promise<FunctionEntry[]> {
  const found: FunctionEntry[] = [];
  for await (const folder of Deno.readDir(dir)) {
    if (!folder.isDirectory || /^[_.]/.test(folder.name)) continue;
    const base = new URL(`${folder.name}/`, dir);
    const entry = new URL("index.ts", base);
    if (!isFile(entry)) continue;
    const config = [new URL("deno.json", base), new URL("deno.jsonc", base)].find(isFile);
    found.push({ name: folder.name, entry, ...(config ? { config } : {}) });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Starts a function and resolves once its port accepts connections. */
export async function startWorker(options: WorkerOptions): Promise<FunctionWorker> {
  const { name, entry, config } = options.function;
  const log = options.log ?? console.log;
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      ...(config ? ["--config", decodeURIComponent(config.pathname)] : []),
      decodeURIComponent(ENTRY.pathname),
      entry.href,
    ],
    cwd: options.cwd,
    clearEnv: true,
    env: { ...options.env, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}` },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const quiet = new RegExp(`^Listening on http://127\\.0\\.0\\.1:${port}/?$`);
  const forward = (line: string) => quiet.test(line) || log(`[${name}] ${line}`);
  const output = Promise.all([pumpLines(child.stdout, forward), pumpLines(child.stderr, forward)]);
  let running = true;
  let stopping = false;
  const exited = child.status.then((status) => {
    running = false;
    if (!stopping) log(`[${name}] exited with code ${status.code}: restart deno task dev`);
    return status;
  });
  const stop = async () => {
    stopping = true;
    if (running) await terminate(child, exited);
    await Promise.all([exited, output]);
  };
  try {
    await waitForPort(port, exited, name);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    get running() {
      return running;
    },
    stop,
  };
}

/** Closes stdin (the worker exits by itself), then escalates to SIGTERM and SIGKILL. */
async function terminate(child: Deno.ChildProcess, exited: Promise<unknown>): Promise<void> {
  await child.stdin.close().catch(() => {});
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    if (await settlesWithin(exited, 2_000)) return;
    try {
      child.kill(signal);
    } catch { /* it exited meanwhile */ }
  }
}

async function waitForPort(port: number, exited: Promise<Deno.CommandStatus>, name: string) {
  let code: number | undefined;
  exited.then((status) => code = status.code);
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline;) {
    if (code !== undefined) {
      throw new Error(`Function "${name}" exited with code ${code} before listening`);
    }
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(
    `Function "${name}" did not listen on port ${port} within ${START_TIMEOUT_MS} ms`,
  );
}

/** Calls `onLine` for each line of `stream`, decoded as UTF-8. */
async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => unknown,
): Promise<void> {
  let rest = "";
  try {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + text).split(/\r?\n/);
      rest = lines.pop()!;
      for (const line of lines) onLine(line);
    }
  } catch { /* the process was killed mid-line */ }
  if (rest) onLine(rest);
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
  ]).finally(() => clearTimeout(timer));
}

/** A port that was free a moment ago (the function binds it right after). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

function isFile(url: URL): boolean {
  try {
    return Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}

/** The worker process: runs the function at `entry` until dev closes our stdin or signals. */
async function runWorker(entry: string): Promise<void> {
  const { llmService } = await import("../../supabase/functions/_shared/llm-service.ts");
  const shutdown = async () => {
    await settlesWithin(llmService.flush().catch(() => {}), 2_000);
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, shutdown);
    } catch { /* SIGTERM: not on Windows */ }
  }
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* dev never writes: wait for the end */ }
    } finally {
      await shutdown();
    }
  })();
  await import(entry);
}

if (import.meta.main) await runWorker(Deno.args[0]);
