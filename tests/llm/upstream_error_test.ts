import assert from "node:assert/strict";
import {
  describeErrorObject,
  describeErrorResponse,
  errorTypeForStatus,
} from "../../supabase/functions/_shared/llm/upstream-error.ts";

const JSON_HEADERS = { "content-type": "application/json" };

function respond(status: number, body: unknown, headers: Record<string, string> = JSON_HEADERS) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return describeErrorResponse(status, new Headers(headers), text);
}

Deno.test("errorTypeForStatus names each documented OpenRouter status", () => {
  const expected: [number, string][] = [
    [400, "bad_request"],
    [401, "authentication"],
    [402, "insufficient_credits"],
    [403, "moderation"],
    [404, "model_not_found"],
    [408, "upstream_timeout"],
    [413, "payload_too_large"],
    [429, "rate_limited"],
    [500, "server_error"],
    [502, "provider_error"],
    [503, "provider_unavailable"],
    [524, "upstream_timeout"],
    [529, "provider_overloaded"],
  ];
  for (const [status, type] of expected) {
    assert.equal(errorTypeForStatus(status), type, `HTTP ${status}`);
  }
});

Deno.test("errorTypeForStatus calls an unknown status or no status a generic upstream error", () => {
  assert.equal(errorTypeForStatus(null), "upstream_error");
  assert.equal(errorTypeForStatus(418), "upstream_error");
  assert.equal(errorTypeForStatus(599), "provider_error");
});

Deno.test("describeErrorResponse reads an error body with a numeric code", () => {
  const body = {
    error: {
      code: 402,
      message: "Insufficient credits. Add more using https://openrouter.ai/credits",
    },
    user_id: "user_2abc",
  };
  const error = respond(402, body);
  assert.equal(error.type, "insufficient_credits");
  assert.equal(error.status, 402);
  assert.equal(error.code, 402);
  assert.match(error.message, /^Insufficient credits/);
  assert.deepEqual(error.details, body.error);
  assert.equal(error.retryAfter, null);
});

Deno.test("describeErrorResponse keeps a string code and still takes the status from HTTP", () => {
  const error = respond(500, { error: { code: "server_error", message: "Internal Server Error" } });
  assert.equal(error.code, "server_error");
  assert.equal(error.status, 500);
  assert.equal(error.type, "server_error");
  assert.equal(error.message, "Internal Server Error");
});

Deno.test("describeErrorResponse takes the status from HTTP before the body's code or http_status", () => {
  const error = respond(502, { error: { code: 429, http_status: 503, message: "Rate limited" } });
  assert.equal(error.status, 502);
  assert.equal(error.type, "provider_error");
  assert.equal(error.code, 429);
});

Deno.test("describeErrorObject takes the status from a numeric code before http_status", () => {
  const error = describeErrorObject({ code: 429, http_status: 503, message: "Rate limited" }, null);
  assert.equal(error.status, 429);
  assert.equal(error.type, "rate_limited");
});

Deno.test("describeErrorObject falls back to http_status when the code is a string or absent", () => {
  const stringCode = describeErrorObject(
    { code: "overloaded", http_status: 529, message: "x" },
    null,
  );
  assert.equal(stringCode.status, 529);
  assert.equal(stringCode.type, "provider_overloaded");
  assert.equal(stringCode.code, "overloaded");
  const noCode = describeErrorObject({ http_status: 404, message: "x" }, null);
  assert.equal(noCode.status, 404);
  assert.equal(noCode.code, null);
});

Deno.test("describeErrorObject has no status when neither HTTP, code nor http_status gives one", () => {
  const error = describeErrorObject({ code: "server_error", message: "Internal error" }, null);
  assert.equal(error.status, null);
  assert.equal(error.type, "upstream_error");
});

