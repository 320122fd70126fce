/**
 * `/rest/v1/*` of the local gateway: the project's PostgREST stand-in (the one the tests use)
 * over the local database, so the functions' Supabase sink inserts rows through supabase-js
 * exactly as it does against a real project.
 *
 * @module
 */
import type { JwtClaims, Queryable, Row, TestDatabase } from "../../tests/harness/database.ts";
import { createPostgrestStandIn } from "../supabase-local/postgrest-stand-in.ts";
import type { LocalDatabase } from "./local-database.ts";

/**
 * The service key of the local database. Dev only: it is printed, stored nowhere secret, and
 * accepted by nothing but this gateway.
 */
export const LOCAL_SERVICE_KEY = "sb_secret_local_dev_only";

/**
 * Creates the handler for `/rest/v1/*`; it accepts only {@link LOCAL_SERVICE_KEY}.
 *
 * @example
 * ```ts
 * const rest = createRestHandler(local);
 * startGateway({ rest, resolveFunction });
 * ```
 */
export function createRestHandler(
  local: LocalDatabase,
  serviceKey: string = LOCAL_SERVICE_KEY,
): (request: Request) => Promise<Response> {
  const standIn = createPostgrestStandIn(asTestDatabase(local), { serviceKey });
  return async (request) => {
    try {
      return await standIn.handle(request);
    } catch (error) {
      if (error instanceof SyntaxError) {
        return Response.json({ code: "PGRST102", message: "Empty or invalid json" }, {
          status: 400,
        });
      }
      throw error;
    } finally {
      standIn.calls.length = 0; // the stand-in records every call for tests; dev runs for days
    }
  };
}

/** The local PGlite as the stand-in expects a database: every statement under the session lock. */
function asTestDatabase(local: LocalDatabase): TestDatabase {
  const { db, lock } = local;
  const queryable = (q: Pick<typeof db, "query">): Queryable => ({
    query: async <T extends Row>(sql: string, params?: readonly unknown[]) =>
      (await q.query<T>(sql, params as unknown[])).rows,
  });
  const as = <T>(role: string, claims: JwtClaims, fn: (tx: Queryable) => Promise<T>) =>
    lock.run(() =>
      db.transaction(async (tx) => {
        await tx.query("select set_config('role', $1, true)", [role]);
        await tx.query("select set_config('request.jwt.claims', $1, true)", [
          JSON.stringify(claims),
        ]);
        return await fn(queryable(tx));
      })
    );
  const close = () => local.close();
  return {
    kind: "pglite",
    query: (sql, params) => lock.run(() => queryable(db).query(sql, params)),
    exec: (sql) => lock.run(async () => void await db.exec(sql)),
    asAnon: (fn) => as("anon", { role: "anon" }, fn),
    asUser: (claims, fn) => as(claims.role ?? "authenticated", claims, fn),
    asServiceRole: (fn) => as("service_role", { role: "service_role" }, fn),
    close,
    [Symbol.asyncDispose]: close,
  };
}
