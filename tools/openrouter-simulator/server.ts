/**
 * The simulator's HTTP server: OpenRouter's routes on a loopback port, custom handlers by model,
 * every exchange recorded in arrival order (handed out one by one to `nextExchange`, the oldest
 * finished ones dropped past a byte budget), and a close that ends hanging answers and frees
 * every resource.
 *
 * @module
 */
import { errorResponse } from "./error-bodies.ts";
import { type Exchange, ExchangeRecorder, type SimRequest } from "./exchange.ts";
import { API_PREFIX, type RouteHandler, routeRequest } from "./routes.ts";

/** Options of {@link startOpenRouterSimulator}. */
export interface SimulatorOptions {
  /** The port to listen on; 0 picks a free one. @default {0} */
  port?: number;
  /** @default {"127.0.0.1"} */
  hostname?: string;
  /**
   * When set, only `Authorization: Bearer <apiKey>` is accepted (others get "User not found.");
   * when unset, any non-empty bearer token is. A missing one always gets a 401.
   * @default {undefined}
   */
  apiKey?: string;
  /**
   * Bytes of request and answer bodies kept for `exchanges`; past it, the oldest finished
   * exchanges are dropped from the list (a long benchmark does not grow without bound).
   * @default {67108864} (64 MiB)
   */
  maxRecordedBytes?: number;
  /**
   * The wire fixtures that `sim/error-*`, `sim/transcript/<name>` and the other fixture-backed
   * scenarios send. @default {tests/fixtures/openrouter/}
   */
  fixtures?: URL;
}

/** A running simulator. */
export interface OpenRouterSimulator extends AsyncDisposable {
  /** The API base URL, such as `http://127.0.0.1:PORT/api/v1`. */
  readonly url: string;
  /** Every request received, in order (see `maxRecordedBytes`). */
  readonly exchanges: Exchange[];
  /** Answers chat requests for `model` with `handler` instead of the built-in behaviour. */
  route(model: string, handler: (request: SimRequest) => Response | Promise<Response>): void;
  /**
   * The next exchange matching `filter` that no earlier call returned: one already received,
   * else the next one to arrive. Rejects if the simulator closes first.
   */
  nextExchange(filter?: (exchange: Exchange) => boolean): Promise<Exchange>;
  /** Ends hanging answers, refuses new connections and waits for the server to stop. */
  close(): Promise<void>;
}

/**
 * Starts the simulator.
 *
 * @example
 * ```ts
 * await using sim = await startOpenRouterSimulator();
 * const response = await fetch(`${sim.url}/chat/completions`, {
 *   method: "POST",
 *   headers: { authorization: "Bearer sk-or-v1-test", "content-type": "application/json" },
 *   body: JSON.stringify({ model: "sim/error-429", messages: [{ role: "user", content: "Hi" }] }),
 * });
 * response.status; // 429
 * ```
 */
export async function startOpenRouterSimulator(
  options: SimulatorOptions = {},
): Promise<OpenRouterSimulator> {
  return await Promise.resolve(new Simulator(options));
}

const CLOSED = Symbol("closed");

interface Waiter {
  filter: (exchange: Exchange) => boolean;
  resolve: (exchange: Exchange) => void;
  reject: (error: Error) => void;
}

class Simulator implements OpenRouterSimulator {
  readonly url: string;
  readonly exchanges: Exchange[] = [];
  #options: SimulatorOptions;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #routes = new Map<string, RouteHandler>();
  /** The recorders of exchanges still running. */
  #live = new Map<Exchange, ExchangeRecorder>();
  /** Exchanges a `nextExchange` call has returned. */
  #claimed = new WeakSet<Exchange>();
  #waiters: Waiter[] = [];
  /** Bytes of request and answer bodies recorded, by exchange and in all. */
  #sizes = new Map<Exchange, number>();
  #bytes = 0;
  #closing = new AbortController();
  #closed: Promise<typeof CLOSED>;
  #shutdown: Promise<void> | null = null;

