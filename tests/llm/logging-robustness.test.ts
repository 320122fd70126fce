import assert from "node:assert/strict";
import {
  createSqlSink,
  type LLMCallLogRow,
  type LogSink,
  LogWriteError,
} from "../../supabase/functions/_shared/llm-service.ts";
import { openServiceHarness, TEST_API_KEY } from "../harness/service.ts";

const messages = [{ role: "user" as const, content: "Hello" }];

/** Resolves with the promise's value, or rejects if it takes longer than `ms` (a hang). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

Deno.test("a hanging sink never delays a call, and every row is still accounted for", async () => {
  await using h = await openServiceHarness();
  const hanging: LogSink = { write: () => new Promise(() => {}) };
  const service = h.withOptions({
    sink: hanging,
    writer: { batchDelayMs: 1, retryDelayMs: 1, attemptTimeoutMs: 50, maxAttempts: 2 },
  });
  const completions = await withinMs(
    Promise.all(Array.from({ length: 5 }, () => service.chatCompletion({ messages }))),
    5_000,
  );
  assert.equal(completions.length, 5);
  await service.flush();
  assert.equal(h.fallback.length, 5);
  assert.ok(h.fallback.every((line) => /timed out after 50 ms/.test(line.reason)));
});

Deno.test("a database that is down for a while loses nothing: rows land after recovery or are printed, counted", async () => {
  await using h = await openServiceHarness();
  const real = createSqlSink((text, params) => h.db.query(text, params));
  let down = true;
  const flaky: LogSink = {
    write: (rows) =>
      down ? Promise.reject(new LogWriteError("connection refused", true)) : real.write(rows),
  };
  const service = h.withOptions({
    sink: flaky,
    writer: { batchDelayMs: 1, retryDelayMs: 5, maxAttempts: 4, maxQueuedRows: 6 },
  });
  const ids: string[] = [];
  const calls = Array.from({ length: 10 }, async (_, i) => {
    const model = i % 3 === 0 ? "sim/error-429" : "openai/gpt-4o-mini";
    await service.chatCompletion({ model, messages }).catch((error) => ids.push(error.logId));
  });
  await withinMs(Promise.all(calls), 5_000);
  setTimeout(() => down = false, 40);
  await service.flush();
  const stored = await h.rows();
  const printed = h.fallback.map((line) => line.row.id);
  assert.equal(stored.length + printed.length, 10, "each call is in the table or the fallback");
  assert.equal(
    new Set([...stored.map((r) => r.id), ...printed]).size,
    10,
    "and in only one of them",
  );
  for (const id of ids) assert.ok([...stored.map((r) => r.id), ...printed].includes(id));
});

Deno.test("a sink that throws synchronously cannot break a call", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({
    sink: {
      write: () => {
        throw new Error("sink bug");
      },
    },
    writer: { batchDelayMs: 1, maxAttempts: 1 },
  });
  const completion = await service.chatCompletion({ messages });
  assert.ok(completion.id);
  const response = await service.streamCompletion({ messages });
  assert.ok((await response.text()).includes("[DONE]"));
  await service.flush();
  assert.equal(h.fallback.length, 2);
  assert.match(h.fallback[0].reason, /sink bug/);
});

Deno.test("a fallback line holds the whole row and can be replayed into the table", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({ sink: null });
  await service.chatCompletion({ messages }, { userId: "user_9", metadata: { plan: "pro" } });
  await service.flush();
  const [line] = h.fallback;
  assert.equal(line.event, "llm_call_log_unwritten");
  assert.match(line.reason, /^no_sink/);
  await h.db.query(
    `insert into llm_call_logs select * from jsonb_populate_record(null::llm_call_logs, $1::text::jsonb)`,
    [JSON.stringify(line.row)],
  );
  const stored = await h.row(line.row.id);
  assert.deepEqual(stored, line.row);
});

Deno.test("text Postgres would reject is made safe and the row still lands", async () => {
  await using h = await openServiceHarness();
  const nasty = "nul:\u0000 lone high:\ud800 lone low:\udc00 emoji:👋";
  await h.service.chatCompletion({
    messages: [{ role: "user", content: nasty }],
  }, { metadata: { ["key\u0000"]: "v\ud83d" } });
  await h.service.flush();
  const [row] = await h.rows();
  const content = (row.request_messages as { content: string }[])[0].content;
  assert.equal(content, "nul:\ufffd lone high:\ufffd lone low:\ufffd emoji:👋");
  assert.match(row.completion_text!, /nul:\ufffd lone high:\ufffd/);
  assert.deepEqual(row.metadata, { "key\ufffd": "v\ufffd" });
  assert.equal(h.fallback.length, 0);
});

Deno.test("base64 attachments are summarised in the row, not stored", async () => {
  await using h = await openServiceHarness();
  const image = `data:image/png;base64,${btoa("x".repeat(30_000))}`;
  const request = {
    messages: [{
      role: "user" as const,
      content: [{ type: "text" as const, text: "What is this?" }, {
        type: "image_url" as const,
        image_url: { url: image },
      }],
    }],
  };
  await h.service.chatCompletion(request);
  const sent = h.sim.exchanges[0].request.json;
  assert.equal(sent.messages[0].content[1].image_url.url, image, "the upstream gets the image");
  await h.service.flush();
  const [row] = await h.rows();
  const part = (row.request_messages as { content: { image_url?: { url: string } }[] }[])[0]
    .content[1];
  assert.match(part.image_url!.url, /^\[base64 image\/png, 30000 bytes, sha256:[0-9a-f]{16}\]$/);
});

Deno.test("the redact hook runs on every path: success, failure, rejection and streams", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({
    redact: (row) => ({
      ...row,
      request_messages: [],
      completion_text: row.completion_text === null ? null : "[redacted]",
      metadata: { ...row.metadata as Record<string, unknown>, redacted: true },
    }),
  });
  await service.chatCompletion({ messages });
  await service.chatCompletion({ model: "sim/error-500", messages }).catch(() => {});
  await service.chatCompletion({ messages: [] }).catch(() => {});
  const stream = await service.streamCompletion({ messages });
  await stream.text();
  const cancelled = await service.streamCompletion({ model: "sim/stream-hang", messages });
  const reader = cancelled.body!.getReader();
  await reader.read();
  await reader.cancel();
  await service.flush();
  const rows = await h.rows();
  assert.equal(rows.length, 5);
  for (const row of rows) {
    assert.deepEqual(row.request_messages, []);
    assert.equal((row.metadata as Record<string, unknown>).redacted, true);
    assert.ok(row.completion_text === null || row.completion_text === "[redacted]");
  }
});

Deno.test("a redact hook that throws does not leak what it was meant to hide", async () => {
  await using h = await openServiceHarness();
  const service = h.withOptions({
    redact: () => {
      throw new Error("redactor offline");
    },
  });
  await service.chatCompletion({ messages: [{ role: "user", content: "my secret diagnosis" }] });
  await service.flush();
  const [row] = await h.rows();
  assert.doesNotMatch(JSON.stringify(row), /secret diagnosis/);
  assert.deepEqual(row.metadata, { redact_error: "redactor offline" });
  assert.equal(row.status, "completed");
  assert.ok(row.total_tokens! > 0, "the accounting columns are kept");
});

Deno.test("the API key never appears in a row, an error or any console output", async () => {
  await using h = await openServiceHarness();
  const printed: string[] = [];
  const originals = {
    log: console.log,
    warn: console.warn,
    error: console.error,
    info: console.info,
  };
  for (const level of ["log", "warn", "error", "info"] as const) {
    console[level] = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  }
  try {
    const echo = `test/echo-key/${crypto.randomUUID()}`;
    h.sim.route(echo, (request) =>
      Response.json({
        error: { code: 401, message: `Invalid key ${request.headers.get("authorization")}` },
      }, { status: 401 }));
    const service = h.withOptions({ sink: null, fallback: (line) => console.error(line) });
    const error = await service.chatCompletion({ model: echo, messages }).catch((e) => e);
    console.error(error.message, JSON.stringify(error.details));
    await service.chatCompletion({ messages: [{ role: "user", content: `key: ${TEST_API_KEY}` }] });
    await service.flush();
  } finally {
    Object.assign(console, originals);
  }
  assert.ok(printed.length >= 2, "rows were printed by the fallback");
  for (const line of printed) assert.ok(!line.includes(TEST_API_KEY), `leaked in: ${line}`);
  assert.ok(printed.some((line) => line.includes("[redacted: api key]")));
});

Deno.test("context values of the wrong type are stored as text, never a crash", async () => {
  await using h = await openServiceHarness();
  const context = { userId: 456, requestId: null, metadata: { at: new Date(0), big: 2n } };
  await h.service.chatCompletion({ messages }, context as never);
  await h.service.flush();
  const [row] = await h.rows();
  assert.equal(row.user_id, "456");
  assert.equal(row.request_id, null);
  assert.deepEqual(row.metadata, { at: "1970-01-01T00:00:00.000Z", big: "2" });
});

Deno.test("an oversized answer and odd Unicode from the model land whole", async () => {
  await using h = await openServiceHarness();
  const model = `test/huge/${crypto.randomUUID()}`;
  const text = "Ω≈ç√ 🏳️‍🌈 \u202e reversed ".repeat(40_000);
  h.sim.route(model, () =>
    Response.json({
      id: "gen-huge",
      model,
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: text } }],
    }));
  const completion = await h.service.chatCompletion({ model, messages });
  assert.equal(completion.choices[0].message!.content, text);
  await h.service.flush();
  const [row] = await h.rows();
  assert.equal(row.completion_text, text);
  assert.equal((row as LLMCallLogRow).status, "completed");
});

Deno.test("a caller who reuses or edits its objects after the call cannot change the logged row", async () => {
  await using h = await openServiceHarness();
  const conversation = [{ role: "user" as const, content: "first question" }];
  const metadata: Record<string, unknown> = { feature: "chat" };
  const completion = await h.service.chatCompletion({ messages: conversation }, { metadata });
  conversation.push({ role: "user", content: "second question" });
  conversation[0].content = "edited";
  metadata.feature = "mutated";
  completion.choices[0].message!.content = "rewritten by the caller";
  await h.service.flush();
  const [row] = await h.rows();
  assert.deepEqual(row.request_messages, [{ role: "user", content: "first question" }]);
  assert.deepEqual(row.metadata, { feature: "chat" });
  assert.match(row.completion_text!, /^Simulated reply to: first question/);
});

Deno.test("on the Edge Runtime, writes are kept alive with EdgeRuntime.waitUntil and a shutdown prints what has not landed", async () => {
  await using h = await openServiceHarness();
  const registered: Promise<unknown>[] = [];
  const runtime = globalThis as { EdgeRuntime?: unknown };
  runtime.EdgeRuntime = { waitUntil: (promise: Promise<unknown>) => registered.push(promise) };
  try {
    const service = h.withOptions({ waitUntil: undefined, writer: { batchDelayMs: 60_000 } });
    const completion = await service.chatCompletion({ messages });
    assert.ok(registered.length >= 1, "EdgeRuntime.waitUntil received the pending write");
    globalThis.dispatchEvent(new Event("beforeunload"));
    const line = h.fallback.find((l) => l.row.generation_id === completion.id);
    assert.equal(line?.reason, "worker_shutdown");
    assert.equal(line?.row.status, "completed");
    assert.deepEqual(line?.row.request_messages, messages);
    await Promise.all(registered);
  } finally {
    delete runtime.EdgeRuntime;
  }
});

Deno.test("one oversized userId (a JWT passed by mistake) is cut, and neither it nor its batch is lost", async () => {
  await using h = await openServiceHarness();
  const bytes = crypto.getRandomValues(new Uint8Array(7_500));
  const jwt = btoa(String.fromCharCode(...bytes)); // 10,000 characters that do not compress
  const calls = Array.from(
    { length: 10 },
    (_, i) => h.service.chatCompletion({ messages }, { userId: i === 3 ? jwt : `user_${i}` }),
  );
  await Promise.all(calls);
  await h.service.flush();
  const rows = await h.rows();
  assert.equal(h.fallback.length, 0, "nothing was printed");
  assert.equal(rows.length, 10, "every row landed");
  const cut = rows.find((row) => row.user_id!.startsWith(jwt.slice(0, 50)))!;
  assert.equal(cut.user_id!.length, 255);
  assert.ok(cut.user_id!.endsWith("…[truncated]"));
  assert.deepEqual((cut.metadata as Record<string, unknown>).llm_log_truncated, {
    user_id: 10_000,
  });
});

Deno.test("a worker shutdown prints every row not in a write, cleaned like a stored row, and the write in progress still reports", async () => {
  await using h = await openServiceHarness();
  const runtime = globalThis as { EdgeRuntime?: unknown };
  const registered: Promise<unknown>[] = [];
  runtime.EdgeRuntime = { waitUntil: (promise: Promise<unknown>) => registered.push(promise) };
  const lines: string[] = [];
  let writes = 0;
  let inWrite = 0;
  let failWrite!: (error: Error) => void;
  const blocked = new Promise<void>((_, reject) => failWrite = reject);
  try {
    const echo = `test/echo-key/${crypto.randomUUID()}`;
    h.sim.route(echo, (request) =>
      Response.json({
        error: { code: 401, message: `Invalid key ${request.headers.get("authorization")}` },
      }, { status: 401 }));
    const service = h.withOptions({
      waitUntil: undefined,
      fallback: (line) => void lines.push(line),
      sink: { write: (rows) => (writes++, inWrite = rows.length, blocked) },
      writer: { batchDelayMs: 20, maxConcurrentWrites: 1, maxAttempts: 5, retryDelayMs: 60_000 },
    });
    const nasty = { messages: [{ role: "user" as const, content: "nul:\u0000 lone:\ud800" }] };
    const wave = (n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          (i % 2
            ? service.chatCompletion(nasty)
            : service.chatCompletion({ model: echo, messages }))
            .then((c) =>
              c.id, (e) => e.logId)),
      );
    await wave(4); // these rows go into the write that hangs
    while (writes === 0) await new Promise((r) => setTimeout(r, 5));
    await wave(4); // these are queued behind it
    await new Promise((r) => setTimeout(r, 60));
    await wave(4); // these are still gathering
    globalThis.dispatchEvent(new Event("beforeunload"));
    assert.ok(inWrite > 0);
    assert.equal(lines.length, 12 - inWrite, "queued and gathering rows are printed at once");
    failWrite(new LogWriteError("connection refused", true));
    await Promise.all(registered);
    await service.flush();
    assert.equal(lines.length, 12, "the rows of the failed write are printed at once, not retried");
    assert.equal(writes, 1);
  } finally {
    delete runtime.EdgeRuntime;
  }
  const parsed = lines.map((line) => JSON.parse(line));
  assert.equal(new Set(parsed.map((l) => l.row.id)).size, 12);
  for (const line of lines) {
    assert.ok(!line.includes(TEST_API_KEY), "the key is masked");
    assert.ok(!/\\u0000|\\ud800/.test(line), "NUL and lone surrogates are replaced");
  }
  assert.ok(lines.some((line) => line.includes("[redacted: api key]")));
});
