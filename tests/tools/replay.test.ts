import assert from "node:assert/strict";
import { createSqlSink } from "../../supabase/functions/_shared/llm-service.ts";
import { openServiceHarness } from "../harness/service.ts";
import { parseUnwrittenLines, replayRows } from "../../tools/replay.ts";
import { devStatePath, liveDevState, LOCAL_DATA_DIR } from "../../tools/dev/dev-state.ts";

/** Everything the sanitiser lets through that has broken hand-written replays. */
const NASTY = [
  "it's an apostrophe, and ''two'' of them",
  "'); drop table llm_call_logs; --",
  "back\\slash \\' \\\\ and \\u0000 spelled out",
  "$$ dollar $tag$ quotes $$",
  "nul:\u0000 lone:\ud800 low:\udc00 (made safe, still odd)",
  "line\nbreaks\r\n and \u2028 \u2029 separators \t tabs",
  'a quote " and a fake line {"event":"llm_call_log_unwritten","row":{}}',
  "emoji 👋🏽 🏳️‍🌈 and right-to-left \u202e text",
];

Deno.test("replay writes back the nastiest printed rows exactly, and twice is harmless", async () => {
  await using h = await openServiceHarness();
  const printed: string[] = [];
  const service = h.withOptions({ sink: null, fallback: (line) => void printed.push(line) });
  for (const [i, text] of NASTY.entries()) {
    await service.chatCompletion(
      { messages: [{ role: "user", content: text }] },
      { userId: i === 0 ? "x".repeat(5_000) : text, metadata: { [text]: text, n: i } },
    );
  }
  await service.flush();
  assert.equal(printed.length, NASTY.length);

  const log = printed.map((line, i) => i % 2 ? `2026-11-29T10:00:00Z ERROR ${line}` : line)
    .concat("an unrelated log line", JSON.stringify({ event_message: printed[0] }))
    .join("\n");
  const { rows, skipped } = parseUnwrittenLines(log);
  assert.equal(rows.length, NASTY.length, "a row printed twice counts once");
  assert.equal(skipped, 1);

  const sink = createSqlSink((text, params) => h.db.query(text, params));
  const first = await replayRows(rows, sink);
  assert.deepEqual(first, { written: NASTY.length, refused: [] });
  const again = await replayRows(rows, sink);
  assert.deepEqual(again, { written: NASTY.length, refused: [] });

  const stored = await h.rows();
  assert.equal(stored.length, NASTY.length, "no row twice");
  for (const row of rows) {
    assert.deepEqual(await h.row(row.id), row, "stored exactly as printed");
  }
});

Deno.test("replay prints a row the database still refuses, with its reason, and writes the rest", async () => {
  await using h = await openServiceHarness();
  const printed: string[] = [];
  const service = h.withOptions({ sink: null, fallback: (line) => void printed.push(line) });
  await service.chatCompletion({ messages: [{ role: "user", content: "one" }] });
  await service.chatCompletion({ messages: [{ role: "user", content: "two" }] });
  await service.flush();
  const { rows } = parseUnwrittenLines(printed.join("\n"));
  rows[1] = { ...rows[1], status: "exploded" as never };
  const result = await replayRows(rows, createSqlSink((text, params) => h.db.query(text, params)));
  assert.equal(result.written, 1);
  assert.equal(result.refused.length, 1);
  assert.equal(result.refused[0].row.id, rows[1].id);
  assert.match(result.refused[0].reason, /^rejected: .*23514/);
});

Deno.test("replay with no database to write to says what to set, in one line, and exits 1", async () => {
  // With a deno task dev running for this checkout, its database is where the rows would go.
  if (await liveDevState(devStatePath(LOCAL_DATA_DIR))) return;
  const cwd = await Deno.makeTempDir(); // no .env here
  try {
    const env = Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([name]) =>
        !/^(DATABASE_URL|SUPABASE_)/.test(name)
      ),
    );
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../tools/replay.ts", import.meta.url).pathname],
      cwd,
      env,
      clearEnv: true,
      stdin: "null",
      stderr: "piped",
    }).output();
    const message = new TextDecoder().decode(stderr).trim();
    assert.equal(code, 1);
    assert.match(message, /^deno task replay: Set DATABASE_URL, or SUPABASE_URL .* deno task dev$/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
