/**
 * `deno task adopt <path to your project>`: copies the module into an existing Supabase project
 * and writes this repository's migrations there under fresh timestamps, as
 * `supabase migration new` would, so that `supabase db push` and `supabase migration up` apply
 * them after the project's own migrations without `--include-all`.
 *
 * Writes `supabase/functions/_shared/llm-service.ts`, `supabase/functions/_shared/llm/` (and
 * `_shared/http/` with `--with-http`) and one migration per file of `supabase/migrations/`, in
 * order. It refuses to overwrite anything, and to run at all when any file it would write exists
 * or the project already has a migration of the same name: then nothing is written (the plan is
 * made read-only first, so a refused adoption leaves the project untouched).
 *
 * ```sh
 * deno task adopt ../my-app               # the module and the migrations
 * deno task adopt ../my-app --with-http   # also the example functions' HTTP handling
 * ```
 *
 * @module
 */

/** Options of {@link adopt}. */
export interface AdoptOptions {
  /** Also copy `supabase/functions/_shared/http/`. @default {false} */
  withHttp?: boolean;
  /** The clock the timestamps start from. @default {() => new Date()} */
  now?: () => Date;
}

/** An adoption that cannot proceed; nothing was written. */
export class AdoptionRefused extends Error {
  override name = "AdoptionRefused";
}

/**
 * Copies the module and the migrations into the project at `project`; returns what it wrote
 * (paths relative to the project). Throws {@link AdoptionRefused} before writing anything when a
 * target exists; removes what it wrote if a write fails midway.
 *
 * @example
 * ```ts
 * const written = await adopt("../my-app");
 * ```
 */
export async function adopt(project: string, options: AdoptOptions = {}): Promise<string[]> {
  const info = await Deno.stat(`${project}/supabase`).catch(() => null);
  if (!info?.isDirectory) {
    throw new AdoptionRefused(
      `Cannot adopt into ${project}: it has no supabase/ folder (run "supabase init" there first)`,
    );
  }
  const source = decodeURIComponent(new URL("../", import.meta.url).pathname).replace(/\/$/, "");
  const plan = await planAdoption(source, project, options);
  if (plan.conflicts.length > 0) {
    throw new AdoptionRefused(
      `Cannot adopt into ${project}: nothing was written, because these exist already:\n` +
        plan.conflicts.map((conflict) => `  ${conflict}`).join("\n"),
    );
  }
  await writePlan(plan);
  return plan.files.map((file) => file.path);
}

async function writePlan(plan: AdoptionPlan): Promise<void> {
  const written: string[] = [];
  const createdDirs: string[] = [];
  try {
    for (const file of plan.files) {
      const target = `${plan.project}/${file.path}`;
      for (const dir of missingParents(target, plan.project)) {
        if (await exists(dir)) continue;
        await Deno.mkdir(dir);
        createdDirs.push(dir);
      }
      // createNew: a file that appeared since the plan was made is never overwritten.
      await Deno.writeFile(target, file.bytes, { createNew: true });
      written.push(target);
    }
  } catch (error) {
    for (const path of [...written, ...createdDirs.reverse()]) {
      await Deno.remove(path).catch(() => {});
    }
    throw new AdoptionRefused(
      `Cannot adopt into ${plan.project}: ${(error as Error).message}; nothing was left written`,
    );
  }
}

/** The folders between `root` and `file`, outermost first. */
function missingParents(file: string, root: string): string[] {
  const parts = file.slice(root.length + 1).split("/").slice(0, -1);
  return parts.map((_, i) => `${root}/${parts.slice(0, i + 1).join("/")}`);
}

function exists(path: string): Promise<boolean> {
  return Deno.lstat(path).then(() => true, () => false);
}

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
 * const plan = await planAdoption("/path/to/this/repository", "../my-app");
 * ```
 */
export async function planAdoption(
  source: string,
  project: string,
  options: AdoptOptions = {},
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
  const now = (options.now ?? (() => new Date()))().getTime();
  let stamp = Math.max(now, newest ? stampTime(newest) + 1000 : 0);
  for (const name of ours.sort()) {
    const bare = name.replace(/^\d+_/, "");
    const twin = theirs.find((existing) => existing.replace(/^\d+_/, "") === bare);
    if (twin) conflicts.push(`${MIGRATIONS}${twin} (a migration named ${bare})`);
    files.push({
      // YYYYMMDDHHMMSS in UTC, as `supabase migration new` names files
      path: `${MIGRATIONS}${new Date(stamp).toISOString().replace(/\D/g, "").slice(0, 14)}_${bare}`,
      bytes: await Deno.readFile(`${source}/${MIGRATIONS}${name}`),
    });
    stamp += 1000;
  }
  for (const file of files) {
    if (await exists(`${project}/${file.path}`)) conflicts.push(file.path);
  }
  return { project, files, conflicts };
}

function stampTime(stamp: string): number {
  return Date.parse(stamp.replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, "$1-$2-$3T$4:$5:$6Z"));
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

if (import.meta.main) {
  const args = Deno.args.filter((arg) => arg !== "--with-http");
  if (args.length !== 1 || args[0].startsWith("-")) {
    console.error("Usage: deno task adopt <path to your Supabase project> [--with-http]");
    Deno.exit(2);
  }
  // deno task runs in this repository: a relative path means one from where it was typed.
  const base = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const project = args[0].startsWith("/") ? args[0] : `${base}/${args[0]}`;
  try {
    const written = await adopt(project.replace(/\/+$/, ""), {
      withHttp: Deno.args.includes("--with-http"),
    });
    console.log(`Wrote ${written.length} files into ${project}:`);
    for (const path of written) console.log(`  ${path}`);
    console.log(
      "\nNext: supabase db push (or supabase migration up), " +
        "supabase secrets set OPENROUTER_API_KEY=…, supabase functions deploy",
    );
  } catch (error) {
    if (!(error instanceof AdoptionRefused)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
}
