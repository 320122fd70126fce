import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const imports: Record<string, string> = config.imports;

async function* sourceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if ([".git", ".local", "node_modules"].includes(entry.name)) continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (/\.(ts|tsx|js|mjs)$/.test(entry.name)) yield url;
  }
}

const SPECIFIER = /(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g;

Deno.test("every dependency is an npm: specifier pinned in deno.json, and no jsr:, https: or esm.sh import exists", async () => {
  const pinned = new Map(
    Object.values(imports).map((spec) => [spec.replace(/@[^@/]+$/, ""), spec]),
  );
  for (const spec of Object.values(imports)) assert.match(spec, /^npm:.+@\d+\.\d+\.\d+$/, spec);
  for await (const file of sourceFiles(root)) {
    const text = await Deno.readTextFile(file);
    for (const [, specifier] of text.matchAll(SPECIFIER)) {
      const where = `${file.pathname.replace(root.pathname, "")}: ${specifier}`;
      assert.doesNotMatch(specifier, /^(jsr:|https?:)/, where);
      if (specifier.startsWith("npm:")) {
        // A subpath export (npm:pkg@1.2.3/cors) is pinned by its package.
        const pkg = specifier.replace(/(@\d[^/]*)\/.*$/, "$1");
        const name = pkg.replace(/@[^@/]+$/, "");
        assert.equal(pinned.get(name), pkg, `${where} must match deno.json's pin`);
      }
    }
  }
});

Deno.test("the shipped module uses full npm: specifiers, so a copied _shared/ folder needs no import map", async () => {
  for await (const file of sourceFiles(new URL("supabase/functions/", root))) {
    const text = await Deno.readTextFile(file);
    for (const [, specifier] of text.matchAll(SPECIFIER)) {
      const where = `${file.pathname.replace(root.pathname, "")}: ${specifier}`;
      assert.ok(
        specifier.startsWith(".") || specifier.startsWith("npm:") || specifier.startsWith("node:"),
        `${where} is a bare specifier that needs an import map`,
      );
    }
  }
});
