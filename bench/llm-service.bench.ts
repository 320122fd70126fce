/**
 * What the service costs its callers: each bench runs the service and a raw `fetch` of the same
 * simulator in one group, the raw `fetch` being the baseline. Logging is on, through the
 * Supabase sink posting to a loopback endpoint that accepts the insert: the client-side work a
 * deployed function pays.
 *
 * `BENCH_QUICK=1` runs each bench once (the test suite uses it to check the file still runs).
 *
 * @module
 */
import { startPeers } from "./peer.ts";
import { benchService, chat, long, rawFetch, short } from "./subjects.ts";

const quick = Deno.env.get("BENCH_QUICK") === "1" ? { n: 1, warmup: 0 } : {};
const peers = await startPeers();
const service = benchService(peers.openrouter, peers.supabase);
const raw = rawFetch(peers.openrouter);

// The peers are fresh processes whose code is still being optimised: warm them up first, or
// whichever bench runs first pays for it (deno bench's own warm-up only warms this process).
if (!quick.n) {
  for (let i = 0; i < 3_000; i++) {
    await (await raw({ ...chat, usage: { include: true } })).json();
    await service.chatCompletion(chat);
  }
  for (let i = 0; i < 20; i++) {
    await (await raw({ ...long, stream: true, usage: { include: true } })).arrayBuffer();
    await (await service.streamCompletion(long)).arrayBuffer();
  }
  await service.flush();
}

Deno.bench({
  name: "raw fetch + json()",
  group: "chatCompletion, per call",
  baseline: true,
  ...quick,
  async fn() {
    await (await raw({ ...chat, usage: { include: true } })).json();
  },
});

Deno.bench({
  name: "llmService.chatCompletion, logging on",
  group: "chatCompletion, per call",
  ...quick,
  async fn() {
    await service.chatCompletion(chat);
  },
});

Deno.bench({
  name: "raw fetch, body read to the end",
  group: "streamCompletion, 2,000 chunks",
  baseline: true,
  ...quick,
  async fn() {
    await (await raw({ ...long, stream: true, usage: { include: true } })).arrayBuffer();
  },
});

Deno.bench({
  name: "llmService.streamCompletion, body read to the end, logging on",
  group: "streamCompletion, 2,000 chunks",
  ...quick,
  async fn() {
    await (await service.streamCompletion(long)).arrayBuffer();
  },
});

// Not a competitor, a floor: any logger must see each chunk in JavaScript. This reads the raw
// body with the cheapest reader there is (BYOB into one reused buffer) and does nothing else.
Deno.bench({
  name: "raw fetch, every chunk seen in JavaScript (BYOB, no logging)",
  group: "streamCompletion, 2,000 chunks",
  ...quick,
  async fn() {
    const body = (await raw({ ...long, stream: true, usage: { include: true } })).body!;
    const reader = body.getReader({ mode: "byob" });
    let buffer = new ArrayBuffer(16_384);
    while (true) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done || !value) break;
      buffer = value.buffer as ArrayBuffer;
    }
  },
});

/** Reads a body chunk by chunk, as an SSE client or Deno.serve relaying a stream does. */
async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  while (!(await reader.read()).done);
}

Deno.bench({
  name: "raw fetch, read chunk by chunk",
  group: "streamCompletion, 2,000 chunks, chunk by chunk",
  baseline: true,
  ...quick,
  async fn() {
    await drain((await raw({ ...long, stream: true, usage: { include: true } })).body!);
  },
});

Deno.bench({
  name: "llmService.streamCompletion, read chunk by chunk, logging on",
  group: "streamCompletion, 2,000 chunks, chunk by chunk",
  ...quick,
  async fn() {
    await drain((await service.streamCompletion(long)).body!);
  },
});

// Timed from the call to the first chunk; the rest of the body is then read outside the timing,
// so neither side pays for a mid-stream disconnect at the simulator.
Deno.bench({
  name: "raw fetch, first chunk",
  group: "stream, time to first byte",
  baseline: true,
  ...quick,
  async fn(b) {
    b.start();
    const response = await raw({ ...short, stream: true, usage: { include: true } });
    const reader = response.body!.getReader();
    await reader.read();
    b.end();
    while (!(await reader.read()).done);
  },
});

Deno.bench({
  name: "llmService.streamCompletion, first chunk",
  group: "stream, time to first byte",
  ...quick,
  async fn(b) {
    b.start();
    const reader = (await service.streamCompletion(short)).body!.getReader();
    await reader.read();
    b.end();
    while (!(await reader.read()).done);
  },
});

globalThis.addEventListener("unload", () => void peers.close());
