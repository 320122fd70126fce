/**
 * The simulator's HTTP server: OpenRouter's routes on a loopback port, every exchange recorded.
 *
 * @module
 */
import { modelsBody } from "./catalogue.ts";

import { errorResponse } from "./error-bodies.ts";
import { type Exchange, type Recorder, type SimRequest, startRecording } from "./exchange.ts";
import { answerCompletion } from "./scenarios.ts";

/** Options of {@link startOpenRouterSimulator}. */
export interface SimulatorOptions {
  /** @default {0}: a free port */
  port?: number;
  /** @default {"127.0.0.1"} */
  hostname?: string;
  /** When set, only `Authorization: Bearer <apiKey>` is accepted; else any non-empty bearer. */
  apiKey?: string;
  /** Where `sim/transcript/<name>` reads `<name>.sse`. @default {tests/fixtures/streams/} */
  transcripts?: URL;
}

/** A running simulator. */
export interface OpenRouterSimulator extends AsyncDisposable {
  /** The API base URL, such as `http://127.0.0.1:PORT/api/v1`. */
  readonly url: string;
  readonly exchanges: Exchange[];
  /** Answers requests for `model` with `handler` instead of the built-in behaviour. */
  route(model: string, handler: (request: SimRequest) => Response | Promise<Response>): void;
  /** The next exchange (matching `filter`) received from now on, or already received and unclaimed. */
  nextExchange(filter?: (exchange: Exchange) => boolean): Promise<Exchange>;
  close(): Promise<void>;
}

const TRANSCRIPTS = new URL("../../tests/fixtures/streams/", import.meta.url);

/**
 * Starts the simulator.
 *
 * @example
 * ```ts
 * await using sim = await startOpenRouterSimulator();
 * const service = new LLMService({ apiKey: "sk-or-v1-test", baseUrl: sim.url });
 * ```
 */
export function startOpenRouterSimulator(
  options: SimulatorOptions = {},
): Promise<OpenRouterSimulator> {
  const exchanges: Exchange[] = [];
  const recorders = new Set<Recorder>();
  const routes = new Map<string, (request: SimRequest) => Response | Promise<Response>>();
  const waiters: { filter: (e: Exchange) => boolean; resolve: (e: Exchange) => void }[] = [];
  const claimed = new Set<Exchange>();
  const generations = new Map<string, Record<string, unknown>>();
  const transcripts = options.transcripts ?? TRANSCRIPTS;

  const handler = async (req: Request): Promise<Response> => {
    const bodyText = await req.text();
    let json: unknown;
    try {
      json = bodyText ? JSON.parse(bodyText) : undefined;
    } catch { /* answered below */ }
    const url = new URL(req.url);
    const request: SimRequest = {
      method: req.method,
      path: url.pathname + url.search,
      headers: req.headers,
      bodyText,
      json,
      // Read lazily: touching it makes Deno warn that it also aborts after complete answers.
      get signal() {
        return req.signal;
      },
    };
    const recorder = startRecording(request);
    recorders.add(recorder);
    recorder.exchange.ended.then(() => recorders.delete(recorder));
    exchanges.push(recorder.exchange);
    const waiter = waiters.findIndex((w) => w.filter(recorder.exchange));
    if (waiter >= 0) {
      claimed.add(recorder.exchange);
      waiters.splice(waiter, 1)[0].resolve(recorder.exchange);
    }
    const response = await route(request, url);
    // Only scenarios that never answer watch the signal (Deno aborts it after every response).
    if (response.status === 499) recorder.clientLeft();
    return recorder.record(response);
  };

  const route = async (request: SimRequest, url: URL): Promise<Response> => {
    const path = url.pathname.replace(/^\/api\/v1/, "");
    const auth = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/)?.[1];
    if (path === "/models" && request.method === "GET") return Response.json(modelsBody());
    if (!auth) return errorResponse(401, { code: 401, message: "No auth credentials found" });
    if (options.apiKey && auth !== options.apiKey) {
      return errorResponse(401, { code: 401, message: "User not found." });
    }
    if (path === "/chat/completions" && request.method === "POST") {
      if (typeof request.json !== "object" || request.json === null) {
        return errorResponse(400, { code: 400, message: "Invalid JSON body" });
      }
      const custom = routes.get(String(request.json.model));
      const response = custom ? await custom(request) : await answerCompletion({
        body: request.json,
        get signal() {
          return request.signal;
        },
        transcript: (name) => Deno.readTextFile(new URL(`${name}.sse`, transcripts)),
      });
      const id = response.headers.get("x-generation-id");
      if (id) {
        generations.set(id, {
          id,
          model: request.json.model,
          streamed: request.json.stream === true,
        });
      }
      return response;
    }
    if (path === "/generation" && request.method === "GET") {
      const generation = generations.get(url.searchParams.get("id") ?? "");
      if (!generation) return errorResponse(404, { code: 404, message: "Generation not found" });
      return Response.json({
        data: {
          ...generation,
          provider_name: "OpenAI",
          cancelled: false,
          latency: 120,
          generation_time: 95,
        },
      });
    }
    if (path === "/key" && request.method === "GET") {
      return Response.json({
        data: {
          label: "sk-or-v1-sim...",
          limit: 10,
          limit_remaining: 9.5,
          usage: 0.5,
          usage_daily: 0.1,
          is_free_tier: false,
        },
      });
    }
    return errorResponse(404, {
      code: 404,
      message: `Not found: ${request.method} ${url.pathname}`,
    });
  };

  const server = Deno.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    onListen: () => {},
  }, handler);
  const { port, hostname } = server.addr;
  const close = async () => {
    for (const recorder of recorders) recorder.abort();
    await server.shutdown();
  };
  return Promise.resolve({
    url: `http://${hostname}:${port}/api/v1`,
    exchanges,
    route: (model, fn) => void routes.set(model, fn),
    nextExchange(filter = () => true) {
      const ready = exchanges.find((e) => !claimed.has(e) && filter(e));
      if (ready) {
        claimed.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiters.push({ filter, resolve }));
    },
    close,
    [Symbol.asyncDispose]: close,
  });
}
