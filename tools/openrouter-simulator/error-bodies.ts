/**
 * OpenRouter's error answers in each shape seen on the wire: numeric and string `code`, no
 * `code` but `http_status` + `error_type` + `availability`, `metadata.raw` as a string, a JSON
 * string or an object, HTML and plain-text pages from the edge, and 200s that carry an error.
 *
 * @module
 */

/** The `user_id` OpenRouter adds next to errors of authenticated calls. */
const USER_ID = "user_2simUlAt0rXq8nR4vT6wY1zB3cD";

/**
 * A JSON error answer with OpenRouter's body shape, `{ error, user_id }`.
 *
 * @example
 * ```ts
 * errorResponse(404, { code: 404, message: "Generation not found" });
 * ```
 */
export function errorResponse(
  status: number,
  error: Record<string, unknown>,
  init: { headers?: HeadersInit; userId?: boolean } = {},
): Response {
  const body = init.userId === false ? { error } : { error, user_id: USER_ID };
  return Response.json(body, { status, headers: init.headers });
}

/**
 * The real 401 answers: without credentials, and with a key OpenRouter does not know.
 *
 * @example
 * ```ts
 * authError("missing").status; // 401
 * ```
 */
export function authError(reason: "missing" | "unknown"): Response {
  const message = reason === "missing" ? "No auth credentials found" : "User not found.";
  return errorResponse(401, { code: 401, message }, { userId: false });
}

/** Status errors whose body is `{ code, message, metadata? }` and nothing more special. */
const SIMPLE: Record<number, (model: string) => Record<string, unknown>> = {
  400: (model) => ({
    code: 400,
    message: `${model} is not a valid model ID`,
    metadata: { error_type: "invalid_request" },
  }),
  401: () => ({ code: 401, message: "No auth credentials found" }),
  402: () => ({
    code: 402,
    message: "This request requires more credits, or fewer max_tokens. You requested up to " +
      "16384 tokens, but can only afford 1201. To increase, visit " +
      "https://openrouter.ai/settings/credits and add more credits",
    metadata: { error_type: "payment_required" },
  }),
  404: (model) => ({ code: 404, message: `No endpoints found for ${model}.` }),
  408: () => ({
    code: 408,
    message: "Request timed out. Please try again later.",
    metadata: { error_type: "timeout" },
  }),
  413: () => ({
    code: 413,
    message: "Request entity too large: the request exceeds the maximum payload size",
  }),
  500: () => ({ code: 500, message: "Internal Server Error" }),
  524: () => ({
    code: 524,
    message: "Provider took too long to respond",
    metadata: { error_type: "timeout" },
  }),
};

/**
 * The answer of a `sim/error-<status>` model.
 *
 * @example
 * ```ts
 * statusError(429, "sim/error-429").headers.get("retry-after"); // "7"
 * ```
 */
export function statusError(status: number, model: string): Response {
  switch (status) {
    case 403:
      return errorResponse(403, {
        code: 403,
        message: `${model} requires moderation on OpenAI. Your input was flagged for "violence".`,
        metadata: {
          reasons: ["violence"],
          flagged_input: "describe in detail how to hurt…",
          provider_name: "OpenAI",
          model_slug: "openai/gpt-4o-mini",
        },
      });
    case 429:
      return errorResponse(429, {
        code: 429,
        message: "Rate limit exceeded: free-models-per-min.",
        metadata: { headers: { "X-RateLimit-Limit": "20" }, error_type: "rate_limit_exceeded" },
      }, {
        headers: {
          "retry-after": "7",
          "x-ratelimit-limit": "20",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Date.now() + 7_000),
        },
      });
    case 502:
      return errorResponse(502, {
        code: 502,
        message: "Provider returned error",
        metadata: {
          raw: "upstream connect error or disconnect/reset before headers. reset reason: overflow",
          provider_name: "Lambda",
        },
      });
    case 503:
      return errorResponse(503, {
        message: `No provider is currently available for ${model}`,
        http_status: 503,
        error_type: "provider_unavailable",
        availability: { code: "capacity_exhausted", retryable: true, retry_after: 30, model },
      }, { headers: { "retry-after": "30" } });
    case 529:
      return errorResponse(529, {
        code: 529,
        message: "Provider returned error",
        metadata: {
          raw: "Overloaded",
          provider_name: "Anthropic",
          error_type: "provider_overloaded",
        },
      });
  }
  const error = SIMPLE[status]?.(model) ?? { code: status, message: `Simulated HTTP ${status}` };
  return errorResponse(status, error);
}

/** The error scenarios that are not a plain status, by scenario name (`sim/<name>`). */
export const SHAPED_ERRORS: Record<string, () => Response> = {
  "error-string-code": () =>
    errorResponse(500, {
      code: "server_error",
      message: "The server had an error while processing your request. Sorry about that!",
    }),
  "error-raw-json": () =>
    errorResponse(400, {
      code: 400,
      message: "Provider returned error",
      metadata: {
        raw: JSON.stringify({
          error: {
            message: "max_tokens: 100000 > 8192, which is the maximum allowed for this model",
            type: "invalid_request_error",
          },
        }),
        provider_name: "Anthropic",
      },
    }),
  "error-raw-object": () =>
    errorResponse(502, {
      code: 502,
      message: "Provider returned error",
      metadata: {
        raw: { error: { code: "overloaded", detail: "The model is overloaded, try again" } },
        provider_name: "Fireworks",
      },
    }),
  "error-html": () =>
    new Response(
      '<!DOCTYPE html>\n<html lang="en-US"><head><title>502 Bad Gateway | openrouter.ai | ' +
        "Cloudflare</title></head><body><h1>Bad gateway</h1><p>The web server reported a bad " +
        "gateway error.</p></body></html>\n",
      { status: 502, headers: { "content-type": "text/html; charset=UTF-8" } },
    ),
  "error-text": () =>
    new Response("upstream connect error or disconnect/reset before headers\n", {
      status: 503,
      headers: { "content-type": "text/plain" },
    }),
  "error-in-200": () =>
    Response.json({
      error: {
        code: 502,
        message: "Provider returned error",
        metadata: { raw: "timeout", provider_name: "Mistral" },
      },
      user_id: USER_ID,
    }),
  "garbage-200": () =>
    new Response(
      '{"id":"gen-1764158400-trUncAtEdBoDyXXXXXXX","choices":[{"message":{"content":"Hel',
      {
        headers: { "content-type": "application/json" },
      },
    ),
  "empty-200": () => new Response("", { headers: { "content-type": "application/json" } }),
};

/** Whether `sim/<scenario>` fails before answering (OpenRouter then tries the next of `models`). */
export function failsBeforeAnswering(scenario: string): boolean {
  return /^error-/.test(scenario) || scenario === "hang";
}

/** The `error` of a choice that failed inside a 200 (`sim/choice-error`). */
export const CHOICE_ERROR: Readonly<Record<string, unknown>> = {
  code: 502,
  message: "Provider returned error",
  metadata: { raw: "model crashed", provider_name: "Novita" },
};
