// The client of the end-to-end benchmark, in a process of its own. It calls several handlers
// (see handler.ts) in alternating blocks, the order rotating every round so that a slow spell of
// a shared machine falls on every side alike, and prints per-call means and, for the `service`
// side, its ratio to every other side with the quartiles of the per-round ratios, as JSON.
//   timing <rounds> <calls per block> <side>=<url> ...
//   load <handler url> <streams> <chunks>   (concurrent long streams, read to the end)
import { chat, long, short } from "../subjects.ts";

/** One kind of call; resolves with the milliseconds it is judged on. */
type Probe = (base: string) => Promise<number>;

function post(base: string, path: string, body: object): Promise<Response> {
  return fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) });
}

const probes: Record<string, Probe> = {
  /** A chat completion, to the parsed JSON. */
  chat: async (base) => {
    const started = performance.now();
    await (await post(base, "/chat", chat)).json();
    return performance.now() - started;
  },
  /** A stream of 2,000 chunks, to its last byte. */
  stream: async (base) => {
    const started = performance.now();
    await (await post(base, "/stream", long)).arrayBuffer();
    return performance.now() - started;
  },
  /** A short stream: the time to its first body byte (then read to the end). */
  firstByte: async (base) => {
    const started = performance.now();
    const reader = (await post(base, "/stream", short)).body!.getReader();
    await reader.read();
    const took = performance.now() - started;
    while (!(await reader.read()).done) { /* drain */ }
    return took;
  },
};

/** What one probe measured: mean ms per side, and `service` against each other side. */
export interface SideTiming {
  meanMs: Record<string, number>;
  /** The service's total time over each other side's, with the per-round ratios' quartiles. */
  ratios: Record<string, { ratio: number; quartiles: number[] }>;
}

/** Runs `block` calls per side per round, rotating which side goes first. */
async function alternate(
  probe: Probe,
  urls: Record<string, string>,
  rounds: number,
  block: number,
): Promise<SideTiming> {
  const sides = Object.keys(urls);
  const total: Record<string, number> = Object.fromEntries(sides.map((side) => [side, 0]));
  const perRound: Record<string, number>[] = [];
  for (let round = 0; round < rounds; round++) {
    const took: Record<string, number> = {};
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(round + k) % sides.length];
      took[side] = 0;
      for (let i = 0; i < block; i++) took[side] += await probe(urls[side]);
      total[side] += took[side];
    }
    perRound.push(took);
  }
  const ratios: SideTiming["ratios"] = {};
  for (const side of sides.filter((side) => side !== "service")) {
    const sorted = perRound.map((took) => took.service / took[side]).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    ratios[side] = { ratio: total.service / total[side], quartiles: [at(0.25), at(0.5), at(0.75)] };
  }
  const meanMs = Object.fromEntries(sides.map((side) => [side, total[side] / (rounds * block)]));
  return { meanMs, ratios };
}

async function timing(urls: Record<string, string>, rounds: number, block: number) {
  // Warm every handler and the upstream before anything is measured.
  for (const probe of Object.values(probes)) {
    for (let i = 0; i < Math.min(200, block * 4); i++) {
      for (const url of Object.values(urls)) await probe(url);
    }
  }
  return {
    chat: await alternate(probes.chat, urls, rounds, block),
    stream: await alternate(probes.stream, urls, rounds, Math.max(1, Math.round(block / 10))),
    firstByte: await alternate(probes.firstByte, urls, rounds, block),
  };
}

async function load(url: string, streams: number, chunks: number) {
  const started = performance.now();
  await Promise.all(Array.from({ length: streams }, async () => {
    const reader = (await post(url, "/stream", { ...long, max_tokens: chunks })).body!.getReader();
    while (!(await reader.read()).done) { /* read as an SSE client does */ }
  }));
  return { seconds: (performance.now() - started) / 1000 };
}

const [command, ...args] = Deno.args;
const result = command === "timing"
  ? await timing(
    Object.fromEntries(args.slice(2).map((arg) => arg.split(/=(.*)/s, 2))),
    Number(args[0]),
    Number(args[1]),
  )
  : await load(args[0], Number(args[1]), Number(args[2]));
console.log(JSON.stringify(result));
