import assert from "node:assert/strict";
import { errorResponse } from "../../supabase/functions/_shared/http/error-response.ts";
import { LLMNetworkError } from "../../supabase/functions/_shared/llm-service.ts";
import { describeNetworkFailure } from "../../supabase/functions/_shared/llm/network-failure.ts";
import { openServiceHarness, TEST_API_KEY } from "../harness/service.ts";

const messages = [{ role: "user" as const, content: "Hello" }];

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A server that does `behave` with each connection, on loopback. */
function rawServer(behave: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    for await (const conn of listener) await behave(conn).catch(() => {});
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    [Symbol.asyncDispose]: async () => (listener.close(), await done),
  };
}

/** Every text a thrown error can show: message, details, the cause chain, and its inspection. */
function everythingShown(error: unknown): string {
  const parts: string[] = [Deno.inspect(error, { depth: 10 }), String(error)];
  let current: unknown = error;
  for (let i = 0; i < 10 && current; i++) {
    const e = current as { message?: unknown; details?: unknown; stack?: unknown };
    parts.push(String(e.message), JSON.stringify(e.details ?? null), String(e.stack));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join("\n");
}

Deno.test("with the API key in baseUrl, no error, row, console line or HTTP response shows it", async () => {
  await using h = await openServiceHarness();
  const baseUrl = `http://127.0.0.1:${closedPort()}/gateway/${TEST_API_KEY}/openrouter`;
  const service = h.withOptions({ baseUrl, sink: null, estimateCosts: false });
  const error = await service.chatCompletion({ messages }).then(() => null, (e) => e);
  assert.ok(error instanceof LLMNetworkError);
  const stream = await service.streamCompletion({ messages }).then(() => null, (e) => e);
  assert.ok(stream instanceof LLMNetworkError);
  await service.flush();
  const response = errorResponse(error);
  const shown = [
    everythingShown(error),
    everythingShown(stream),
    JSON.stringify(h.fallback),
    await response.text(),
  ].join("\n");
  assert.ok(!shown.includes(TEST_API_KEY), "the key leaked");
  assert.match(JSON.stringify(h.fallback), /redacted: api key/, "the URL is kept, masked");
  assert.equal(response.status, 502);
});

Deno.test("a refused connection is recorded as connection_refused in the row", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({ baseUrl: `http://127.0.0.1:${closedPort()}/api/v1` });
  const error = await service.chatCompletion({ messages }).then(() => null, (e) => e);
  assert.ok(error instanceof LLMNetworkError);
  assert.match(error.message, /connection refused/i);
  await service.flush();
  const row = await h.row(error.logId);
  assert.equal(row?.error_type, "network_error");
  assert.equal(
    (row?.error_details as Record<string, unknown>).network_reason,
    "connection_refused",
  );
});

Deno.test("a connection closed before any response is recorded as connection_closed", async () => {
  await using server = rawServer(async (conn) => {
    await conn.read(new Uint8Array(1024));
    conn.close();
  });
  await using h = await openServiceHarness();
  const service = h.withOptions({ baseUrl: `http://127.0.0.1:${server.port}/api/v1` });
  const error = await service.chatCompletion({ messages }).then(() => null, (e) => e);
  assert.ok(error instanceof LLMNetworkError, String(error));
  await service.flush();
  const row = await h.row(error.logId);
  assert.equal((row?.error_details as Record<string, unknown>).network_reason, "connection_closed");
});

Deno.test("a TLS handshake that fails is recorded as tls_failure", async () => {
  await using server = rawServer(async (conn) => {
    await conn.read(new Uint8Array(1024));
    await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    conn.close();
  });
  await using h = await openServiceHarness();
  const service = h.withOptions({ baseUrl: `https://127.0.0.1:${server.port}/api/v1` });
  const error = await service.chatCompletion({ messages }).then(() => null, (e) => e);
  assert.ok(error instanceof LLMNetworkError, String(error));
  assert.equal((error.details as Record<string, unknown>).network_reason, "tls_failure");
});

Deno.test("network failure reasons are read from every runtime's cause chain", () => {
  const cases: [unknown, string][] = [
    [
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("x"), { code: "ECONNRESET" }),
      }),
      "connection_reset",
    ],
    [
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("x"), { code: "ETIMEDOUT" }),
      }),
      "connect_timeout",
    ],
    [
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("x"), { code: "ENOTFOUND" }),
      }),
      "dns_failure",
    ],
    [
      new TypeError(
        "error sending request for url (http://h/): client error (Connect): tcp connect error: Connection refused (os error 111)",
      ),
      "connection_refused",
    ],
    [
      new TypeError("fetch failed", {
        cause: new Error("client error (Connect): dns error: failed to lookup address information"),
      }),
      "dns_failure",
    ],
    [
      new TypeError("fetch failed", {
        cause: new Error("invalid peer certificate: UnknownIssuer"),
      }),
      "tls_failure",
    ],
    [
      new TypeError("error sending request: connection closed before message completed"),
      "connection_closed",
    ],
    [new TypeError("fetch failed"), "unknown"],
  ];
  for (const [error, reason] of cases) {
    assert.equal(describeNetworkFailure(error).reason, reason, String(error));
  }
});
