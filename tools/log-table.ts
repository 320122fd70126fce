/**
 * Plain-text tables for `deno task logs`: aligned columns, long cells cut with `…`, numbers
 * right-aligned, costs with enough decimals to see a fraction of a cent.
 *
 * @module
 */

/** One column of {@link formatTable}. */
export interface Column<T> {
  header: string;
  /** The cell's value; `null` and `undefined` print as empty. */
  value: (row: T) => string | number | null | undefined;
  /** @default {"left"} */
  align?: "left" | "right";
  /** Longer cells are cut to this many characters, ending with `…`. @default {Infinity} */
  maxWidth?: number;
}

/**
 * Formats rows as an aligned table with a header and a rule, or `(no rows)`.
 *
 * @example
 * ```ts
 * formatTable([{ model: "openai/gpt-4o-mini", calls: 3 }], [
 *   { header: "model", value: (r) => r.model },
 *   { header: "calls", value: (r) => r.calls, align: "right" },
 * ]);
 * // model               calls
 * // ------------------  -----
 * // openai/gpt-4o-mini      3
 * ```
 */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (!rows.length) return "(no rows)";
  const cells = rows.map((row) =>
    columns.map((column) => cut(oneLine(column.value(row)), column.maxWidth ?? Infinity))
  );
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i].length))
  );
  const line = (values: string[]) =>
    values.map((value, i) =>
      columns[i].align === "right" ? value.padStart(widths[i]) : value.padEnd(widths[i])
    ).join("  ").trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
  ].join("\n");
}

/**
 * A decimal string (as Postgres returns `numeric`) with at least `minDecimals` decimals and
 * no float rounding: `"0.0000219"` → `"0.00002190"`.
 *
 * @example
 * ```ts
 * formatDecimal("0.00001095"); // "0.00001095"
 * formatDecimal("3");          // "3.00000000"
 * ```
 */
export function formatDecimal(value: string | number | null | undefined, minDecimals = 8): string {
  if (value === null || value === undefined || value === "") return "";
  const text = typeof value === "number" ? value.toFixed(12) : value;
  const match = /^(-?\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return text;
  const decimals = (match[2] ?? "").replace(/0+$/, "");
  return `${match[1] || "0"}.${decimals.padEnd(minDecimals, "0")}`;
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM:SS` in UTC. */
export function formatTimestamp(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 19).replace("T", " ");
}

function oneLine(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  return String(value).replace(/\s+/g, " ").trim();
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}
