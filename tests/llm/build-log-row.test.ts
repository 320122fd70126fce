import assert from "node:assert/strict";
import { buildLogRow, type CallStart } from "../../supabase/functions/_shared/llm/build-log-row.ts";

const START: CallStart = {
  id: crypto.randomUUID(),
  method: "chat_completion",
  request: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] },
  context: {},
  startedAt: Date.parse("2026-11-26T12:00:00Z"),
  startedMono: 0,
};

/** The completion text of a row whose response's first message has this `content`. */
function completionText(content: unknown): string | null {
  const body = { choices: [{ message: { role: "assistant", content } }] };
  return buildLogRow(START, { status: "completed", endedAt: START.startedAt, endedMono: 1, body })
    .completion_text;
}

Deno.test("buildLogRow takes a message's content as the completion text", () => {
  assert.equal(completionText("Hello"), "Hello");
  assert.equal(completionText(null), null);
});

Deno.test("buildLogRow joins the text parts of a content given as an array of parts", () => {
  const parts = [
    { type: "text", text: "a" },
    { type: "image_url", image_url: { url: "https://example.com/x.png" } },
    { type: "text", text: "b" },
  ];
  assert.equal(completionText(parts), "ab");
});

Deno.test("buildLogRow has no completion text for content parts without text", () => {
  assert.equal(completionText([]), null);
  assert.equal(completionText([{ type: "image_url", image_url: { url: "x" } }]), null);
});
