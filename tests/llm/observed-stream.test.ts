import assert from "node:assert/strict";
import {
  observeStream,
  type StreamEnd,
} from "../../supabase/functions/_shared/llm/observed-stream.ts";

const encoder = new TextEncoder();

Deno.test("observeStream passes every chunk on unchanged when onChunk throws, and still ends once", async () => {
  const sent = ["data: one\n\n", "data: two\n\n", "data: [DONE]\n\n"].map((t) => encoder.encode(t));
  let seen = 0;
  const chunkErrors: unknown[] = [];
  const ends: StreamEnd[] = [];
  const body = observeStream(ReadableStream.from(sent), {
    onChunk() {
      seen++;
      throw new RangeError("the observer broke");
    },
    onChunkError: (error) => void chunkErrors.push(error),
    onEnd: (end) => void ends.push(end),
    abortUpstream: () => assert.fail("the upstream was aborted"),
    idleTimeoutMs: 60_000,
    totalTimeoutMs: 60_000,
  });
  const received: Uint8Array[] = [];
  for await (const chunk of body) received.push(chunk);
  assert.deepEqual(received, sent, "same bytes, same boundaries");
  assert.equal(seen, 1, "the observer is not called again once it threw");
  assert.equal(chunkErrors.length, 1);
  assert.match(String(chunkErrors[0]), /the observer broke/);
  assert.deepEqual(ends, [{ kind: "eof" }]);
});

Deno.test("observeStream without onChunkError still relays a stream whose observer throws", async () => {
  const body = observeStream(ReadableStream.from([encoder.encode("a"), encoder.encode("b")]), {
    onChunk() {
      throw new Error("no");
    },
    onEnd: () => undefined,
    abortUpstream: () => {},
    idleTimeoutMs: 60_000,
    totalTimeoutMs: 60_000,
  });
  assert.equal(await new Response(body).text(), "ab");
});
