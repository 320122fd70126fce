import assert from "node:assert/strict";
import { createSqlSink } from "../../supabase/functions/_shared/llm-service.ts";
import type { LLMCallLogRow } from "../../supabase/functions/_shared/llm/log-row.ts";
import { logRow } from "../fixtures/log-rows.ts";
import { openTestDatabase, type TestDatabase } from "../harness/database.ts";
import { openLocalDatabase } from "../../tools/dev/local-database.ts";
import {
  formatDecimal,
  formatLogReport,
  formatTable,
  runLogQueries,
} from "../../tools/log-report.ts";
import { NoLogsError, openLogSource, parseLogsArgs } from "../../tools/logs.ts";

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const HOUR = 3_600_000;

/** Five rows: two completed calls of one model, one of another, two failures, one old row. */
function seedRows(): LLMCallLogRow[] {
  return [
    logRow({ created_at: ago(5 * HOUR), model: "openai/gpt-4o-mini", cost_usd: "0.00000735" }),
    logRow({ created_at: ago(4 * HOUR), model: "openai/gpt-4o-mini", cost_usd: "0.00000735" }),
    logRow({
      created_at: ago(3 * HOUR),
      model: "anthropic/claude-3.5-haiku",
      edge_function: "chat-stream",
      method_type: "stream_completion",
      cost_usd: "0.0012",
      total_tokens: 1200,
    }),
    logRow({
      created_at: ago(2 * HOUR),
      model: "sim/error-429",
      status: "failed",
      http_status: 429,
      cost_usd: null,
      cost_source: null,
      error_type: "rate_limited",
      error_message: "Rate limit exceeded: free-models-per-min.",
    }),
    logRow({
      created_at: ago(1 * HOUR),
      model: "openai/gpt-4o-mini",
      status: "failed",
      http_status: null,
      cost_usd: null,
      cost_source: null,
      error_type: "invalid_request",
      error_message: "Invalid request: messages: Too small: expected array to have >=1 items " +
        "(and a long tail that a table must cut short)",
    }),
    logRow({ created_at: ago(72 * HOUR), model: "old/model", cost_usd: "1.5" }),
  ];
}

async function seeded(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  await createSqlSink((text, params) => db.query(text, params)).write(seedRows());
  return db;
}

