/**
 * Sends a request to OpenRouter with a timeout and the caller's abort signal, and says which of
 * the two ended it when it fails.
 *
 * @module
 */

/** Options of {@link sendRequest}. */
export interface SendRequestOptions {
  url: string;
  apiKey: string;
  /** The JSON body, already serialised. */
  body: string;
  fetch: typeof fetch;
  /** Extra headers (attribution). */
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A request in flight. Call `release()` once its timeout no longer applies. */
export interface SentRequest {
  /** Aborts the request (and its body). */
  readonly controller: AbortController;
  /** Why the request was aborted by us: our timeout, or the caller's signal. */
  abortedBy(): "timeout" | "signal" | null;
  /** Stops the timeout and stops listening to the caller's signal. */
  release(): void;
  /** Resolves with the response headers; rejects when the request fails. */
  response: Promise<Response>;
}

/**
 * Starts the POST. The timeout keeps running (covering the body) until `release()`.
 *
 * @example
 * ```ts
 * const sent = sendRequest({ url, apiKey, body, fetch, headers: {}, timeoutMs: 300_000 });
 * try {
 *   const text = await (await sent.response).text();
 * } finally {
 *   sent.release();
 * }
 * ```
 */
export function sendRequest(options: SendRequestOptions): SentRequest {
  const { signal, timeoutMs } = options;
  const controller = new AbortController();
  let abortedBy: "timeout" | "signal" | null = null;
  const onAbort = () => {
    abortedBy ??= "signal";
    controller.abort(signal?.reason);
  };
  const timer = setTimeout(() => {
    abortedBy ??= "timeout";
    controller.abort(new DOMException(`No response within ${timeoutMs} ms`, "TimeoutError"));
  }, timeoutMs);
  signal?.addEventListener("abort", onAbort, { once: true });
  const release = () => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
  const response = options.fetch(options.url, {
    method: "POST",
    headers: {
      ...options.headers,
      "authorization": `Bearer ${options.apiKey}`,
      "content-type": "application/json",
    },
    body: options.body,
    signal: controller.signal,
  });
  return { controller, abortedBy: () => abortedBy, release, response };
}
