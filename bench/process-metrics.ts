/**
 * The figures `deno bench` cannot take: cold start (a fresh process importing `llm-service.ts`
 * against one importing nothing), peak memory while 200 streams of 2,000 chunks run at once
 * (through the service, logging on, against the same streams through raw `fetch`), and
 * `chatCompletion` against raw `fetch` in alternating blocks of calls (deno bench times one side
 * after the other, so a slow spell of a shared machine can fall on one side only). Each runs in
 * processes of its own; figures are printed as a table.
 *
 * `BENCH_QUICK=1` makes it tiny (the test suite checks that it still runs).
 *
 * @module
 */
import { startPeers } from "./peer.ts";

const quick = Deno.env.get("BENCH_QUICK") === "1";
const here = (path: string) => new URL(path, import.meta.url).pathname;

/** Runs a Deno module in a fresh process and returns its stdout. */
async function runModule(file: string, args: string[] = []): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", file, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

/** Mean wall time of `runs` fresh processes, alternating the two files to share conditions. */
async function coldStart(runs: number): Promise<{ empty: number; service: number }> {
  const empty = here("./fixtures/empty.ts");
  const service = here("./fixtures/import-service.ts");
  await runModule(service); // module cache filled, as in a deployed bundle
  const total = { empty: 0, service: 0 };
  for (let i = 0; i < runs; i++) {
    for (const [key, file] of [["empty", empty], ["service", service]] as const) {
      const started = performance.now();
      await runModule(file);
      total[key] += performance.now() - started;
    }
  }
  return { empty: total.empty / runs, service: total.service / runs };
}

/** chatCompletion and raw fetch timed in alternating blocks, in a fresh process. */
async function interleavedChat(rounds: number, block: number) {
  const peers = await startPeers();
  try {
    const out = await runModule(here("./fixtures/interleaved-chat.ts"), [
      peers.openrouter,
      peers.supabase,
      String(rounds),
      String(block),
    ]);
    return JSON.parse(out) as {
      rawMicros: number;
      serviceMicros: number;
      ratio: number;
      blockRatios: number[];
    };
  } finally {
    await peers.close();
  }
}

/** Peak RSS of a process running `streams` concurrent streams of `chunks` chunks. */
async function peakMemory(mode: "raw" | "service", streams: number, chunks: number) {
  const peers = await startPeers();
  try {
    const out = await runModule(here("./fixtures/concurrent-streams.ts"), [
      mode,
      peers.openrouter,
      peers.supabase,
      String(streams),
      String(chunks),
    ]);
    return JSON.parse(out) as { peakRssMb: number; baseRssMb: number; seconds: number };
  } finally {
    await peers.close();
  }
}

if (import.meta.main) {
  const start = await coldStart(quick ? 1 : 20);
  const [streams, chunks] = quick ? [4, 50] : [200, 2_000];
  const raw = await peakMemory("raw", streams, chunks);
  const service = await peakMemory("service", streams, chunks);
  const [rounds, block] = quick ? [2, 5] : [40, 250];
  const ab = await interleavedChat(rounds, block);
  const quartiles = ab.blockRatios.map((r) => r.toFixed(2)).join(" / ");
  const rows = [
    ["cold start, importing nothing", `${start.empty.toFixed(1)} ms`, ""],
    [
      "cold start, importing llm-service.ts",
      `${start.service.toFixed(1)} ms`,
      `+${(start.service - start.empty).toFixed(1)} ms`,
    ],
    [`peak RSS, ${streams} streams × ${chunks} chunks, raw fetch`, `${raw.peakRssMb} MB`, ""],
    [
      `peak RSS, ${streams} streams × ${chunks} chunks, streamCompletion, logging on`,
      `${service.peakRssMb} MB`,
      `${(service.peakRssMb / raw.peakRssMb).toFixed(2)}×`,
    ],
    [
      `chatCompletion, ${rounds} × 2 alternating blocks of ${block}, raw fetch`,
      `${ab.rawMicros} µs`,
      "",
    ],
    [
      `chatCompletion, ${rounds} × 2 alternating blocks of ${block}, logging on`,
      `${ab.serviceMicros} µs`,
      `${ab.ratio.toFixed(2)}× (blocks' quartiles ${quartiles})`,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log("\nprocess metrics");
  for (const [name, value, ratio] of rows) {
    console.log(`  ${name.padEnd(width)}  ${value.padStart(9)}  ${ratio}`);
  }
}