Deno.test("runLogQueries returns the latest calls, cost by model and errors as plain JSON values", async () => {
  await using db = await seeded();
  const report = await runLogQueries(db, { limit: 3, since: "24 hours" });

  assert.equal(report.recent_calls.length, 3);
  assert.deepEqual(report.recent_calls.map((r) => r.model), [
    "openai/gpt-4o-mini",
    "sim/error-429",
    "anthropic/claude-3.5-haiku",
  ]);
  const failed = report.recent_calls[1];
  assert.equal(failed.status, "failed");
  assert.equal(failed.http_status, 429);
  assert.equal(failed.cost_usd, null);
  assert.match(failed.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  assert.deepEqual(
    report.cost_by_model.map((r) => [r.model, r.calls, r.cost_usd && Number(r.cost_usd)]),
    [["anthropic/claude-3.5-haiku", 1, 0.0012], ["openai/gpt-4o-mini", 2, 0.0000147]],
  );
  assert.equal(typeof report.cost_by_model[0].total_tokens, "number");
  assert.equal(typeof report.cost_by_model[0].cost_usd, "string");

  assert.deepEqual(
    report.error_analysis.map((r) => [r.model, r.failures, r.error_message?.slice(0, 18)]),
    [
      ["openai/gpt-4o-mini", 1, "Invalid request: m"],
      ["sim/error-429", 1, "Rate limit exceede"],
    ],
  );
});

Deno.test("runLogQueries applies the window to cost and errors but not to recent calls", async () => {
  await using db = await seeded();
  const day = await runLogQueries(db, { limit: 50, since: "24 hours" });
  const week = await runLogQueries(db, { limit: 50, since: "7 days" });
  assert.equal(day.recent_calls.length, 6);
  assert.ok(!day.cost_by_model.some((r) => r.model === "old/model"));
  assert.equal(week.cost_by_model[0].model, "old/model");
  await assert.rejects(runLogQueries(db, { since: "not an interval" }), /interval/);
  await assert.rejects(runLogQueries(db, { limit: 0 }), RangeError);
});

Deno.test("formatLogReport prints aligned tables with right-aligned numbers and cut cells", async () => {
  await using db = await seeded();
  const text = formatLogReport(await runLogQueries(db, { limit: 10, since: "24 hours" }));
  const lines = text.split("\n");
  assert.equal(lines[0], "Recent calls (latest 10)");
  assert.ok(
    lines.includes("Cost by model (completed calls, last 24 hours, counted in whole hours)"),
  );
  assert.ok(lines.includes("Errors (failed calls, last 24 hours)"));

  const header = lines[1];
  const rule = lines[2];
  assert.match(header, /^time \(UTC\) +id +function +method +model +status +http +tokens/);
  assert.equal(rule.replace(/-/g, "").trim(), "", "the rule is dashes and spaces");
  const costEnd = header.indexOf("cost_usd") + "cost_usd".length;
  const haiku = lines.find((l) => l.includes("anthropic/claude-3.5-haiku"))!;
  assert.match(haiku, / stream /);
  assert.equal(haiku.slice(0, costEnd).trimEnd().split(" ").at(-1), "0.00120000");
  assert.match(text, / Invalid request: messages: Too small: expected …\n/, "cut at 48");
  assert.match(
    text,
    /\nInvalid request: messages: Too small: expected array to hav… /,
    "cut at 60",
  );
  assert.doesNotMatch(text, /a long tail that a table must cut short/);

  const costLine = lines.find((l) => l.startsWith("openai/gpt-4o-mini  "))!;
  assert.match(costLine, /^openai\/gpt-4o-mini +2 +\d+ +\d+ +\d+ +0\.00001470 +\d+$/);
});

Deno.test("formatTable and formatDecimal handle empty tables and exact decimals", () => {
  assert.equal(formatTable([], [{ header: "a", value: () => 1 }]), "(no rows)");
  assert.equal(
    formatTable([{ n: 5, s: "line\nbreak" }, { n: 123, s: null }], [
      { header: "n", value: (r) => r.n, align: "right" },
      { header: "text", value: (r) => r.s, maxWidth: 6 },
    ]),
    "  n  text\n---  ------\n  5  line …\n123",
  );
  assert.equal(formatDecimal("0.0000219"), "0.00002190");
  assert.equal(formatDecimal("0.000000123456"), "0.000000123456");
  assert.equal(formatDecimal("3"), "3.00000000");
  assert.equal(formatDecimal(null), "");
});

Deno.test("parseLogsArgs reads --limit, --since, --json and rejects the rest", () => {
  assert.deepEqual(parseLogsArgs([]), { limit: 20, since: "24 hours", json: false, help: false });
  assert.deepEqual(parseLogsArgs(["--limit", "5", "--since=1 hour", "--json"]), {
    limit: 5,
    since: "1 hour",
    json: true,
    help: false,
  });
  assert.throws(() => parseLogsArgs(["--limit", "-1"]), RangeError);
  assert.throws(() => parseLogsArgs(["--verbose"]), /Unknown argument/);
  assert.throws(() => parseLogsArgs(["--since"]), /Missing value/);
});

Deno.test("openLogSource says there are no logs yet, then reads a local data directory directly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llm-logs-source-" });
  try {
    const dataDir = `${dir}/pglite`;
    await assert.rejects(openLogSource({ dataDir }), NoLogsError);
    const local = await openLocalDatabase(dataDir);
    await createSqlSink((text, params) => local.db.query(text, params)).write(seedRows());
    await local.close();

    await using source = await openLogSource({ dataDir });
    assert.match(source.description, /opened directly/);
    const report = await runLogQueries(source.client, { limit: 2 });
    assert.equal(report.recent_calls.length, 2);
    assert.equal(report.cost_by_model[1].cost_usd, "0.00001470");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
