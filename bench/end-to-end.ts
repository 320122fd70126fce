/**
 * The benchmark that decides: the service as a user meets it, end to end. A client process calls
 * an Edge Function handler process that relays a raw `fetch` of OpenRouter (natively, through
 * JavaScript, or keeping a hand-made row of each call) or calls `llmService` (logging on, the
 * default Supabase sink posting each row over HTTP); OpenRouter is the project's simulator and the
 * Data API a loopback endpoint, each in a process of its own. See bench/end-to-end/handler.ts.
 *
 * It prints chat and stream timings (alternating blocks, ratios from the same run), time to first
 * byte, and the handler's peak memory under 200 concurrent streams, against the targets of
 * docs/benchmarks.md. `BENCH_QUICK=1` makes it tiny (the test suite checks that it still runs).
 * `BENCH_BASELINE=<another checkout>` adds a fifth side, that checkout's service, so a change is
 * judged against the version before it in the same run (a "vs before" column).
 *
 * @module
 */
import { type ListeningProcess, startPeers, startProcess } from "./peer.ts";

const quick = Deno.env.get("BENCH_QUICK") === "1";
const here = (path: string) => new URL(path, import.meta.url).pathname;

type Mode = "raw" | "js" | "logged" | "service" | "before";
/** The checkout whose service is the "before" side, if any. */
const baseline = Deno.env.get("BENCH_BASELINE");
const MODES: Mode[] = ["raw", "js", "logged", "service", ...(baseline ? ["before" as const] : [])];
/** The sides the service is compared with. */
type Other = Exclude<Mode, "service">;

/** What the client prints for one kind of call (see client.ts). */
interface SideTiming {
  meanMs: Record<Mode, number>;
  ratios: Record<Other, { ratio: number; quartiles: number[] }>;
}

/** Runs the client in a fresh process and parses the JSON it prints. */
async function client<T>(args: string[]): Promise<T> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", "--no-lock", here("./end-to-end/client.ts"), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)) as T;
}

/** Starts one handler process, unpinned, with the Deno running this benchmark. */
function handler(mode: Mode, openrouter: string, supabase: string): Promise<ListeningProcess> {
  if (mode === "before") {
    const module = `${baseline}/bench/end-to-end/handler.ts`;
    return startProcess(module, ["service", openrouter, supabase], {});
  }
  return startProcess(here("./end-to-end/handler.ts"), [mode, openrouter, supabase], {});
}

/** Runs `fn` with a fresh handler of every mode, then stops them and their peers. */
async function withHandlers<T>(fn: (handlers: Record<Mode, ListeningProcess>) => Promise<T>) {
  const peers = await startPeers();
  const handlers = {} as Record<Mode, ListeningProcess>;
  try {
    for (const mode of MODES) {
      handlers[mode] = await handler(mode, peers.openrouter, peers.supabase);
    }
    return await fn(handlers);
  } finally {
    await Promise.all([...Object.values(handlers).map((h) => h.close()), peers.close()]);
  }
}

/**
 * Peak RSS of a fresh handler of each mode after `streams` concurrent long streams. The
 * hand-logged relay is left out: it is a floor for time, not memory (it keeps each stream's text
 * as JavaScript strings: 770–972 MB on Deno 2.9.6, about 3× the service). On Deno 2.1.14 the JS
 * relay alone peaks near 18 GB: run this phase there only with that much memory to spare.
 */
function peakMemory(streams: number, chunks: number): Promise<Record<Mode, number>> {
  return withHandlers(async (handlers) => {
    const peak = {} as Record<Mode, number>;
    for (const mode of MODES.filter((mode) => mode !== "logged")) {
      await client(["load", handlers[mode].url, String(streams), String(chunks)]);
      peak[mode] = (await (await fetch(`${handlers[mode].url}/peak-rss`)).json()).peakRssMb;
    }
    return peak;
  });
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((cells) => cells[i].length)));
  for (const cells of rows) {
    console.log("  " + cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
  }
}

