/**
 * Hand-written stream transcripts in `tests/fixtures/openrouter/`, read by name.
 *
 * @module
 */

/** Where transcripts live: `tests/fixtures/openrouter/` of this repository. */
export const TRANSCRIPTS_DIR: URL = new URL("../../tests/fixtures/openrouter/", import.meta.url);

/**
 * Reads `tests/fixtures/openrouter/<name>.sse` exactly as written.
 *
 * @example
 * ```ts
 * const text = await loadTranscript("basic");
 * text.startsWith(": OPENROUTER PROCESSING"); // true
 * ```
 */
export async function loadTranscript(name: string, dir: URL = TRANSCRIPTS_DIR): Promise<string> {
  if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) {
    throw new TypeError(`Cannot load transcript "${name}": use a file name without a path`);
  }
  try {
    return await Deno.readTextFile(new URL(`${name}.sse`, dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot load transcript "${name}": ${new URL(`${name}.sse`, dir).pathname} does not exist`,
      );
    }
    throw error;
  }
}

/**
 * The generation id a transcript's chunks carry (the first `"id":"gen-…"`), or `null`.
 *
 * @example
 * ```ts
 * transcriptGenerationId('data: {"id":"gen-1-abc","choices":[]}\n\n'); // "gen-1-abc"
 * ```
 */
export function transcriptGenerationId(text: string): string | null {
  return /"id":"(gen-[^"]+)"/.exec(text)?.[1] ?? null;
}
