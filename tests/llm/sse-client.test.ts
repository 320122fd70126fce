import assert from "node:assert/strict";
import OpenAI from "openai";
import { openServiceHarness } from "../harness/service.ts";

/** An OpenAI SDK client whose HTTP requests are answered by the service's streamCompletion. */
function sdkOver(stream: (body: Record<string, unknown>) => Promise<Response>): OpenAI {
  return new OpenAI({
    apiKey: "unused-by-the-proxy",
    baseURL: "http://edge-function.local/v1",
    fetch: async (_url: RequestInfo | URL, init?: RequestInit) =>
      await stream(JSON.parse(String(init?.body))),
  });
}

Deno.test("the openai SDK reads the returned Response as if it talked to OpenRouter, and gets the logged text", async (t) => {
  await using h = await openServiceHarness();
  const client = sdkOver((body) => h.service.streamCompletion(body as never));
  for (
    const model of [
      "openai/gpt-4o-mini",
      "sim/stream-bytes",
      "sim/stream-crlf",
      "sim/transcript/keepalive-heavy",
    ]
  ) {
    await t.step(model, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Say hello" }],
        stream: true,
      });
      let text = "";
      let usage: unknown = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        usage = chunk.usage ?? usage;
      }
      assert.ok(text.length > 0);
      await h.service.flush();
      const rows = await h.rows();
      const row = rows.find((r) => r.model === model)!;
      assert.equal(row.status, "completed");
      assert.equal(row.completion_text, text);
      assert.equal((usage as { total_tokens: number }).total_tokens, row.total_tokens);
    });
  }
});

Deno.test("the openai SDK sees a mid-stream error as an error, and the row says failed", async () => {
  await using h = await openServiceHarness();
  const client = sdkOver((body) => h.service.streamCompletion(body as never));
  const stream = await client.chat.completions.create({
    model: "sim/stream-error-numeric",
    messages: [{ role: "user", content: "Say hello" }],
    stream: true,
  });
  let text = "";
  const error = await (async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  })().then(() => null, (e) => e);
  assert.ok(error instanceof Error, "the SDK raised the in-band error");
  await h.service.flush();
  const [row] = await h.rows();
  assert.equal(row.status, "failed");
  assert.equal(row.error_type, "stream_error");
  assert.equal(row.completion_text, text);
});
