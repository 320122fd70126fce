// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Runs the dashboard's reads as the signed-in user, so row-level security decides what they
 * see: each request is one transaction that first sets what PostgREST sets for an API request,
 * `role` to `authenticated` and `request.jwt.claims` to the verified claims, both local to the
 * transaction, so nothing outlives it on a pooled connection.
 *
 * @module
 */
import type postgres from "npm:postgres@3.4.9";
import type { VerifiedClaims } from "../http/verify-jwt.ts";

/** A postgres.js client or transaction (the tagged template). */
export type Sql = postgres.Sql | postgres.TransactionSql;

/** Runs queries as one user; the callback gets the transaction. */
export type AsUser = <T>(claims: VerifiedClaims, run: (tx: Sql) => Promise<T>) => Promise<T>;

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
export function createAsUser(client: postgres.Sql | (() => postgres.Sql)): AsUser {
  let sql: postgres.Sql | undefined = typeof client === "function" && !("begin" in client)
    ? undefined
    : client as postgres.Sql;
  return async <T>(claims: VerifiedClaims, run: (tx: Sql) => Promise<T>): Promise<T> => {
    sql ??= (client as () => postgres.Sql)();
    const result = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
        set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      return { value: await run(tx) };
    });
    return (result as { value: T }).value;
  };
}

/** Whether the claims are an admin's: `app_metadata.role = 'admin'`, as the RLS policies read it. */
export function isAdmin(claims: VerifiedClaims): boolean {
  return claims.app_metadata?.role === "admin";
}
