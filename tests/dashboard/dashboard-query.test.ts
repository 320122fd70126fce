import assert from "node:assert/strict";
import {
  InvalidQueryError,
  parseDashboardQuery,
  validTimestamp,
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

Deno.test("parseDashboardQuery: only Postgres-readable years, own presets and clean text pass", () => {
  assert.throws(() => parse("range=constructor"), /Unknown range "constructor"/);
  assert.throws(() => parse("range=custom&from=-001000-01-01&to=2026-01-01"), /years 1 and 9999/);
  assert.throws(() => parse("range=custom&from=9999-12-01&to=9999-12-31T23:30Z"), /"to" must/);
  assert.throws(() => parse("model=a%00b"), /"model" holds a character/);
  assert.equal(parse("range=custom&from=0001-01-01&to=0001-02-01").from.getUTCFullYear(), 1);
});

Deno.test("validTimestamp: takes the API's own date-times and refuses what Postgres cannot read", () => {
  for (
    const ok of ["2026-11-01T10:30:00.123456Z", "2026-11-01T10:30:00Z", "2026-11-01T10:30:00+05:30"]
  ) {
    assert.equal(validTimestamp(ok, "at"), ok);
  }
  const bad = [
    "2026-13-45T99:99:99Z",
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "+275760-01-01T00:00:00Z",
    "2026-11-01T10:30:00+99:00",
    "2026-11-01",
    "1",
  ];
  for (const value of bad) {
    assert.throws(() => validTimestamp(value, "at"), InvalidQueryError, value);
  }
});
