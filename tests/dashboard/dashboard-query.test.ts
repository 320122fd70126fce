import assert from "node:assert/strict";
import {
  InvalidQueryError,
  parseDashboardQuery,
} from "../../supabase/functions/_shared/dashboard/dashboard-query.ts";

const now = new Date("2026-11-29T20:17:45.123Z");
const parse = (query: string) => parseDashboardQuery(new URLSearchParams(query), now);

Deno.test("parseDashboardQuery: presets are whole hours ending with the current one", () => {
  const day = parse("");
  assert.equal(day.from.toISOString(), "2026-11-28T21:00:00.000Z");
  assert.equal(day.to.toISOString(), "2026-11-29T21:00:00.000Z");
  assert.equal(day.bucket, "hour");
  const week = parse("range=7d");
  assert.equal(week.from.toISOString(), "2026-11-22T21:00:00.000Z");
  assert.equal(week.bucket, "day");
  assert.equal(parse("range=30d").from.toISOString(), "2026-10-30T21:00:00.000Z");
});

Deno.test("parseDashboardQuery: a custom range is widened to whole hours", () => {
  const q = parse("range=custom&from=2026-11-01T10:30:00Z&to=2026-11-01T12:10:00Z");
  assert.equal(q.from.toISOString(), "2026-11-01T10:00:00.000Z");
  assert.equal(q.to.toISOString(), "2026-11-01T13:00:00.000Z");
});

Deno.test("parseDashboardQuery: filters are read, empty ones ignored, unknown values refused", () => {
  const q = parse("model=openai/gpt-4o-mini&edge_function=&status=failed&stack=edge_function");
  assert.equal(q.model, "openai/gpt-4o-mini");
  assert.equal(q.edgeFunction, undefined);
  assert.equal(q.status, "failed");
  assert.equal(q.stackBy, "edge_function");
  assert.throws(() => parse("status=exploded"), InvalidQueryError);
  assert.throws(() => parse("range=1y"), /Unknown range "1y"/);
  assert.throws(() => parse("range=custom&from=yesterday&to=2026-11-01"), /"from" must be a date/);
  assert.throws(() => parse("range=custom&from=2020-01-01&to=2026-01-01"), /at most 400 days/);
});