Deno.test("describeErrorResponse reads an availability error without a code", () => {
  const body = {
    error: {
      message: "No endpoints available for model",
      http_status: 503,
      error_type: "provider_unavailable",
      availability: { code: "capacity_exhausted", retryable: true, retry_after: 30 },
    },
  };
  const error = describeErrorResponse(503, new Headers(), JSON.stringify(body));
  assert.equal(error.status, 503);
  assert.equal(error.code, null);
  assert.equal(error.type, "provider_unavailable");
  assert.match(error.message, /No endpoints available for model/);
  assert.match(error.message, /capacity_exhausted/);
  assert.equal(error.retryAfter, 30);
});

Deno.test("describeErrorObject takes the status of an in-band availability error from http_status", () => {
  const error = describeErrorObject({
    message: "Model not found",
    http_status: 404,
    error_type: "model_not_found",
    availability: { code: "model_not_found", retryable: false },
  }, null);
  assert.equal(error.status, 404);
  assert.equal(error.type, "model_not_found");
  assert.equal(error.retryAfter, null);
});

const PROVIDER_ERROR = (raw: unknown) => ({
  error: {
    code: 502,
    message: "Provider returned error",
    metadata: { provider_name: "Azure", raw },
  },
});

Deno.test("describeErrorResponse adds the provider and a string metadata.raw to the message", () => {
  const error = respond(502, PROVIDER_ERROR("upstream connect error or disconnect/reset"));
  assert.notEqual(error.message, "Provider returned error");
  assert.match(error.message, /Provider returned error/);
  assert.match(error.message, /Azure/);
  assert.match(error.message, /upstream connect error or disconnect\/reset/);
});

Deno.test("describeErrorResponse adds a metadata.raw JSON string to the message, unescaped", () => {
  const raw = JSON.stringify({
    error: { message: "The server had an error", type: "server_error" },
  });
  const error = respond(502, PROVIDER_ERROR(raw));
  assert.match(error.message, /Azure/);
  assert.match(error.message, /"message":"The server had an error"/);
  assert.ok(!error.message.includes('\\"'), "the JSON is not double-escaped");
});

Deno.test("describeErrorResponse adds a metadata.raw object to the message as JSON", () => {
  const error = respond(
    502,
    PROVIDER_ERROR({ error: { message: "overloaded_error", type: "overloaded" } }),
  );
  assert.match(error.message, /Azure/);
  assert.match(error.message, /\{"error":\{"message":"overloaded_error","type":"overloaded"\}\}/);
  assert.ok(!error.message.includes("[object Object]"));
});

Deno.test("describeErrorResponse keeps the error object, metadata included, as the details", () => {
  const body = PROVIDER_ERROR({ detail: "boom" });
  const error = respond(502, body);
  assert.deepEqual(error.details, body.error);
});

Deno.test("describeErrorResponse shortens a very long metadata.raw in the message", () => {
  const error = respond(502, PROVIDER_ERROR("x".repeat(10_000)));
  assert.ok(error.message.length < 2_200, `message of ${error.message.length} characters`);
  assert.ok(error.message.endsWith("…"));
});

Deno.test("describeErrorResponse names the moderation reasons and provider of a 403", () => {
  const error = respond(403, {
    error: {
      code: 403,
      message: "Input was flagged by moderation",
      metadata: {
        reasons: ["harassment", "violence"],
        flagged_input: "…some text…",
        provider_name: "OpenAI",
        model_slug: "openai/gpt-4o",
      },
    },
  });
  assert.equal(error.type, "moderation");
  assert.match(error.message, /Input was flagged by moderation/);
  assert.match(error.message, /harassment, violence/);
  assert.match(error.message, /OpenAI/);
});

