/**
 * A sink over a direct Postgres connection: PGlite in tests and local runs, or a server
 * connection such as Edge Functions' `SUPABASE_DB_URL` through any client.
 *
 * A batch is one statement, shaped like PostgREST's: the rows travel as one JSON parameter and
 * `json_populate_recordset` maps them onto the table's own column types (the `json` variant: the
 * array is only parsed once, not converted to `jsonb` first).
 *
 * @module
 */
import { LOG_COLUMNS, LOG_TABLE } from "./log-row.ts";
import { errorCode, failureOfCode, type LogSink, LogWriteError } from "./log-sink.ts";

/**
 * Runs one statement with positional parameters, as `pglite.query` and `sql.unsafe` do. The
 * third argument carries the attempt's abort signal, for a client that can stop a statement.
 */
export type SqlQuery = (
  text: string,
  params: unknown[],
  options?: { signal?: AbortSignal },
) => Promise<unknown>;

const COLUMNS = LOG_COLUMNS.map((column) => column.name).join(", ");

/**
 * The statement a batch is written with; `$1` is the JSON array of rows. A row already stored
 * (a retry after a lost acknowledgement) is skipped, not an error: writes are idempotent.
 */
export const INSERT_ROWS_SQL = `insert into public.${LOG_TABLE} (${COLUMNS})
select ${COLUMNS} from json_populate_recordset(null::public.${LOG_TABLE}, $1::text::json)
on conflict (id, created_at) do nothing`;

/**
 * Creates a sink that runs {@link INSERT_ROWS_SQL} through `query`.
 *
 * The statement is the same for every batch. Through Supabase's transaction pooler (port 6543)
 * statements cannot be prepared, so leave postgres.js's `prepare` off there; on a direct or
 * session connection, `sql.unsafe(text, params, { prepare: true })` plans it once per connection
 * (about 1.4 ms of a 500-row batch's 12-13 ms, measured on PostgreSQL 15).
 *
 * An attempt that times out stops waiting at once, and its signal is handed to `query`. A
 * statement that still completes afterwards is harmless: the retry skips the rows it stored.
 * (postgres.js's `query.cancel()` is not called for you: while the server is unreachable it
 * leaks an unhandled rejection, which ends a Deno process.)
 *
 * @example
 * ```ts
 * import postgres from "npm:postgres@3.4.9";
 * const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!);
 * const sink = createSqlSink((text, params) => sql.unsafe(text, params as string[]));
 * ```
 */
export function createSqlSink(query: SqlQuery): LogSink {
  return {
    async write(rows, { signal } = {}) {
      signal?.throwIfAborted();
      try {
        await untilAborted(query(INSERT_ROWS_SQL, [JSON.stringify(rows)], { signal }), signal);
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw error;
        const code = errorCode(error);
        const failure = failureOfCode(code);
        const message = error instanceof Error ? error.message : String(error);
        throw new LogWriteError(
          `Cannot insert into ${LOG_TABLE}${code ? ` (SQLSTATE ${code})` : ""}: ${message}`,
          failure === "transient",
          { cause: error, content: failure === "content" },
        );
      }
    },
  };
}

/** Settles with the query, or rejects with the signal's reason as soon as it aborts. */
function untilAborted(pending: Promise<unknown>, signal?: AbortSignal): Promise<unknown> {
  if (!signal) return pending;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
