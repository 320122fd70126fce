/**
 * Records one request and every byte of its answer, and tells how the answer ended: sent in
 * full, closed by the client before the end, or broken off by the simulator on purpose.
 *
 * @module
 */

/** One request as the simulator received it. */
export interface SimRequest {
  method: string;
  path: string;
  headers: Headers;
  bodyText: string;
  /** The parsed JSON body, or `undefined`. */
  // deno-lint-ignore no-explicit-any
  json: any;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
}

/** How an answer ended. */
export type ExchangeEnd = "completed" | "client-closed" | "server-closed";

/** A request and the answer sent to it. */
export interface Exchange {
  request: SimRequest;
  /** The answer's status; 0 until known. */
  status: number;
  /** Every byte of the answer's body sent so far, concatenated. */
  sentBytes(): Uint8Array;
  readonly ended: Promise<ExchangeEnd>;
}

/** An exchange being recorded, and the means to record it. */
export interface Recorder {
  exchange: Exchange;
  /** Wraps the answer so its bytes and its end are recorded. */
  record(response: Response): Response;
  /** Ends the answer at once (the simulator is closing). */
  abort(): void;
  /** Marks the exchange as ended by the client before any answer was sent. */
  clientLeft(): void;
}

/** Starts recording an exchange for `request`. */
export function startRecording(request: SimRequest): Recorder {
  const chunks: Uint8Array[] = [];
  let settle!: (end: ExchangeEnd) => void;
  let settled = false;
  const ended = new Promise<ExchangeEnd>((resolve) => settle = resolve);
  const finish = (end: ExchangeEnd) => {
    if (!settled) (settled = true, settle(end));
  };
  let stop: (() => void) | undefined;
  const exchange: Exchange = {
    request,
    status: 0,
    sentBytes: () => concat(chunks),
    ended,
  };
  return {
    exchange,
    abort: () => (stop?.(), finish("server-closed")),
    clientLeft: () => finish("client-closed"),
    record(response) {
      exchange.status = response.status;
      if (!response.body) {
        finish("completed");
        return response;
      }
      const reader = response.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          stop = () => {
            reader.cancel().catch(() => {});
            try {
              controller.error(new Error("simulator closed"));
            } catch { /* already ended */ }
          };
        },
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) return (finish("completed"), controller.close());
            chunks.push(value);
            controller.enqueue(value);
          } catch (error) {
            finish(settled ? "client-closed" : "server-closed");
            controller.error(error);
          }
        },
        cancel(reason) {
          finish("client-closed");
          return reader.cancel(reason);
        },
      }, { highWaterMark: 0 });
      return new Response(body, { status: response.status, headers: response.headers });
    },
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) (out.set(chunk, offset), offset += chunk.length);
  return out;
}
