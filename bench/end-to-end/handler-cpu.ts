// The end-to-end handler's CPU time per call, for the service of several checkouts side by side:
// each checkout's handler (its bench/end-to-end/handler.ts, `service` mode) runs in a process of
// its own behind the same simulator and Data API endpoint, called in alternating blocks whose
// order rotates every round; the CPU time is read from /proc/<pid>/stat (Linux), which moves far
// less than wall time on a shared machine. docs/benchmarks.md ("What issue 14 removed") used it.
//   deno run -A bench/end-to-end/handler-cpu.ts chat|stream <rounds> <calls per block> <dir>...
import { startPeers, startProcess } from "../peer.ts";
import { chat, long } from "../subjects.ts";

const [kind, rounds, block, ...dirs] = Deno.args;
if (kind !== "chat" && kind !== "stream") throw new TypeError(`Unknown kind "${kind}"`);

/** User plus system CPU time of a process, in ms (the kernel counts 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function call(url: string): Promise<void> {
  const body = JSON.stringify(kind === "chat" ? chat : long);
  const response = await fetch(`${url}/${kind}`, { method: "POST", body });
  await response.arrayBuffer();
}

const peers = await startPeers();
const handlers = await Promise.all(
  dirs.map((dir) =>
    startProcess(`${dir}/bench/end-to-end/handler.ts`, [
      "service",
      peers.openrouter,
      peers.supabase,
    ], {})
  ),
);
try {
  for (const handler of handlers) for (let i = 0; i < Number(block); i++) await call(handler.url);
  const cpu = dirs.map(() => 0);
  const wall = dirs.map(() => 0);
  for (let round = 0; round < Number(rounds); round++) {
    for (let k = 0; k < dirs.length; k++) {
      const side = (round + k) % dirs.length;
      const { pid, url } = handlers[side];
      const [cpuBefore, started] = [cpuMs(pid), performance.now()];
      for (let i = 0; i < Number(block); i++) await call(url);
      wall[side] += performance.now() - started;
      // Rows are prepared in batches every 100 ms: let this block's land before reading the CPU.
      await new Promise((resolve) => setTimeout(resolve, 300));
      cpu[side] += cpuMs(pid) - cpuBefore;
    }
  }
  const calls = Number(rounds) * Number(block);
  for (const [i, dir] of dirs.entries()) {
    const perCall = (total: number) => (total / calls).toFixed(2);
    console.log(
      `${kind} ${dir}: handler CPU ${perCall(cpu[i])} ms/call, wall ${perCall(wall[i])} ms/call`,
    );
  }
} finally {
  await Promise.all([...handlers.map((handler) => handler.close()), peers.close()]);
}
