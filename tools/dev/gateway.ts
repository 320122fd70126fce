/**
 * The local API gateway of `deno task dev`, on Supabase's paths: `/functions/v1/<name>/…` goes
 * to that function's worker, `/rest/v1/…` to the PostgREST stand-in (local database only), and
 * `/dev/sign-in` to the dashboard's local sign-in (local database only).
 *
 * Responses pass through as they come, so a stream reaches the client chunk by chunk; a client
 * that disconnects aborts the request to the worker, so the function sees the cancellation
 * (and logs the call as `cancelled`) as it would on Supabase.
 *
 * @module
 */

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** `0` picks a free one. */
  port: number;
  /** The origin (`http://127.0.0.1:PORT`) serving a function, or `null` when it is not running. */
  resolveFunction(name: string): string | null | undefined;
  /** Answers `/rest/v1/…`; absent, those paths are 404. */
  rest?: (request: Request) => Promise<Response>;
  /** Answers `/dev/sign-in` (the dashboard's local sign-in); absent, it is 404. */
  devSignIn?: (request: Request) => Promise<Response>;
}

/** A running gateway. */
export interface Gateway {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops accepting requests and waits for those in flight. */
  close(): Promise<void>;
}

const FUNCTION_PATH = /^\/functions\/v1\/([^/?#]+)(\/.*)?$/;
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host"];

/** Starts the gateway. */
export function startGateway(options: GatewayOptions): Gateway {
  const server = Deno.serve(
    { port: options.port, hostname: "127.0.0.1", onListen: () => {} },
    (request) => route(request, options),
  );
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

async function route(request: Request, options: GatewayOptions): Promise<Response> {
  const url = new URL(request.url);
  const fn = FUNCTION_PATH.exec(url.pathname);
  if (fn) {
    const name = decodeURIComponent(fn[1]);
    const origin = options.resolveFunction(name);
    if (!origin) {
      return origin === null
        ? gatewayError(503, "WORKER_UNAVAILABLE", `Function "${name}" is not running`)
        : gatewayError(404, "NOT_FOUND", "Requested function was not found");
    }
    // Functions see their own name as the first path segment, as on Supabase.
    return await proxy(request, new URL(`/${fn[1]}${fn[2] ?? ""}${url.search}`, origin));
  }
  if (options.rest && url.pathname.startsWith("/rest/v1/")) {
    try {
      return await options.rest(request);
    } catch (error) {
      return gatewayError(500, "PGRST000", `Stand-in failed: ${String(error)}`);
    }
  }
  if (options.devSignIn && url.pathname === "/dev/sign-in") return await options.devSignIn(request);
  return gatewayError(404, "NOT_FOUND", `No route for ${request.method} ${url.pathname}`);
}

/**
 * Forwards `request` to `target` and returns the worker's response, its body passed through
 * unbuffered. The client's signal is the forwarded request's: a client that goes away aborts it,
 * and the worker sees the cancellation.
 */
async function proxy(request: Request, target: URL): Promise<Response> {
  const headers = withoutHopByHop(request.headers);
  // Let the worker answer uncompressed: decoding it here would leave a stale content-encoding.
  headers.delete("accept-encoding");
  try {
    const response = await fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
      signal: request.signal,
    });
    const { body, status } = response;
    return new Response(body, { status, headers: withoutHopByHop(response.headers) });
  } catch (error) {
    if (request.signal.aborted) return new Response(null, { status: 499 });
    return gatewayError(502, "WORKER_ERROR", `Cannot reach the function: ${String(error)}`);
  }
}

function withoutHopByHop(headers: Headers): Headers {
  const copy = new Headers(headers);
  for (const name of HOP_BY_HOP) copy.delete(name);
  return copy;
}

/** An error in the shape Supabase's gateway uses. */
function gatewayError(status: number, code: string, message: string): Response {
  return Response.json({ code, message }, { status });
}
