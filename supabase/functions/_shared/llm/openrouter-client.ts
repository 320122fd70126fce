/**
 * Calls OpenRouter's chat completions endpoint: posts the serialised request (timeout, the
 * caller's abort signal, headers) and turns every response into exactly one of a
 * {@link Completion}, an {@link UpstreamStream}, or one thrown {@link LLMError}.
 *
 * What a response's body says is read by `read-completion.ts`; what went wrong in transit (our
 * timeout, the caller's abort, the network) is said here. The runtime's error can hold the
 * request URL, and with it an API key that sits in `baseUrl` (a gateway path): message, details
 * and `cause` are masked.
 *
 * @module
 */
import { cancelledError } from "./call-errors.ts";
import { describeValue } from "./caller-values.ts";
import { LLMError, LLMNetworkError, LLMTimeoutError } from "./errors.ts";
import { describeNetworkFailure, mask, maskedError } from "./network-failure.ts";
import type { ChatCompletion } from "./types.ts";
import { type Caller, readCompletion, readStreamRefusal } from "./read-completion.ts";

/** Where and how {@link OpenRouterClient} posts. */
export interface OpenRouterClientOptions {
  /** Without the trailing `/chat/completions`. */
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  /** Extra headers (attribution). */
  headers: Record<string, string>;
  /** Time allowed for a whole non-streaming call, or until a stream's headers. */
  timeoutMs: number;
}

/** The call a request belongs to. */
export interface ChatPost {
  /** The JSON body, already serialised. */
  body: string;
  /** The call's row id, carried by the error. */
  logId: string;
  signal?: AbortSignal;
}

/** A completion OpenRouter returned. */
export interface Completion {
  status: number;
  /** The body, parsed. */
  body: ChatCompletion;
  /** The body exactly as received. */
  text: string;
  generationId: string | null;
}

/** A started event stream, its body not read yet. */
export interface UpstreamStream {
  response: Response;
  /** Aborts the request, and with it the body. */
  abort(reason: unknown): void;
}

/**
 * Posts chat completions to OpenRouter.
 *
 * @example
 * ```ts
 * import { OpenRouterClient } from "./openrouter-client.ts";
 *
 * const client = new OpenRouterClient({
 *   baseUrl: "https://openrouter.ai/api/v1",
 *   apiKey: "sk-or-v1-example",
 *   fetch: () => Promise.resolve(Response.json({ id: "gen-1", choices: [] })),
 *   headers: {},
 *   timeoutMs: 300_000,
 * });
 * const completion = await client.complete({ body: "{}", logId: crypto.randomUUID() });
 * console.log(completion.body.id); // "gen-1"
 * ```
 */
export class OpenRouterClient {
  #options: OpenRouterClientOptions;
  #url: string;

  constructor(options: OpenRouterClientOptions) {
    this.#options = options;
    this.#url = `${options.baseUrl}/chat/completions`;
  }

  /** Resolves with the completion; rejects with an {@link LLMError} on any other answer. */
  async complete(post: ChatPost): Promise<Completion> {
    const sent = this.#post(post);
    try {
      const response = await sent.responded();
      const text = await response.text().catch((error) => {
        throw sent.failed(error, response.status);
      });
      const read = readCompletion(response.status, response.headers, text, this.#caller(post));
      if (read instanceof LLMError) throw read;
      const generationId = response.headers.get("x-generation-id");
      return { status: response.status, body: read, text, generationId };
    } finally {
      sent.release();
    }
  }

  /**
   * Resolves once an event stream has started (its body is the caller's to read); rejects with an
   * {@link LLMError} when the answer is anything else.
   */
  async stream(post: ChatPost): Promise<UpstreamStream> {
    const sent = this.#post(post);
    try {
      const response = await sent.responded();
      const type = response.headers.get("content-type") ?? "";
      if (response.ok && type.includes("text/event-stream") && response.body) {
        return { response, abort: (reason) => sent.controller.abort(reason) };
      }
      const text = await response.text().catch(() => "");
      throw readStreamRefusal(response.status, response.headers, text, this.#caller(post));
    } finally {
      sent.release();
    }
  }

  #caller(post: ChatPost): Caller {
    return { logId: post.logId, apiKey: this.#options.apiKey };
  }

  /**
   * The request or its body failed in transit: our timeout, the caller's abort, or the network.
   * `httpStatus` is the response's when its headers had come.
   */
  #transportError(
    abortedBy: "timeout" | "signal" | null,
    error: unknown,
    httpStatus: number | null,
    post: ChatPost,
  ): LLMError {
    if (abortedBy === "signal") return cancelledError(post.logId, post.signal?.reason, httpStatus);
    const { apiKey, timeoutMs } = this.#options;
    const init = {
      logId: post.logId,
      cause: maskedError(error, apiKey),
      status: httpStatus,
      httpStatus,
    };
    if (abortedBy === "timeout") {
      const message = `No complete response from OpenRouter within ${timeoutMs} ms`;
      return new LLMTimeoutError(message, { ...init, type: "timeout" });
    }
    const failure = describeNetworkFailure(error, apiKey);
    const detail = failure.causes.at(-1) ?? mask(describeValue(error), apiKey);
    const why = failure.reason.replaceAll("_", " ");
    return new LLMNetworkError(`Cannot reach OpenRouter (${why}): ${detail}`, {
      ...init,
      type: "network_error",
      details: { network_reason: failure.reason, causes: failure.causes },
    });
  }

  /** Starts the POST. The timeout keeps running (covering the body) until `release()`. */
  #post(post: ChatPost) {
    const { signal } = post;
    const { timeoutMs, apiKey } = this.#options;
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
    const failed = (error: unknown, httpStatus: number | null) =>
      this.#transportError(abortedBy, error, httpStatus, post);
    let response: Promise<Response>;
    try {
      response = this.#options.fetch(this.#url, {
        method: "POST",
        headers: {
          ...this.#options.headers,
          "authorization": `Bearer ${apiKey}`,
          "content-type": "application/json",
        },
        body: post.body,
        signal: controller.signal,
      });
    } catch (error) {
      response = Promise.reject(error);
    }
    return {
      controller,
      failed,
      /** Resolves with the response headers; rejects with the transport's error. */
      responded: () => response.catch((error) => Promise.reject(failed(error, null))),
      /** Stops the timeout and stops listening to the caller's signal. */
      release() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      },
    };
  }
}