Deno.test("describeErrorResponse uses the title of an HTML error page", () => {
  const html = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>openrouter.ai | 524: A timeout occurred</title>
<style>body { color: red }</style></head>
<body><h1>A timeout occurred</h1><p>Cloudflare Ray ID: 8a1b2c3d</p></body></html>`;
  const error = respond(524, html, { "content-type": "text/html; charset=UTF-8" });
  assert.equal(error.type, "upstream_timeout");
  assert.equal(error.status, 524);
  assert.equal(error.code, null);
  assert.match(error.message, /openrouter\.ai \| 524: A timeout occurred/);
  assert.match(error.message, /text\/html/);
  assert.ok(!error.message.includes("<"), "no markup in the message");
  assert.deepEqual(error.details, { content_type: "text/html; charset=UTF-8", body: html.trim() });
});

Deno.test("describeErrorResponse uses the text of an HTML page that has no title", () => {
  const error = respond(502, "<html><body><h1>Bad   Gateway</h1></body></html>", {
    "content-type": "text/html",
  });
  assert.match(error.message, /Bad Gateway/);
  assert.ok(!error.message.includes("<h1>"));
});

Deno.test("describeErrorResponse puts a plain-text body into the message", () => {
  const error = respond(429, "Too Many Requests\n", { "content-type": "text/plain" });
  assert.equal(error.type, "rate_limited");
  assert.match(error.message, /HTTP 429/);
  assert.match(error.message, /Too Many Requests/);
  assert.deepEqual(error.details, { content_type: "text/plain", body: "Too Many Requests" });
});

Deno.test("describeErrorResponse describes an empty body by its status and content type", () => {
  const error = describeErrorResponse(503, new Headers(), "");
  assert.equal(error.type, "provider_unavailable");
  assert.equal(error.status, 503);
  assert.match(error.message, /HTTP 503/);
  assert.ok(
    !error.message.trimEnd().endsWith(":"),
    `"${error.message}" ends with a dangling colon`,
  );
});

Deno.test("describeErrorResponse summarises a JSON body that has no error object", () => {
  const error = respond(500, { detail: "Internal failure", trace: "abc" });
  assert.match(error.message, /"detail":"Internal failure"/);
  assert.deepEqual(error.details, {
    content_type: "application/json",
    body: { detail: "Internal failure", trace: "abc" },
  });
});

Deno.test("describeErrorResponse uses a string error as the message", () => {
  const error = respond(401, { error: "No auth credentials found" });
  assert.equal(error.type, "authentication");
  assert.equal(error.message, "No auth credentials found");
});

Deno.test('describeErrorResponse does not report an error: null body as the message "null"', () => {
  const error = respond(500, { error: null });
  assert.equal(error.status, 500);
  assert.notEqual(error.message, "null");
  assert.match(error.message, /500/);
});

Deno.test("describeErrorObject says when an error has no message at all", () => {
  assert.equal(
    describeErrorObject({ code: 500 }, null).message,
    "Upstream error (HTTP 500) without a message",
  );
  assert.equal(describeErrorObject({}, null).message, "Upstream error without a message");
});

Deno.test("describeErrorResponse reads Retry-After given in seconds", () => {
  const error = respond(429, { error: { code: 429, message: "Rate limited" } }, {
    "retry-after": "30",
  });
  assert.equal(error.retryAfter, 30);
});

Deno.test("describeErrorResponse reads Retry-After given as an HTTP date", () => {
  const inOneMinute = new Date(Date.now() + 60_000).toUTCString();
  const error = respond(503, { error: { code: 503, message: "Unavailable" } }, {
    "retry-after": inOneMinute,
  });
  assert.ok(
    error.retryAfter !== null && error.retryAfter >= 58 && error.retryAfter <= 60,
    String(error.retryAfter),
  );
});

Deno.test("describeErrorResponse reads a Retry-After date in the past as 0 seconds", () => {
  const error = respond(503, "down", { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" });
  assert.equal(error.retryAfter, 0);
});

Deno.test("describeErrorResponse prefers the Retry-After header to availability.retry_after", () => {
  const body = { error: { message: "busy", http_status: 503, availability: { retry_after: 30 } } };
  assert.equal(respond(503, body, { "retry-after": "5" }).retryAfter, 5);
  assert.equal(respond(503, body, { "retry-after": "soon" }).retryAfter, 30);
  assert.equal(respond(503, body, {}).retryAfter, 30);
});

Deno.test("describeErrorResponse has no retryAfter without a usable header or availability", () => {
  assert.equal(respond(429, { error: { code: 429, message: "x" } }, {}).retryAfter, null);
  assert.equal(
    respond(429, { error: { code: 429, message: "x" } }, { "retry-after": "later" }).retryAfter,
    null,
  );
});
