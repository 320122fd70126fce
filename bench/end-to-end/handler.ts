// An Edge Function handler as a user would write it, in one of three modes, for the end-to-end
// benchmark: `raw` relays a plain `fetch` of OpenRouter (no logging; a stream's body is handed to
// Deno.serve as is, so its bytes never enter JavaScript), `js` relays the same stream through a
// JavaScript pass-through (the floor of any logger that sees the bytes), `service` calls
// `llmService` with the default Supabase sink posting each row over HTTP. It prints its URL, then
// serves `POST /chat` (JSON in, the completion JSON out), `POST /stream` (the SSE stream relayed)
// and `GET /peak-rss` (this process's peak resident memory, from /proc).
// Arguments: raw|js|service <openrouter url> <supabase url>
import { benchService, rawFetch } from "../subjects.ts";

const [mode, openrouter, supabase] = Deno.args;
if (!["raw", "js", "service"].includes(mode)) throw new TypeError(`Unknown mode "${mode}"`);

const service = benchService(openrouter, supabase);
const raw = rawFetch(openrouter);
const usage = { include: true };

async function chat(body: Record<string, unknown>): Promise<Response> {
  if (mode === "service") {
    return Response.json(await service.chatCompletion(body as never, { edgeFunction: "bench" }));
  }
  const upstream = await raw({ ...body, usage });
  return Response.json(await upstream.json(), { status: upstream.status });
}

async function stream(body: Record<string, unknown>): Promise<Response> {
  if (mode === "service") {
    return await service.streamCompletion(body as never, { edgeFunction: "bench" });
  }
  const upstream = await raw({ ...body, stream: true, usage });
  return new Response(mode === "js" ? passThrough(upstream.body!) : upstream.body, {
    status: upstream.status,
    headers: { "content-type": "text/event-stream" },
  });
}

/** Hands on each chunk as it is read, nothing else. */
function passThrough(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** VmHWM of /proc/self/status: the most memory this process has held. */
async function peakRssMb(): Promise<number> {
  const status = await Deno.readTextFile("/proc/self/status");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 102.4) / 10;
}

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/peak-rss") return Response.json({ peakRssMb: await peakRssMb() });
  const body = await req.json();
  return path === "/stream" ? await stream(body) : await chat(body);
});
console.log(`http://127.0.0.1:${server.addr.port}`);
