/**
 * What `deno task bench:scale` times: every documented query, view and report path, as the
 * roles that use them (postgres in the SQL editor, an admin and a signed-in user through RLS,
 * as PostgREST runs them).
 *
 * @module
 */
import {
  COST_BY_MODEL_ROLLUP_SQL,
  COST_BY_MODEL_SQL,
  ERROR_ANALYSIS_SQL,
  RECENT_CALLS_SQL,
} from "../tools/log-queries.ts";
import { scaleUserId } from "./scale-data.ts";

/** Who runs a query: postgres (bypasses RLS), an admin or a plain user through RLS. */
export type ScaleRole = "postgres" | "admin" | "user";

/** One timed query. */
export interface ScaleCase {
  name: string;
  role: ScaleRole;
  sql: string;
  params?: unknown[];
}

/** The signed-in user of the user paths: one of the 10,000, with a typical number of calls. */
export const SCALE_USER = scaleUserId(42);

/** JWT claims of each role, as `request.jwt.claims`. */
export const SCALE_CLAIMS: Record<Exclude<ScaleRole, "postgres">, Record<string, unknown>> = {
  admin: {
    sub: "00000000-0000-4000-8000-0000000ad814",
    role: "authenticated",
    app_metadata: { role: "admin" },
  },
  user: { sub: SCALE_USER, role: "authenticated" },
};

const USER_RECENT = `select id, created_at, model, status, total_tokens, cost_usd
from public.llm_call_logs`;

/** The queries, in the order of the printed table. */
export function scaleCases(): ScaleCase[] {
  const both = (name: string, sql: string, params?: unknown[]): ScaleCase[] => [
    { name, role: "postgres", sql, params },
    { name, role: "admin", sql, params },
  ];
  return [
    ...both("README: recent calls (limit 50)", RECENT_CALLS_SQL, [50]),
    ...both("README: cost by model, 24 hours (raw)", COST_BY_MODEL_SQL, ["24 hours"]),
    ...both("cost by model, 24 hours (rollups)", COST_BY_MODEL_ROLLUP_SQL, ["24 hours"]),
    ...both("README: errors, 24 hours (raw)", ERROR_ANALYSIS_SQL, ["24 hours"]),
    {
      name: "user: latest 20 calls, no filter (as the Data API sends it)",
      role: "user",
      sql: `${USER_RECENT} order by created_at desc limit 20`,
    },
    {
      name: "user: latest 20 calls, user_id=eq.<id>",
      role: "user",
      sql: `${USER_RECENT} where user_id = '${SCALE_USER}' order by created_at desc limit 20`,
    },
    {
      name: "user: 30-day total (raw, user_id=eq.<id>)",
      role: "user",
      sql: `select count(*), sum(cost_usd) from public.llm_call_logs
where user_id = '${SCALE_USER}' and created_at >= now() - interval '30 days'`,
    },
    {
      name: "user: 30-day total (llm_usage_hourly)",
      role: "user",
      sql: `select sum(calls), sum(cost_usd) from public.llm_usage_hourly
where user_id = '${SCALE_USER}' and hour >= now() - interval '30 days'`,
    },
    { name: "llm_usage_daily limit 50", role: "admin", sql: viewSql("llm_usage_daily") },
    { name: "llm_usage_daily limit 50", role: "user", sql: viewSql("llm_usage_daily") },
    {
      name: "llm_usage_daily, last 30 days",
      role: "admin",
      sql: `select * from public.llm_usage_daily where day >= current_date - 30`,
    },
    { name: "llm_usage_by_user limit 50", role: "admin", sql: viewSql("llm_usage_by_user") },
    { name: "llm_usage_by_user", role: "user", sql: viewSql("llm_usage_by_user") },
    ...window("llm_cost_hourly_by_model", "hour", "24 hours", ["admin", "user"]),
    ...window("llm_cost_daily_by_model", "day", "30 days", ["admin", "user"]),
    ...window("llm_cost_hourly_by_function", "hour", "24 hours", ["admin"]),
    ...window("llm_cost_daily_by_function", "day", "30 days", ["admin", "user"]),
    {
      name: "storage report (llm_call_logs_storage)",
      role: "admin",
      sql: `select * from public.llm_call_logs_storage`,
    },
  ];
}

function viewSql(view: string): string {
  return `select * from public.${view} limit 50`;
}

function window(view: string, column: string, span: string, roles: ScaleRole[]): ScaleCase[] {
  // A date minus an integer stays a date; minus an interval it becomes a timestamp, and the
  // comparison could not use the index on day.
  const since = column === "day"
    ? `(now() at time zone 'UTC')::date - ${parseInt(span)}`
    : `now() - interval '${span}'`;
  return roles.map((role) => ({
    name: `${view}, last ${span}`,
    role,
    sql: `select * from public.${view} where ${column} >= ${since}`,
  }));
}
