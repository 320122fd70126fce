/**
 * The dashboard's totals computed the slow, obvious way, from `llm_call_logs` itself, for the
 * browser tests to compare the page (which reads the rollups) with.
 *
 * @module
 */
import type postgres from "postgres";

/** What the totals panel shows, from raw rows. */
export interface RawTotals {
  calls: number;
  failed: number;
  /** The exact sum of known costs, as a decimal string. */
  cost: string;
  totalTokens: number;
}

/**
 * Sums the rows created in `[from, to)`, of one user when `userId` is given.
 *
 * @example
 * ```ts
 * const totals = await sqlTotals(sql, { from, to, userId });
 * ```
 */
export async function sqlTotals(
  sql: postgres.Sql,
  range: { from: string; to: string; userId?: string },
): Promise<RawTotals> {
  const [row] = await sql`
    select count(*)::int as calls,
      (count(*) filter (where status = 'failed'))::int as failed,
      coalesce(sum(cost_usd), 0)::text as cost,
      coalesce(sum(total_tokens), 0)::int as total_tokens
    from public.llm_call_logs
    where created_at >= ${range.from}::timestamptz and created_at < ${range.to}::timestamptz
      ${range.userId === undefined ? sql`` : sql`and user_id = ${range.userId}`}`;
  return { calls: row.calls, failed: row.failed, cost: row.cost, totalTokens: row.total_tokens };
}
