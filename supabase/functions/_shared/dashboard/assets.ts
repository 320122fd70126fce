/**
 * The page and its scripts and styles, served by the function itself from
 * `_shared/dashboard/client/`: nothing is fetched from a CDN. On a hosted project these files
 * reach the deployed function through `static_files` in `supabase/config.toml` (the CLI bundles
 * them beside the code, where `Deno.readFile` finds them); locally they are read from disk.
 *
 * @module
 */

/** The files a browser may ask for, with their content types. */
export const CLIENT_FILES: Readonly<Record<string, string>> = Object.freeze({
  "index.html": "text/html; charset=utf-8",
  "styles.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "auth.js": "text/javascript; charset=utf-8",
  "api.js": "text/javascript; charset=utf-8",
  "dom.js": "text/javascript; charset=utf-8",
  "format.js": "text/javascript; charset=utf-8",
  "charts.js": "text/javascript; charset=utf-8",
  "panels.js": "text/javascript; charset=utf-8",
  "calls.js": "text/javascript; charset=utf-8",
  "filters.js": "text/javascript; charset=utf-8",
  "sign-in.js": "text/javascript; charset=utf-8",
  "favicon.svg": "image/svg+xml",
});

/** Reads a client file; `null` when the name is not one of {@link CLIENT_FILES}. */
export type ReadAsset = (
  name: string,
) => Promise<{ body: BodyInit; type: string } | null>;

/**
 * Creates the reader, which keeps each file in memory after its first read.
 *
 * @example
 * ```ts
 * const read = createAssetReader();
 * const app = await read("app.js"); // { body, type: "text/javascript; charset=utf-8" }
 * ```
 */
export function createAssetReader(
  dir: URL = new URL("./client/", import.meta.url),
): ReadAsset {
  const cache = new Map<string, Promise<BodyInit>>();
  return async (name) => {
    if (!Object.hasOwn(CLIENT_FILES, name)) return null;
    let body = cache.get(name);
    if (!body) {
      body = Deno.readFile(new URL(name, dir));
      cache.set(name, body);
      body.catch(() => cache.delete(name));
    }
    return { body: await body, type: CLIENT_FILES[name] };
  };
}
