/**
 * OpenRouter's error answers, in each of the shapes seen on the wire.
 *
 * @module
 */

/** A JSON error answer with OpenRouter's body shape. */
export function errorResponse(
  status: number,
  error: Record<string, unknown>,
  headers: HeadersInit = {},
): Response {
  return Response.json({ error, user_id: "user_2sim" }, { status, headers });
}

const MESSAGES: Record<number, string> = {
  400: "openai/gpt-5-ultra is not a valid model ID",
  401: "No auth credentials found",
  402:
    "This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but can only afford 1201.",
  404: "No endpoints found for sim/error-404.",
  408: "Request timed out",
  413: "Request entity too large",
  500: "Internal Server Error",
  524: "Provider took too long to respond",
  529: "Provider returned error",
};

/** The error a `sim/error-<status>` model answers with. */
export function statusError(status: number, model: string): Response {
  switch (status) {
    case 403:
      return errorResponse(403, {
        code: 403,
        message: `${model} requires moderation on OpenAI. Your input was flagged for "violence".`,
        metadata: {
          reasons: ["violence"],
          flagged_input: "a very violent sent...",
          provider_name: "OpenAI",
          model_slug: "openai/gpt-4o-mini",
        },
      });
    case 429:
      return errorResponse(429, {
        code: 429,
        message: "Rate limit exceeded: free-models-per-min.",
        metadata: { headers: { "X-RateLimit-Limit": "20" } },
      }, {
        "retry-after": "7",
        "x-ratelimit-limit": "20",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Date.now() + 7_000),
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
        availability: {
          code: "capacity_exhausted",
          retryable: true,
          retry_after: 30,
          model,
        },
      }, { "retry-after": "30" });
    case 529:
      return errorResponse(529, {
        code: 529,
        message: MESSAGES[529],
        metadata: {
          raw: "Overloaded",
          provider_name: "Anthropic",
          error_type: "provider_overloaded",
        },
      });
  }
  return errorResponse(status, { code: status, message: MESSAGES[status] ?? `Error ${status}` });
}

/** Other failure shapes, by scenario name. */
export function shapedError(name: string, model: string): Response | null {
  switch (name) {
    case "error-string-code":
      return errorResponse(500, {
        code: "server_error",
        message: "The server had an error while processing your request",
      });
    case "error-raw-json":
      return errorResponse(400, {
        code: 400,
        message: "Provider returned error",
        metadata: {
          raw: JSON.stringify({
            error: {
              message: "max_tokens: 100000 > 8192, the maximum allowed",
              type: "invalid_request_error",
            },
          }),
          provider_name: "Anthropic",
        },
      });
    case "error-raw-object":
      return errorResponse(502, {
        code: 502,
        message: "Provider returned error",
        metadata: {
          raw: { error: { code: "overloaded", detail: "try again" } },
          provider_name: "Fireworks",
        },
      });
    case "error-html":
      return new Response(
        "<!DOCTYPE html><html><head><title>502 Bad Gateway | openrouter.ai | Cloudflare</title></head><body><h1>Bad gateway</h1></body></html>",
        { status: 502, headers: { "content-type": "text/html; charset=UTF-8" } },
      );
    case "error-text":
      return new Response("upstream connect error", {
        status: 503,
        headers: { "content-type": "text/plain" },
      });
    case "error-in-200":
      return Response.json({
        error: {
          code: 502,
          message: "Provider returned error",
          metadata: { raw: "timeout", provider_name: "Mistral" },
        },
      });
    case "garbage-200":
      return new Response('{"id":"gen-1764158400-trunc","choices":[{"message":{"content":"Hel', {
        headers: { "content-type": "application/json" },
      });
    case "empty-200":
      return new Response("", { headers: { "content-type": "application/json" } });
  }
  return name === "unknown-model" ? statusError(400, model) : null;
}