function signedMs(ms: number): string {
  return `${ms >= 0 ? "+" : ""}${ms.toFixed(3)} ms`;
}

function verdict(met: boolean): string {
  return met ? "met" : "MISSED";
}

/**
 * One table row: the service against the native relay, a JavaScript relay and a hand-logged
 * relay (the floor of any logger that stores whole calls).
 */
function row(what: string, t: SideTiming, target: string, met: boolean): string[] {
  const ms = (mode: Mode) => `${t.meanMs[mode].toFixed(3)} ms`;
  const ratio = (mode: Other) => {
    const { ratio, quartiles } = t.ratios[mode];
    return `${ratio.toFixed(2)}× (${quartiles.map((q) => q.toFixed(2)).join(" / ")})`;
  };
  return [
    what,
    ms("raw"),
    ms("js"),
    ms("logged"),
    ms("service"),
    ratio("raw"),
    ratio("js"),
    ratio("logged"),
    target,
    verdict(met),
    ...(baseline ? [ms("before"), ratio("before")] : []),
  ];
}

if (import.meta.main) {
  const rounds = quick ? 2 : Number(Deno.env.get("BENCH_ROUNDS") ?? 20);
  const block = quick ? 4 : 200;
  const [streams, chunks] = quick ? [4, 50] : [200, 2_000];
  const timing = await withHandlers((handlers) =>
    client<Record<"chat" | "stream" | "firstByte", SideTiming>>([
      "timing",
      String(rounds),
      String(block),
      ...MODES.map((mode) => `${mode}=${handlers[mode].url}`),
    ])
  );
  const { chat, stream, firstByte } = timing;
  const added = firstByte.meanMs.service - firstByte.meanMs.raw;
  const header = ["what", "raw relay", "JS relay", "hand-logged", "llmService"]
    .concat(["vs raw (quartiles)", "vs JS", "vs hand-logged", "target", ""])
    .concat(baseline ? ["before", "vs before"] : []);
  console.log(`\nend to end: client → Edge Function handler → OpenRouter simulator`);
  console.log(`(${rounds} rounds of alternating blocks, Deno ${Deno.version.deno})`);
  printTable([
    header,
    row("chat call, to the parsed JSON", chat, "≤ 1.10× raw", chat.ratios.raw.ratio <= 1.1),
    // Streams are judged against the JavaScript relay: the raw relay never lets the bytes into
    // JavaScript, which no logger of the stream's content can match.
    row(
      "stream, 2,000 chunks, to the last byte",
      stream,
      "≤ 1.00× JS relay",
      stream.ratios.js.ratio <= 1,
    ),
    [
      ...row("stream, time to first byte", firstByte, "≤ +0.5 ms", added <= 0.5).slice(0, 5),
      signedMs(added),
      "",
      signedMs(firstByte.meanMs.service - firstByte.meanMs.logged),
      "≤ +0.5 ms",
      verdict(added <= 0.5),
      ...(baseline
        ? [
          `${firstByte.meanMs.before.toFixed(3)} ms`,
          signedMs(firstByte.meanMs.service - firstByte.meanMs.before),
        ]
        : []),
    ],
  ]);
  // Printed apart: under load, the memory phase can take much longer than the timings.
  const memory = await peakMemory(streams, chunks);
  const mb = (mode: Mode) => `${memory[mode]} MB`;
  const memoryRatio = (mode: Other) => `${(memory.service / memory[mode]).toFixed(2)}×`;
  printTable([
    header,
    [
      `handler peak RSS, ${streams} streams × ${chunks} chunks at once`,
      mb("raw"),
      mb("js"),
      "",
      mb("service"),
      memoryRatio("raw"),
      memoryRatio("js"),
      "",
      "≤ 1.50× JS relay",
      verdict(memory.service / memory.js <= 1.5),
      ...(baseline ? [mb("before"), memoryRatio("before")] : []),
    ],
  ]);
}
