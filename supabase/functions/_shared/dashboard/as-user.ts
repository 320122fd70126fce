// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Runs the dashboard's reads as the signed-in user, so row-level security decides what they
 * see: each request is one transaction that first sets what PostgREST sets for an API request,
 * `role` to `authenticated` and `request.jwt.claims` to the verified claims, all local to the
 * transaction, so nothing outlives it on a pooled connection.
 *
 * PostgREST also applies the impersonated role's settings, above all Supabase's
 * `statement_timeout = 8s` for `authenticated`; `set_config('role', …)` does not, so without
 * its own `statement_timeout` a read would run unbounded as the connecting role.
 *
 * @module
 */
import type postgres from "npm:postgres@3.4.9";
import type { VerifiedClaims } from "../http/verify-jwt.ts";

/** A postgres.js client or transaction (the tagged template). */
export type Sql = postgres.Sql | postgres.TransactionSql;

/** Runs queries as one user; the callback gets the transaction. */
export type AsUser = <T>(claims: VerifiedClaims, run: (tx: Sql) => Promise<T>) => Promise<T>;

/** Options of {@link createAsUser}. */
export interface AsUserOptions {
  /**
   * The longest one statement of a read may run, in a form `statement_timeout` takes: a whole
   * number with a unit (`us`, `ms`, `s`, `min`, `h`, `d`; milliseconds without one), `"0"` for
   * no limit. A read that takes longer fails with {@link ReadTimeoutError}.
   *
   * @default {"8s"} (Supabase's `statement_timeout` for the `authenticated` role)
   */
  statementTimeout?: string;
}

/** Thrown when a read ran past the statement timeout (SQLSTATE 57014); answered with 503. */
export class ReadTimeoutError extends Error {
  override name = "ReadTimeoutError";
}

/** The default {@link AsUserOptions.statementTimeout}. */
export const DEFAULT_STATEMENT_TIMEOUT = "8s";

const DURATION = /^\d+(?:us|ms|s|min|h|d)?$/;

/**
 * Wraps a postgres.js client, connected as a role that may `set role authenticated` (such as
 * `postgres` through `SUPABASE_DB_URL`); a function is called once, at the first read.
 *
 * @example
 * ```ts
 * const asUser = createAsUser(() => postgres(Deno.env.get("SUPABASE_DB_URL")!, { prepare: false }));
 * const rows = await asUser(claims, (tx) => tx`select count(*) from public.llm_call_logs`);
 * ```
 */
export function createAsUser(
  client: postgres.Sql | (() => postgres.Sql),
  options: AsUserOptions = {},
): AsUser {
  const timeout = options.statementTimeout ?? DEFAULT_STATEMENT_TIMEOUT;
  if (!DURATION.test(timeout)) {
    throw new RangeError(
      `statementTimeout must be a duration such as "8s", "500ms" or "0", got "${timeout}"`,
    );
  }
  let sql: postgres.Sql | undefined = typeof client === "function" && !("begin" in client)
    ? undefined
    : client as postgres.Sql;
  return async <T>(claims: VerifiedClaims, run: (tx: Sql) => Promise<T>): Promise<T> => {
    sql ??= (client as () => postgres.Sql)();
    try {
      const result = await sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true),
          set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
          set_config('statement_timeout', ${timeout}, true)`;
        return { value: await run(tx) };
      });
      return (result as { value: T }).value;
    } catch (error) {
      // 57014 is query_canceled: the statement timeout, or a cancel sent to the backend.
      if ((error as { code?: unknown } | null)?.code === "57014") {
        throw new ReadTimeoutError(`The read took longer than ${timeout}`, { cause: error });
      }
      throw error;
    }
  };
}

/** Whether the claims are an admin's: `app_metadata.role = 'admin'`, as the RLS policies read it. */
export function isAdmin(claims: VerifiedClaims): boolean {
  return claims.app_metadata?.role === "admin";
}
