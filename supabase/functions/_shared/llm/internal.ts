/**
 * The module's internals that tools, tests and benchmarks need and function authors do not: the
 * table's name and column list, and the SQL text the direct-connection sink and limits source
 * run. `llm-service.ts` does not export these; import them from here.
 *
 * @example
 * ```ts
 * import { LOG_COLUMNS, LOG_TABLE } from "./internal.ts";
 *
 * const columns = LOG_COLUMNS.map((column) => column.name).join(", ");
 * console.log(`select ${columns} from ${LOG_TABLE} limit 1`);
 * ```
 *
 * @module
 */
export { LOG_COLUMNS, LOG_TABLE, type LogColumnType } from "./log-row.ts";
export { INSERT_ROWS_SQL } from "./sql-sink.ts";
export { LIMIT_USAGE_SQL } from "./limits-source.ts";
