/**
 * What `deno task adopt` would write, and what stands in its way: read-only, so a refused
 * adoption leaves the project untouched.
 *
 * @module
 */

/** One file to write, its path relative to the project. */
export interface PlannedFile {
  path: string;
  bytes: Uint8Array;
}

/** The files to write into `project`, and the paths that already exist there. */
export interface AdoptionPlan {
  project: string;
  files: PlannedFile[];
  conflicts: string[];
}

/** The folders and file copied as they are, relative to `supabase/functions/_shared/`. */
const MODULE = ["llm-service.ts", "llm/"];
const HTTP = ["http/"];
const SHARED = "supabase/functions/_shared/";
const MIGRATIONS = "supabase/migrations/";

/**
 * Plans the adoption of the module at `source` (this repository's root folder) into `project`.
 * Migrations get consecutive timestamps (one second apart, `YYYYMMDDHHMMSS` in UTC) starting at
 * `now`, or just after the project's newest migration when that is later.
 *
 * @example
 * ```ts
 * const plan = await planAdoption("/path/to/this/repository", "../my-app", {
 *   withHttp: false,
 *   now: new Date(),
 * });
 * ```
 */
export async function planAdoption(
  source: string,
  project: string,
  options: { withHttp: boolean; now: Date },
): Promise<AdoptionPlan> {
  const files: PlannedFile[] = [];
  for (const entry of options.withHttp ? [...MODULE, ...HTTP] : MODULE) {
    for (const path of await listFiles(`${source}/${SHARED}${entry}`)) {
      files.push({
        path: SHARED + entry + path,
        bytes: await Deno.readFile(`${source}/${SHARED}${entry}${path}`),
      });
    }
  }

  const theirs = await listFiles(`${project}/${MIGRATIONS}`).catch(() => [] as string[]);
  const ours = (await listFiles(`${source}/${MIGRATIONS}`)).filter((n) => n.endsWith(".sql"));
  const conflicts: string[] = [];
  const newest = theirs.map((name) => name.match(/^(\d{14})_/)?.[1]).filter(Boolean).sort().at(-1);
  let stamp = Math.max(options.now.getTime(), newest ? stampTime(newest) + 1000 : 0);
  for (const name of ours.sort()) {
    const bare = name.replace(/^\d+_/, "");
    const twin = theirs.find((existing) => existing.replace(/^\d+_/, "") === bare);
    if (twin) conflicts.push(`${MIGRATIONS}${twin} (a migration named ${bare})`);
    files.push({
      path: `${MIGRATIONS}${formatStamp(new Date(stamp))}_${bare}`,
      bytes: await Deno.readFile(`${source}/${MIGRATIONS}${name}`),
    });
    stamp += 1000;
  }
  for (const file of files) {
    if (await Deno.lstat(`${project}/${file.path}`).then(() => true, () => false)) {
      conflicts.push(file.path);
    }
  }
  return { project, files, conflicts };
}

/** `YYYYMMDDHHMMSS` in UTC, as `supabase migration new` names files. */
export function formatStamp(date: Date): string {
  return date.toISOString().replace(/\D/g, "").slice(0, 14);
}

function stampTime(stamp: string): number {
  const [y, mo, d, h, mi, s] = stamp.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/)!.slice(1)
    .map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Every file under `dir` (or `dir` itself when it is a file, as ""), relative, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const info = await Deno.stat(dir);
  if (info.isFile) return [""];
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      const inner = await listFiles(`${dir.replace(/\/$/, "")}/${entry.name}`);
      found.push(...inner.map((path) => `${entry.name}/${path}`));
    } else if (entry.isFile) {
      found.push(entry.name);
    }
  }
  return found.sort();
}
