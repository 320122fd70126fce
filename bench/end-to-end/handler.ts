// An Edge Function handler as a user would write it, in one of four modes, for the end-to-end
// benchmark: `raw` relays a plain `fetch` of OpenRouter (no logging; a stream's body is handed to
// Deno.serve as is, so its bytes never enter JavaScript), `js` relays the same stream through a
// JavaScript pass-through (the floor of any logger that sees the bytes), `logged` is the JS relay
// that also keeps a row of each call (the request and the response or streamed text) and posts the
// rows to the Data API every 100 ms in one request (the floor of any logger that stores whole
// calls: no validation, cost, sanitising, retry or fallback), `service` calls `llmService` with
// the default Supabase sink posting each row over HTTP. It prints its URL, then
// serves `POST /chat` (JSON in, the completion JSON out), `POST /stream` (the SSE stream relayed)
// and `GET /peak-rss` (this process's peak resident memory, from /proc).
// Arguments: raw|js|logged|service <openrouter url> <supabase url>
import { benchService, rawFetch } from "../subjects.ts";

const [mode, openrouter, supabase] = Deno.args;
if (!["raw", "js", "logged", "service"].includes(mode)) {
  throw new TypeError(`Unknown mode "${mode}"`);
}

const service = benchService(openrouter, supabase);
const raw = rawFetch(openrouter);
const usage = { include: true };

async function chat(body: Record<string, unknown>): Promise<Response> {
  if (mode === "service") {
    return Response.json(await service.chatCompletion(body as never, { edgeFunction: "bench" }));
  }
  const started = Date.now();
  const upstream = await raw({ ...body, usage });
  const completion = await upstream.json();
  if (mode === "logged") keep(body, started, upstream.status, { response_body: completion });
  return Response.json(completion, { status: upstream.status });
}

async function stream(body: Record<string, unknown>): Promise<Response> {
  if (mode === "service") {
    return await service.streamCompletion(body as never, { edgeFunction: "bench" });
  }
  const started = Date.now();
  const upstream = await raw({ ...body, stream: true, usage });
  let relayed: ReadableStream<Uint8Array> = upstream.body!;
  if (mode === "logged") {
    // Decoded as it passes: a kept chunk would hold the whole buffer `fetch` read it into (200
    // streams of 2,000 chunks kept that way reached 18 GB), and `+=` builds a rope per stream.
    const decoder = new TextDecoder();
    const pieces: string[] = [];
    relayed = passThrough(
      relayed,
      (chunk) => pieces.push(decoder.decode(chunk, { stream: true })),
      () => keep(body, started, upstream.status, { completion_text: pieces.join("") }),
    );
  } else if (mode === "js") {
    relayed = passThrough(relayed);
  }
  return new Response(relayed, {
    status: upstream.status,
    headers: { "content-type": "text/event-stream" },
  });
}

/** Hands on each chunk as it is read, showing it to `seen`; `ended` runs at the end. */
function passThrough(
  body: ReadableStream<Uint8Array>,
  seen?: (chunk: Uint8Array) => void,
  ended?: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        ended?.();
      } else {
        seen?.(value);
        controller.enqueue(value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The `logged` mode's rows not yet posted. */
let rows: Record<string, unknown>[] = [];

/** Keeps a row of the call, posted with the others of the next 100 ms. */
function keep(
  request: Record<string, unknown>,
  started: number,
  status: number,
  output: Record<string, unknown>,
): void {
  if (rows.length === 0) setTimeout(post, 100);
  const { messages, ...params } = request;
  rows.push({
    id: crypto.randomUUID(),
    created_at: new Date(started).toISOString(),
    model: request.model,
    request_messages: messages,
    request_params: params,
    http_status: status,
    response_time_ms: Date.now() - started,
    ...output,
  });
}

async function post(): Promise<void> {
  const batch = rows;
  rows = [];
  const response = await fetch(`${supabase}/rest/v1/llm_call_logs`, {
    method: "POST",
    headers: { "content-type": "application/json", prefer: "return=minimal" },
    body: JSON.stringify(batch),
  });
  await response.body?.cancel();
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