  constructor(options: SimulatorOptions) {
    this.#options = options;
    this.#closed = new Promise((resolve) => {
      this.#closing.signal.addEventListener("abort", () => resolve(CLOSED), { once: true });
    });
    this.#server = Deno.serve({
      port: options.port ?? 0,
      hostname: options.hostname ?? "127.0.0.1",
      onListen: () => {},
      onError: () => errorResponse(500, { code: 500, message: "Internal Server Error" }),
    }, (request) => this.#handle(request));
    const { hostname, port } = this.#server.addr;
    this.url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}${API_PREFIX}`;
  }

  route(model: string, handler: RouteHandler): void {
    this.#routes.set(model, handler);
  }

  nextExchange(filter: (exchange: Exchange) => boolean = () => true): Promise<Exchange> {
    const ready = this.exchanges.find((e) => !this.#claimed.has(e) && filter(e));
    if (ready) {
      this.#claimed.add(ready);
      return Promise.resolve(ready);
    }
    if (this.#closing.signal.aborted) {
      return Promise.reject(new Error("The OpenRouter simulator is closed"));
    }
    const waiting = new Promise<Exchange>((resolve, reject) => {
      this.#waiters.push({ filter, resolve, reject });
    });
    waiting.catch(() => {}); // A caller that never awaits it must not see an unhandled rejection.
    return waiting;
  }

  close(): Promise<void> {
    this.#shutdown ??= this.#stop();
    return this.#shutdown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #stop(): Promise<void> {
    this.#closing.abort();
    for (const recorder of this.#live.values()) recorder.abort();
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(
        new Error("The OpenRouter simulator closed before a matching exchange arrived"),
      );
    }
    await this.#server.shutdown();
  }

  async #handle(incoming: Request): Promise<Response> {
    const url = new URL(incoming.url);
    let bodyText: string;
    try {
      bodyText = await incoming.text();
    } catch {
      return new Response(null, { status: 400 }); // The client left while sending its body.
    }
    const recorder = new ExchangeRecorder(incoming, {
      method: incoming.method,
      path: url.pathname + url.search,
      headers: incoming.headers,
      bodyText,
      json: parseJson(bodyText),
    }, (count) => this.#count(recorder.exchange, count));
    const exchange = recorder.exchange;
    this.#live.set(exchange, recorder);
    this.exchanges.push(exchange);
    this.#count(exchange, bodyText.length);
    exchange.ended.then(() => (this.#live.delete(exchange), this.#trim()));
    this.#offer(exchange);
    if (this.#closing.signal.aborted) recorder.abort();
    return recorder.respond(await this.#answer(exchange.request));
  }

  /** Hands a new exchange to the first waiter it matches. */
  #offer(exchange: Exchange): void {
    for (const waiter of [...this.#waiters]) {
      let matched: boolean;
      try {
        matched = waiter.filter(exchange);
      } catch (error) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (!matched) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      this.#claimed.add(exchange);
      return waiter.resolve(exchange);
    }
  }

  #count(exchange: Exchange, bytes: number): void {
    this.#sizes.set(exchange, (this.#sizes.get(exchange) ?? 0) + bytes);
    this.#bytes += bytes;
  }

  /** Drops the oldest finished exchanges (never the newest) while over `maxRecordedBytes`. */
  #trim(): void {
    const budget = this.#options.maxRecordedBytes ?? 64 * 1024 * 1024;
    for (let i = 0; this.#bytes > budget && i < this.exchanges.length - 1;) {
      const oldest = this.exchanges[i];
      if (this.#live.has(oldest)) {
        i++;
        continue;
      }
      this.exchanges.splice(i, 1);
      this.#bytes -= this.#sizes.get(oldest) ?? 0;
      this.#sizes.delete(oldest);
    }
  }

  async #answer(request: SimRequest): Promise<Response> {
    const answering = Promise.resolve().then(() =>
      routeRequest(request, {
        apiKey: this.#options.apiKey,
        routes: this.#routes,
        closing: this.#closing.signal,
        fixtures: this.#options.fixtures,
      })
    );
    try {
      const answer = await Promise.race([answering, this.#closed]);
      if (answer !== CLOSED) return answer;
      // Closing: whatever the handler answers later is nobody's to read.
      answering.then((late) => late.body?.cancel().catch(() => {}), () => {});
      return new Response(null, { status: 503 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return errorResponse(500, { code: 500, message: `Simulator handler failed: ${message}` });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
