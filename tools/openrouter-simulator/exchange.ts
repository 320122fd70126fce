/**
 * Records one exchange: the request as received, every byte of the answer as it is handed to
 * the server, and how the answer ended (sent in full, left by the client, or broken off by
 * the simulator on purpose).
 *
 * @module
 */
import { replayableWrites, wasDropped } from "./sse.ts";

/** One request as the simulator received it. */
export interface SimRequest {
  method: string;
  /** Path and query, such as `/api/v1/chat/completions`. */
  path: string;
  headers: Headers;
  bodyText: string;
  /** The parsed JSON body, or `undefined` when there is none or it is not JSON. */
  // deno-lint-ignore no-explicit-any
  json: any;
  /**
   * Aborts when the client disconnects (or the simulator closes). Reading it before answering
   * makes Deno print a one-time notice about `request.signal`: only read it to wait for a
   * client that may leave before the answer starts.
   */
  signal: AbortSignal;
}

/** How an answer ended. */
export type ExchangeEnd = "completed" | "client-closed" | "server-closed";

/** A request and the answer sent to it. */
export interface Exchange {
  request: SimRequest;
  /** The answer's status; 0 until known. */
  status: number;
  /** Every byte of the answer's body handed to the server so far, concatenated. */
  sentBytes(): Uint8Array;
  /** When the answer is over: sent in full, left by the client, or broken off on purpose. */
  readonly ended: Promise<ExchangeEnd>;
}

/** Records one exchange. The server makes one per request and hands it the answer. */
export class ExchangeRecorder {
  readonly exchange: Exchange;
  #sent = new ByteLog();
  #settle!: (end: ExchangeEnd) => void;
  #end: ExchangeEnd | null = null;
  #gone = new AbortController();
  #incoming: Request;
  #answering = true;
  #watching = false;
  #stop: (() => void) | null = null;
  #onBytes: (count: number) => void;

  /** `onBytes` is told the size of each recorded chunk (for the simulator's memory budget). */
  constructor(
    incoming: Request,
    request: Omit<SimRequest, "signal">,
    onBytes: (n: number) => void,
  ) {
    this.#incoming = incoming;
    this.#onBytes = onBytes;
    const simRequest = request as SimRequest;
    // Not enumerable: comparing or serialising a request must not start watching the client.
    Object.defineProperty(simRequest, "signal", {
      enumerable: false,
      get: () => (this.#watchClient(), this.#gone.signal),
    });
    this.exchange = {
      request: simRequest,
      status: 0,
      sentBytes: () => this.#sent.bytes(),
      ended: new Promise((resolve) => this.#settle = resolve),
    };
  }

  /** Wraps the answer so that its bytes and its end are recorded. */
  respond(response: Response): Response {
    this.#answering = false;
    this.exchange.status = response.status;
    if (this.#end !== null) {
      // The client left, or the simulator closed, before the answer: nobody will read it.
      response.body?.cancel().catch(() => {});
      return this.#end === "client-closed" ? new Response(null, { status: 499 }) : brokenAnswer();
    }
    if (!response.body) {
      this.#finish("completed");
      return response;
    }
    const body = this.#recorded(response.body);
    const { status, statusText, headers } = response;
    return new Response(body, { status, statusText, headers });
  }

  /** Ends the exchange at once because the simulator is closing. */
  abort(): void {
    if (this.#end !== null) return;
    this.#finish("server-closed");
    this.#stop?.();
  }

  #recorded(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = source.getReader();
    this.#sent = new ByteLog(replayableWrites(source));
    let ahead: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
    const done = (controller: ReadableStreamDefaultController<Uint8Array>) => {
      if (this.#end !== null) return;
      this.#finish(wasDropped(source) ? "server-closed" : "completed");
      controller.close();
    };
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#stop = () => {
          reader.cancel().catch(() => {});
          controller.error(new Error("The OpenRouter simulator closed"));
        };
      },
      pull: async (controller) => {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await (ahead ?? reader.read());
        } catch (error) {
          if (this.#end === null) (this.#finish("server-closed"), controller.error(error));
          return;
        }
        ahead = null;
        if (this.#end !== null) return;
        if (result.done) return done(controller);
        this.#sent.append(result.value);
        this.#onBytes(result.value.length);
        controller.enqueue(result.value);
        // Read ahead, so the body closes together with its last bytes: a client that cancels
        // as soon as it has read them all leaves a "completed" exchange.
        ahead = reader.read();
        ahead.then((next) => next.done && done(controller), () => {});
      },
      cancel: (reason) => {
        this.#clientLeft();
        return reader.cancel(reason).catch(() => {});
      },
    }, { highWaterMark: 0 });
  }

  /** Forwards `request.signal` while the answer is being prepared (after, it also aborts on success). */
  #watchClient(): void {
    if (this.#watching || !this.#answering || this.#end !== null) return;
    this.#watching = true;
    const signal = this.#incoming.signal;
    const onAbort = () => this.#answering && this.#clientLeft();
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  }

  #clientLeft(): void {
    if (this.#end === null) this.#finish("client-closed");
  }

  #finish(end: ExchangeEnd): void {
    this.#end = end;
    this.#settle(end);
    if (end !== "completed") {
      const why = end === "client-closed" ? "The client disconnected" : "The simulator closed";
      this.#gone.abort(new DOMException(why, "AbortError"));
    }
  }
}

/** A 503 whose body breaks at once: what a client of a closing simulator sees. */
function brokenAnswer(): Response {
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => controller.error(new Error("The OpenRouter simulator closed")),
  });
  return new Response(body, { status: 503 });
}

/**
 * The bytes forwarded so far. Writes that can be produced again are only counted, and made
 * again when asked for; others are appended into one growing buffer (a long stream's thousands
 * of small writes are one allocation, not one object each).
 */
class ByteLog {
  #buffer = new Uint8Array(0);
  #length = 0;
  #writes = 0;
  #source: Iterable<Uint8Array> | null;

  /** With a `source`, writes are counted instead of copied. */
  constructor(source: Iterable<Uint8Array> | null = null) {
    this.#source = source;
  }

  append(chunk: Uint8Array): void {
    if (this.#source) {
      this.#writes++;
      return;
    }
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2, 4096));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }

  /** A copy of the bytes so far. */
  bytes(): Uint8Array {
    if (!this.#source) return this.#buffer.slice(0, this.#length);
    const copy = new ByteLog();
    let count = 0;
    for (const write of this.#source) {
      if (count++ === this.#writes) break;
      copy.append(write);
    }
    return copy.bytes();
  }
}
