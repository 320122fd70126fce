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
import { type LogSink, LogWriteError } from "./log-writer.ts";

/** Runs one statement with positional parameters, as `pglite.query` and `sql.unsafe` do. */
export type SqlQuery = (text: string, params: unknown[]) => Promise<unknown>;

const COLUMNS = LOG_COLUMNS.map((column) => column.name).join(", ");

/** The statement a batch is written with; `$1` is the JSON array of rows. */
export const INSERT_ROWS_SQL = `insert into public.${LOG_TABLE} (${COLUMNS})
select ${COLUMNS} from json_populate_recordset(null::public.${LOG_TABLE}, $1::text::json)`;

/**
 * Creates a sink that runs {@link INSERT_ROWS_SQL} through `query`.
 *
 * The statement is the same for every batch. Through Supabase's transaction pooler (port 6543)
 * statements cannot be prepared, so leave postgres.js's `prepare` off there; on a direct or
 * session connection, `sql.unsafe(text, params, { prepare: true })` plans it once per connection
 * (about 1.4 ms of a 500-row batch's 12-13 ms, measured on PostgreSQL 15).
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
    async write(rows) {
      try {
        await query(INSERT_ROWS_SQL, [JSON.stringify(rows)]);
      } catch (error) {
        const code = sqlState(error);
        const message = error instanceof Error ? error.message : String(error);
        throw new LogWriteError(
          `Cannot insert into ${LOG_TABLE}${code ? ` (SQLSTATE ${code})` : ""}: ${message}`,
          !isPermanent(code),
          { cause: error },
        );
      }
    },
  };
}

function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** Data exceptions (22), constraint violations (23) and access or syntax errors (42) persist. */
function isPermanent(code: string | null): boolean {
  return code !== null && /^(22|23|42)/.test(code);
}
