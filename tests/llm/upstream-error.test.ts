import assert from "node:assert/strict";
import { describeErrorResponse } from "../../supabase/functions/_shared/llm/upstream-error.ts";

const JSON_HEADERS = { "content-type": "application/json" };

function respond(status: number, body: unknown, headers: Record<string, string> = JSON_HEADERS) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return describeErrorResponse(status, new Headers(headers), text);
}

// Every other error body is a wire fixture in tests/fixtures/openrouter/ (wire-fixtures.test.ts);
// this one depends on the clock.
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
