/**
 * Reads `.env` files: `KEY=VALUE` lines, as `supabase functions serve --env-file` and most
 * tools understand them. Deliberately small: no variable expansion, no multi-line values.
 *
 * - Blank lines and lines starting with `#` are skipped; an optional leading `export ` is ignored.
 * - Values may be wrapped in single or double quotes; double-quoted values understand `\n`,
 *   `\t`, `\"` and `\\`. Unquoted values end at ` #` (a trailing comment) and are trimmed.
 * - A later line for the same key wins.
 *
 * @module
 */

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/;

/**
 * Parses the text of a `.env` file. Lines that are not `KEY=VALUE` are ignored.
 *
 * @example
 * ```ts
 * parseDotenv('OPENROUTER_API_KEY="sk-or-v1-…"\n# comment\nDEV_PORT=8000');
 * // { OPENROUTER_API_KEY: "sk-or-v1-…", DEV_PORT: "8000" }
 * ```
 */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const match = LINE.exec(line);
    if (match) values[match[1]] = unquote(match[2]);
  }
  return values;
}

/**
 * Reads and merges `.env` files in order (a later file wins for the same key). Missing files
 * are skipped.
 *
 * @example
 * ```ts
 * const fromFiles = await loadDotenvFiles([".env", "supabase/functions/.env"]);
 * ```
 */
export async function loadDotenvFiles(paths: readonly (string | URL)[]): Promise<
  Record<string, string>
> {
  const merged: Record<string, string> = {};
  for (const path of paths) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    Object.assign(merged, parseDotenv(text));
  }
  return merged;
}

function unquote(raw: string): string {
  const quote = raw[0];
  if ((quote === '"' || quote === "'") && raw.length >= 2) {
    const end = raw.indexOf(quote, 1);
    if (quote === "'" && end > 0) return raw.slice(1, end);
    if (quote === '"') {
      const closing = findClosingDoubleQuote(raw);
      if (closing > 0) {
        return raw.slice(1, closing).replace(
          /\\([nrt"\\])/g,
          (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c,
        );
      }
    }
  }
  return raw.replace(/\s+#.*$/, "").trim();
}

/** The index of the first `"` after the opening one that is not escaped, or -1. */
function findClosingDoubleQuote(raw: string): number {
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (raw[i] === '"') return i;
  }
  return -1;
}
