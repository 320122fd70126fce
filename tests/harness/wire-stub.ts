/**
 * An in-process OpenRouter that answers every request with one recorded response, for the
 * service's `fetch` option: no sockets, no ports, the body's bytes cut exactly as asked.
 *
 * @module
 */

/** How a recorded body is cut into the chunks the reader receives. */
export type WireSplit =
  /** The whole body in one chunk. */
  | "none"
  /** One byte per chunk: every multi-byte character and every CRLF is split. */
  | "bytes"
  /** Chunks of at most this many bytes. */
  | number
  /** Cut at exactly these byte offsets, ascending. */
  | readonly number[];

/** One recorded HTTP response. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** @default {"none"} */
  split?: WireSplit;
}

/** What the stub saw: every request the service sent, its body parsed. */
export interface WireStub {
  fetch: typeof fetch;
  requests: { url: string; method: string; headers: Headers; json: unknown }[];
}

/**
 * A `fetch` that answers every request with `response`, honouring the request's abort signal.
 *
 * @example
 * ```ts
 * const stub = wireStub({ status: 200, headers: {}, body: new TextEncoder().encode("{}") });
 * const service = new LLMService({ fetch: stub.fetch, apiKey: "sk-or-v1-test", sink });
 * ```
 */
export function wireStub(response: WireResponse): WireStub {
  const requests: WireStub["requests"] = [];
  const stubFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const text = await request.text();
    requests.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      json: text ? JSON.parse(text) : null,
    });
    request.signal.throwIfAborted();
    const chunks = cutBody(response.body, response.split ?? "none");
    const body = response.status === 204 || response.status === 304 ? null : chunkStream(chunks);
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: stubFetch, requests };
}

/**
 * Cuts bytes into chunks as `split` says.
 *
 * @example
 * ```ts
 * cutBody(new Uint8Array([1, 2, 3]), "bytes").length; // 3
 * ```
 */
export function cutBody(body: Uint8Array, split: WireSplit): Uint8Array[] {
  if (body.length === 0) return [];
  if (split === "none") return [body];
  const offsets: number[] = [];
  if (split === "bytes" || typeof split === "number") {
    const size = split === "bytes" ? 1 : split;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Cannot cut a body into chunks of ${size} bytes`);
    }
    for (let at = size; at < body.length; at += size) offsets.push(at);
  } else {
    offsets.push(...split.filter((at) => at > 0 && at < body.length));
  }
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const at of [...offsets, body.length]) {
    if (at > start) chunks.push(body.subarray(start, at));
    start = Math.max(start, at);
  }
  return chunks;
}

/** A body that hands out one chunk per pull, so each is a separate read. */
function chunkStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++].slice());
      else controller.close();
    },
  });
}
