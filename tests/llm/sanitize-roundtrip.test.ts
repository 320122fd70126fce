import assert from "node:assert/strict";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { LogWriteError } from "../../supabase/functions/_shared/llm/log-sink.ts";
import { sanitizeRow } from "../../supabase/functions/_shared/llm/sanitize-row.ts";
import { createSqlSink } from "../../supabase/functions/_shared/llm/sql-sink.ts";
import { openTestDatabase, type TestDatabase } from "../harness/database.ts";
import { columnsOfType } from "../fixtures/log-rows.ts";

const API_KEY = "sk-or-v1-0123456789abcdef0123456789abcdef";
const NASTY = "nul\u0000 high\ud800 low\udc00 reversed\udc00\ud800 ok👋";
const JSONB_COLUMNS = columnsOfType("jsonb");
const TEXT_COLUMNS = columnsOfType("text");

/** A failed call's row with every column filled and every kind of unsafe content in it. */
function nastyRow(): LLMCallLogRow {
  const image = `data:image/png;base64,${btoa("\x89PNG".repeat(200))}`;
  const audio = btoa("RIFF....WAVE".repeat(100));
  return {
    id: crypto.randomUUID(),
    created_at: "2026-11-26T12:00:00.000Z",
    completed_at: "2026-11-26T12:00:01.250Z",
    request_id: `req ${NASTY}`,
    edge_function: `chat ${NASTY}`,
    user_id: `user ${NASTY}`,
    method_type: "stream_completion",
    model: `openai/gpt-4o-mini ${NASTY}`,
    response_model: `openai/gpt-4o-mini ${NASTY}`,
    provider: `OpenAI ${NASTY}`,
    generation_id: `gen-1 ${NASTY}`,
    status: "failed",
    request_messages: [
      { role: "system", content: NASTY },
      {
        role: "user",
        content: [
          { type: "text", text: NASTY },
          { type: "image_url", image_url: { url: image } },
          { type: "input_audio", input_audio: { data: audio, format: "wav" } },
        ],
        [`key ${NASTY}`]: NASTY,
      },
    ],
    request_params: {
      model: "openai/gpt-4o-mini",
      headers: { authorization: `Bearer ${API_KEY}` },
    },
    response_body: {
      choices: [{ message: { content: NASTY, images: [{ image_url: { url: image } }] } }],
    },
    completion_text: NASTY,
    finish_reason: `error ${NASTY}`,
    prompt_tokens: 8,
    completion_tokens: 2,
    total_tokens: 10,
    cached_tokens: null,
    reasoning_tokens: null,
    cost_usd: "0.00000735",
    cost_source: "provider",
    response_time_ms: 1250,
    time_to_first_token_ms: 300,
    http_status: 200,
    error_type: `stream_error ${NASTY}`,
    error_message: `boom with ${API_KEY} ${NASTY}`,
    error_details: { [NASTY]: [NASTY, { raw: NASTY }] },
    metadata: {
      feature: NASTY,
      at: new Date("2026-11-26T12:00:00Z"),
      big: 10n,
      nothing: undefined,
    } as never,
  };
}

/** A completed call's row with nothing to clean in it. */
function cleanRow(): LLMCallLogRow {
  return {
    ...nastyRow(),
    request_id: "req_1",
    edge_function: "chat",
    user_id: "user_456",
    model: "openai/gpt-4o-mini",
    response_model: "openai/gpt-4o-mini",
    provider: "OpenAI",
    generation_id: "gen-1764158400-AbCdEfGhIjKlMnOpQrSt",
    status: "completed",
    request_messages: [{ role: "user", content: "Hello" }],
    request_params: { model: "openai/gpt-4o-mini" },
    response_body: { choices: [{ message: { role: "assistant", content: "Hi!" } }] },
    completion_text: "Hi!",
    finish_reason: "stop",
    error_type: null,
    error_message: null,
    error_details: null,
    metadata: { feature: "chat" },
  };
}

async function storedColumns(db: TestDatabase, id: string): Promise<Record<string, unknown>> {
  const columns = [
    ...JSONB_COLUMNS.map((c) => `${c}::text as ${c}`),
    ...TEXT_COLUMNS,
    "cost_usd::text as cost_usd",
  ];
  const [row] = await db.query(
    `select ${columns.join(", ")} from public.llm_call_logs where id = $1`,
    [id],
  );
  assert.ok(row, `row ${id} was not stored`);
  const out: Record<string, unknown> = { ...row };
  for (const column of JSONB_COLUMNS) {
    out[column] = out[column] === null ? null : JSON.parse(String(out[column]));
  }
  return out;
}

Deno.test("a sanitized row survives a real round trip through Postgres", async (t) => {
  await using db = await openTestDatabase();
  const sink = createSqlSink((text, params) => db.query(text, params));

  await t.step("the unsanitized row is rejected, so the test proves something", async () => {
    await assert.rejects(sink.write([nastyRow()]), LogWriteError);
  });

  await t.step("the sanitized row is stored, and reads back as sanitized", async () => {
    const clean = await sanitizeRow(nastyRow(), { apiKey: API_KEY });
    await sink.write([clean]);
    const back = await storedColumns(db, clean.id);
    const expected = JSON.parse(JSON.stringify(clean));
    for (const column of [...JSONB_COLUMNS, ...TEXT_COLUMNS]) {
      assert.deepEqual(back[column], expected[column], column);
    }
    assert.equal(back.cost_usd, "0.00000735");
    const text = JSON.stringify(back);
    assert.ok(!text.includes(API_KEY), "the key never reaches the table");
    assert.ok(!text.includes("base64,"), "no payload reaches the table");
    assert.match(text, /\[base64 image\/png, 800 bytes, sha256:[0-9a-f]{16}\]/);
    assert.match(text, /\[base64 audio\/wav, 1200 bytes, sha256:[0-9a-f]{16}\]/);
    assert.ok(text.includes("ok👋"), "valid emoji survive");
    const metadata = back.metadata as Record<string, unknown>;
    assert.equal(metadata.at, "2026-11-26T12:00:00.000Z");
    assert.equal(metadata.big, "10");
    assert.ok(!("nothing" in metadata));
  });

  for (const [name, base] of [["an otherwise clean", cleanRow], ["a nasty", nastyRow]] as const) {
    await t.step(
      `${name} row with very deeply nested metadata is stored once sanitized`,
      async () => {
        let deep: unknown = "leaf";
        for (let i = 0; i < 20_000; i++) deep = { d: deep };
        const clean = await sanitizeRow({ ...base(), metadata: deep as never }, {
          apiKey: API_KEY,
        });
        await sink.write([clean]);
        const back = await storedColumns(db, clean.id);
        assert.ok(JSON.stringify(back.metadata).includes("[too deep]"));
      },
    );
  }
});
