/**
 * The benchmarks' network peers, each in a process of its own so their work does not share the
 * measured process's event loop: the OpenRouter simulator, and a loopback endpoint that accepts
 * Supabase Data API inserts (`POST /rest/v1/llm_call_logs` → 201) the way PostgREST answers
 * them, after reading the whole body.
 *
 * Run with `openrouter` or `supabase`, it prints its URL once it listens.
 *
 * @module
 */
import { startOpenRouterSimulator } from "../tools/openrouter-simulator/mod.ts";

/** The URLs of a running peer process. */
export interface Peers {
  openrouter: string;
  supabase: string;
  close(): Promise<void>;
}

/** Starts the two peer processes and waits for their URLs. */
export async function startPeers(): Promise<Peers> {
  const self = new URL(import.meta.url).pathname;
  const [simulator, inserts] = await Promise.all([
    startProcess(self, ["openrouter"]),
    startProcess(self, ["supabase"]),
  ]);
  return {
    openrouter: simulator.url,
    supabase: inserts.url,
    close: async () => void await Promise.all([simulator.close(), inserts.close()]),
  };
}

/** A process of the benchmark that listens on a URL. */
export interface ListeningProcess {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts a module that prints its URL as its first line of output, and resolves once it has.
 *
 * By default it is placed as a peer: with the Deno `BENCH_PEER_DENO` names, else this one
 * (benching under the Edge Runtime's Deno 2.1 while the peers run on a current Deno keeps the
 * comparison about the caller's side: 2.1's own server is slower to stream, which would hide it),
 * and with `BENCH_PEER_CPUS` (a `taskset` CPU list) on those CPUs only, so that pinning the bench
 * itself elsewhere gives the caller a core the peers cannot take from it. Pass `{}` to run a
 * measured subject with this Deno, unpinned.
 */
export async function startProcess(
  module: string,
  moduleArgs: string[],
  options: { deno?: string; cpus?: string } = peerPlacement(),
): Promise<ListeningProcess> {
  const { deno = Deno.execPath(), cpus } = options;
  // The peers import nothing from npm, so they need no lock file; without one they also start
  // under Deno 2.1 (the Edge Runtime's), which cannot read this lock file's format.
  const args = ["run", "-A", "--no-lock", module, ...moduleArgs];
  const child = new Deno.Command(cpus ? "taskset" : deno, {
    args: cpus ? ["--cpu-list", cpus, deno, ...args] : args,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The benchmark peer process exited before it listened");
    text += value;
  }
  reader.releaseLock();
  return {
    url: text.slice(0, text.indexOf("\n")),
    pid: child.pid,
    close: async () => {
      try {
        child.kill();
      } catch { /* it has exited already (killed for memory, say): its status says how */ }
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** Where the peers run: `BENCH_PEER_DENO` and `BENCH_PEER_CPUS`, when set. */
function peerPlacement(): { deno?: string; cpus?: string } {
  return {
    deno: Deno.env.get("BENCH_PEER_DENO") || undefined,
    cpus: Deno.env.get("BENCH_PEER_CPUS") || undefined,
  };
}

if (import.meta.main) {
  if (Deno.args[0] === "openrouter") {
    // Nothing reads this simulator's exchanges: keeping them (64 MiB by default) would grow its
    // heap through the run, so that later benches met a slower simulator than earlier ones.
    console.log((await startOpenRouterSimulator({ maxRecordedBytes: 0 })).url);
  } else {
    const accept = async (req: Request) => {
      await req.arrayBuffer();
      return new Response(null, { status: 201 });
    };
    const inserts = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, accept);
    console.log(`http://127.0.0.1:${inserts.addr.port}`);
  }
}
