import assert from "node:assert/strict";
import {
  type ChatCompletion,
  LLMApiError,
  LLMTimeoutError,
  LLMValidationError,
} from "../../supabase/functions/_shared/llm-service.ts";
import {
  loadTranscript,
  replayTranscript,
  type StreamOptions,
} from "../../tools/openrouter-simulator/mod.ts";
import { openServiceHarness, type ServiceHarness } from "../harness/service.ts";

const messages = [{ role: "user" as const, content: "Tell me something." }];
const decoder = new TextDecoder();

/** Reads a body to the end, as bytes. */
async function readAll(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** Serves a transcript for a model, cut and paced as asked. */
async function routeTranscript(h: ServiceHarness, name: string, options: StreamOptions = {}) {
  const text = await loadTranscript(name);
  const model = `test/${name}/${crypto.randomUUID()}`;
  h.sim.route(
    model,
    () => replayTranscript(text, { headers: { "x-generation-id": `gen-${name}` }, ...options }),
  );
  return { model, text };
}

/** The only row, once written. */
async function onlyRow(h: ServiceHarness) {
  await h.service.flush();
  const rows = await h.rows();
  assert.equal(rows.length, 1);
  return rows[0];
}

Deno.test("streamCompletion returns the upstream bytes unchanged, with SSE headers, and logs the reassembled completion", async () => {
  await using h = await openServiceHarness();
  const { model, text } = await routeTranscript(h, "basic");
  const response = await h.service.streamCompletion({ model, messages, stream: false }, {
    requestId: "req_9",
    edgeFunction: "chat-stream",
    userId: "user_1",
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("x-generation-id"), "gen-basic");
  const received = await readAll(response);
  assert.equal(decoder.decode(received), text);
  assert.deepEqual(received, h.sim.exchanges[0].sentBytes());
  assert.equal(
    h.sim.exchanges[0].request.json.stream,
    true,
    "stream: true whatever the caller passed",
  );

  const row = await onlyRow(h);
  assert.equal(row.id, response.headers.get("x-llm-log-id"));
  assert.equal(row.method_type, "stream_completion");
  assert.equal(row.status, "completed");
  assert.equal(row.completion_text, "The capital of France is Paris.");
  assert.equal(row.finish_reason, "stop");
  assert.deepEqual([row.prompt_tokens, row.completion_tokens, row.total_tokens], [24, 7, 31]);
  assert.deepEqual([row.cost_usd, row.cost_source], ["0.0000078", "provider"]);
  assert.deepEqual([row.request_id, row.edge_function, row.user_id], [
    "req_9",
    "chat-stream",
    "user_1",
  ]);
  assert.equal(row.generation_id, "gen-1764158400-basicAAAAAAAAAAAAAAAA");
  assert.deepEqual([row.response_model, row.provider, row.http_status], [
    "openai/gpt-4o-mini",
    "OpenAI",
    200,
  ]);
  assert.equal((row.request_params as Record<string, unknown>).stream, true);
  const body = row.response_body as unknown as ChatCompletion;
  assert.equal(body.id, "gen-1764158400-basicAAAAAAAAAAAAAAAA");
  assert.equal(body.choices[0].message?.content, "The capital of France is Paris.");
  assert.equal(body.choices[0].finish_reason, "stop");
  assert.equal(body.usage?.cost, 0.0000078);
  assert.ok(
    row.time_to_first_token_ms !== null && row.time_to_first_token_ms <= row.response_time_ms!,
  );
});

Deno.test("the time to first token is taken at the first token, not the first byte, and is NULL when none came", async () => {
  await using h = await openServiceHarness();
  const { model } = await routeTranscript(h, "keepalive-heavy", { delayMs: 40 }); // one event per write
  const response = await h.service.streamCompletion({ model, messages });
  await readAll(response);
  const row = await onlyRow(h);
  // 12 comments come first, 40 ms apart: the first token cannot arrive before ~480 ms.
  assert.ok(row.time_to_first_token_ms! >= 400, `ttft ${row.time_to_first_token_ms}`);
  assert.ok(row.time_to_first_token_ms! < row.response_time_ms!);

  const keepAlives = `test/only-comments/${crypto.randomUUID()}`;
  h.sim.route(keepAlives, () => replayTranscript(": OPENROUTER PROCESSING\n\ndata: [DONE]\n\n"));
  const empty = await h.service.streamCompletion({ model: keepAlives, messages });
  await readAll(empty);
  await h.service.flush();
  const none = await h.row(empty.headers.get("x-llm-log-id")!);
  assert.equal(none?.time_to_first_token_ms, null);
  assert.equal(none?.completion_text, null);
});

Deno.test("a stream that ends without [DONE] or breaks off is a transport failure with the partial output", async (t) => {
  await using h = await openServiceHarness();
  await t.step("ends early", async () => {
    const { model, text } = await routeTranscript(h, "disconnect");
    const response = await h.service.streamCompletion({ model, messages });
    assert.equal(decoder.decode(await readAll(response)), text);
    await h.service.flush();
    const row = (await h.row(response.headers.get("x-llm-log-id")!))!;
    assert.deepEqual([row.status, row.error_type], ["failed", "stream_interrupted"]);
    assert.equal(row.completion_text, "This answer never fini");
    assert.equal(row.total_tokens, null, "no usage arrived");
  });
  await t.step("the connection breaks", async () => {
    const response = await h.service.streamCompletion({ model: "sim/stream-abort", messages });
    await assert.rejects(readAll(response));
    await h.service.flush();
    const row = (await h.row(response.headers.get("x-llm-log-id")!))!;
    assert.deepEqual([row.status, row.error_type], ["failed", "stream_interrupted"]);
    assert.match(row.error_message!, /broke off/);
    assert.ok(row.completion_text!.length > 0);
  });
});

Deno.test("when the client disconnects, the upstream request is aborted at once and the call is logged as cancelled", async () => {
  await using h = await openServiceHarness();
  const response = await h.service.streamCompletion({ model: "sim/stream-hang", messages });
  const reader = response.body!.getReader();
  let text = "";
  while (!text.includes("reply ")) text += decoder.decode((await reader.read()).value);
  await reader.cancel("client went away");
  assert.equal(await h.sim.exchanges[0].ended, "client-closed");
  const row = await onlyRow(h);
  assert.deepEqual([row.status, row.error_type], ["cancelled", "cancelled"]);
  assert.match(row.completion_text!, /^Simulated reply $/);
  assert.ok(row.time_to_first_token_ms !== null);
  assert.match(row.error_message!, /client disconnected/);
});

Deno.test("aborting context.signal mid-stream cancels upstream, ends the client's stream and logs it as cancelled", async () => {
  await using h = await openServiceHarness();
  const controller = new AbortController();
  const response = await h.service.streamCompletion({ model: "sim/stream-hang", messages }, {
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const first = await reader.read();
  controller.abort(new Error("the client went away"));
  let next = await reader.read();
  while (!next.done) next = await reader.read(); // chunks already passed on may still come
  assert.ok(first.value && first.value.length > 0);
  assert.equal(await h.sim.exchanges[0].ended, "client-closed");
  const row = await onlyRow(h);
  assert.equal(row.id, response.headers.get("x-llm-log-id"));
  assert.deepEqual([row.status, row.error_type], ["cancelled", "cancelled"]);
  assert.match(row.error_message!, /context\.signal: Error: the client went away/);
});

Deno.test("a body nobody reads does not keep the upstream open: the idle timeout closes it and logs the call", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({ streamIdleTimeoutMs: 150 });
  const response = await service.streamCompletion({ model: "sim/stream-hang", messages });
  assert.equal(await h.sim.exchanges[0].ended, "client-closed");
  await service.flush();
  const row = (await h.row(response.headers.get("x-llm-log-id")!))!;
  assert.deepEqual([row.status, row.error_type], ["failed", "timeout"]);
  assert.match(row.error_message!, /no progress for 150 ms/);
  await response.body?.cancel().catch(() => {});
});

Deno.test("an upstream that stops sending times out mid-stream; one that never ends hits the total limit", async (t) => {
  await using h = await openServiceHarness();
  await t.step("goes silent", async () => {
    const service = h.withOptions({ streamIdleTimeoutMs: 150 });
    const response = await service.streamCompletion({ model: "sim/stream-hang", messages });
    const error = await readAll(response).then(() => null, (e) => e);
    assert.ok(error instanceof LLMTimeoutError);
    await service.flush();
    const row = (await h.row(error.logId))!;
    assert.deepEqual([row.status, row.error_type], ["failed", "timeout"]);
    assert.match(row.completion_text!, /^Simulated reply/);
  });
  await t.step("keep-alives forever", async () => {
    const service = h.withOptions({ streamTimeoutMs: 400 });
    const response = await service.streamCompletion({
      model: "sim/stream-keepalive-forever",
      messages,
    });
    const error = await readAll(response).then(() => null, (e) => e);
    assert.ok(error instanceof LLMTimeoutError);
    assert.equal(await h.sim.exchanges.at(-1)!.ended, "client-closed");
    await service.flush();
    const row = (await h.row(error.logId))!;
    assert.match(row.error_message!, /still open after 400 ms/);
    assert.equal(row.time_to_first_token_ms, null);
  });
});

Deno.test("failures before the stream starts reject like chatCompletion and are logged", async () => {
  await using h = await openServiceHarness();
  const limited = await h.service.streamCompletion({ model: "sim/error-429", messages }).then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(limited instanceof LLMApiError);
  assert.equal(limited.status, 429);
  const invalid = await h.service.streamCompletion({ messages: [] }).then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(invalid instanceof LLMValidationError);
  const notAStream = await h.service.streamCompletion({ model: "sim/error-in-200", messages }).then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(notAStream instanceof LLMApiError);
  await h.service.flush();
  const rows = await h.rows();
  assert.deepEqual(
    rows.map((r) => [r.method_type, r.status, r.error_type]).sort(),
    [
      ["stream_completion", "failed", "invalid_request"],
      ["stream_completion", "failed", "provider_error"],
      ["stream_completion", "failed", "rate_limited"],
    ],
  );
});

Deno.test("the row's write is registered before the Response is returned and lands after the handler is done", async () => {
  await using h = await openServiceHarness();
  const response = await h.service.streamCompletion({ model: "sim/slow", messages });
  const registeredAtReturn = h.registered.length;
  assert.ok(registeredAtReturn >= 1);
  // The handler has returned; the runtime streams the body later and keeps the worker alive.
  const body = readAll(response);
  await Promise.all(h.registered.slice(0, registeredAtReturn));
  assert.ok(decoder.decode(await body).includes("[DONE]"));
  const row = await h.row(response.headers.get("x-llm-log-id")!);
  assert.equal(
    row?.status,
    "completed",
    "the promise registered at return settled only after the row landed",
  );
});

Deno.test("a 10,000-chunk stream is routine", async () => {
  await using h = await openServiceHarness();
  const response = await h.service.streamCompletion({
    model: "sim/stream-long",
    messages,
    max_tokens: 10_000,
  });
  const received = await readAll(response);
  assert.deepEqual(received, h.sim.exchanges[0].sentBytes());
  const row = await onlyRow(h);
  assert.equal(row.status, "completed");
  const words = row.completion_text!.trim().split(" ");
  assert.equal(words.length, 10_000);
  assert.equal(words[9_999], "w9999");
});

Deno.test("an event with 300,000 reasoning_details streams through byte for byte and is logged once", async () => {
  await using h = await openServiceHarness();
  const details = Array.from({ length: 300_000 }, () => 0);
  const text =
    `data: ${JSON.stringify({ choices: [{ delta: { reasoning_details: details } }] })}\n\n` +
    'data: {"choices":[{"delta":{"content":"done"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
  h.sim.route("test/many-details", () => replayTranscript(text));
  const response = await h.service.streamCompletion({ model: "test/many-details", messages });
  assert.deepEqual(await readAll(response), h.sim.exchanges[0].sentBytes());
  const row = await onlyRow(h);
  assert.deepEqual([row.status, row.completion_text], ["completed", "done"]);
  const body = row.response_body as { choices: { message: { reasoning_details: unknown[] } }[] };
  assert.equal(body.choices[0].message.reasoning_details.length, 300_000);
});

Deno.test("a body whose chunks cannot be read still reaches the client unchanged and is logged once, saying why", async () => {
  await using h = await openServiceHarness();
  // A fetch wrapper that hands on text instead of bytes: the accumulator cannot decode it.
  const sent = ['data: {"choices":[{"delta":{"content":"A"}}]}\n\n', "data: [DONE]\n\n"];
  const service = h.withOptions({
    fetch: () =>
      Promise.resolve(
        new Response(ReadableStream.from(sent) as never, {
          headers: { "content-type": "text/event-stream" },
        }),
      ),
  });
  const response = await service.streamCompletion({ model: "test/text-chunks", messages });
  const received: unknown[] = [];
  for await (const chunk of response.body!) received.push(chunk);
  assert.deepEqual(received, sent);
  await service.flush();
  const rows = await h.rows();
  assert.equal(rows.length, 1, "exactly one row");
  assert.deepEqual([rows[0].status, rows[0].error_type], ["failed", "stream_error"]);
  assert.match(rows[0].error_message!, /^Reading the stream's events failed \(TypeError: /);
  assert.equal((rows[0].error_details as { code: string }).code, "stream_unreadable");
  assert.equal(rows[0].http_status, 200);
});
