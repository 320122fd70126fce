/**
 * `deno task adopt <path to your project>`: copies the module into an existing Supabase project
 * and writes this repository's migrations there under fresh timestamps, as
 * `supabase migration new` would, so that `supabase db push` and `supabase migration up` apply
 * them after the project's own migrations without `--include-all`.
 *
 * Writes `supabase/functions/_shared/llm-service.ts`, `supabase/functions/_shared/llm/` (and
 * `_shared/http/` with `--with-http`; the `llm-dashboard` function with `_shared/dashboard/` and
 * `_shared/http/` with `--with-dashboard`) and one migration per file of `supabase/migrations/`,
 * in order. What is already there, identical (a file, or a migration of the same name and
 * contents), is left as it is, so running it again with another flag adds only that part. It
 * refuses to overwrite anything, and to run at all when any file it would write exists with other
 * contents or the project has a different migration of the same name: then nothing is written
 * (the plan is made read-only first, so a refused adoption leaves the project untouched).
 *
 * ```sh
 * deno task adopt ../my-app                    # the module and the migrations
 * deno task adopt ../my-app --with-http        # also the example functions' HTTP handling
 * deno task adopt ../my-app --with-dashboard   # also the dashboard function
 * ```
 *
 * @module
 */

import { resolve } from "node:path";

/** Options of {@link adopt}. */
export interface AdoptOptions {
  /** Also copy `supabase/functions/_shared/http/`. @default {false} */
  withHttp?: boolean;
  /** Also copy the `llm-dashboard` function, `_shared/dashboard/` and `_shared/http/`. */
  withDashboard?: boolean;
  /** The clock the timestamps start from. @default {() => new Date()} */
  now?: () => Date;
}

/** An adoption that cannot proceed; nothing was written. */
export class AdoptionRefused extends Error {
  override name = "AdoptionRefused";
}

/**
 * Copies the module and the migrations into the project at `project`; returns what it wrote
 * (paths relative to the project; nothing when it was all there). Throws {@link AdoptionRefused}
 * before writing anything when a target exists with other contents; removes what it wrote if a
 * write fails midway.
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
      `Cannot adopt into ${project}: nothing was written, because these exist already, with other contents:\n` +
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

/** The folders and files copied as they are. */
const SHARED = "supabase/functions/_shared/";
const MODULE = [`${SHARED}llm-service.ts`, `${SHARED}llm/`];
const HTTP = [`${SHARED}http/`];
const DASHBOARD = [...HTTP, `${SHARED}dashboard/`, "supabase/functions/llm-dashboard/"];
const MIGRATIONS = "supabase/migrations/";

/** What the dashboard function needs in `supabase/config.toml` (its page loads before sign-in). */
export const DASHBOARD_CONFIG = `[functions.llm-dashboard]
verify_jwt = false
static_files = ["./functions/_shared/dashboard/client/*"]`;

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
  const conflicts: string[] = [];
  const entries = new Set([
    ...MODULE,
    ...options.withHttp ? HTTP : [],
    ...options.withDashboard ? DASHBOARD : [],
  ]);
  for (const entry of entries) {
    for (const path of await listFiles(`${source}/${entry}`)) {
      const file = { path: entry + path, bytes: await Deno.readFile(`${source}/${entry}${path}`) };
      const present = await Deno.readFile(`${project}/${file.path}`).catch(() => null);
      if (!present) files.push(file);
      else if (!sameBytes(present, file.bytes)) conflicts.push(file.path);
    }
  }

  const theirs = await listFiles(`${project}/${MIGRATIONS}`).catch(() => [] as string[]);
  const ours = (await listFiles(`${source}/${MIGRATIONS}`)).filter((n) => n.endsWith(".sql"));
  const newest = theirs.map((name) => name.match(/^(\d{14})_/)?.[1]).filter(Boolean).sort().at(-1);
  const now = (options.now ?? (() => new Date()))().getTime();
  let stamp = Math.max(now, newest ? stampTime(newest) + 1000 : 0);
  for (const name of ours.sort()) {
    const bare = name.replace(/^\d+_/, "");
    const bytes = await Deno.readFile(`${source}/${MIGRATIONS}${name}`);
    const twin = theirs.find((existing) => existing.replace(/^\d+_/, "") === bare);
    if (twin) {
      // Adopted before, unchanged: leave it. Another migration of that name: refuse.
      const present = await Deno.readFile(`${project}/${MIGRATIONS}${twin}`);
      if (!sameBytes(present, bytes)) {
        conflicts.push(`${MIGRATIONS}${twin} (another migration named ${bare})`);
      }
      continue;
    }
    files.push({
      // YYYYMMDDHHMMSS in UTC, as `supabase migration new` names files
      path: `${MIGRATIONS}${new Date(stamp).toISOString().replace(/\D/g, "").slice(0, 14)}_${bare}`,
      bytes,
    });
    stamp += 1000;
  }
  for (const file of files) {
    // A migration name is new, but a path may still be taken (by a link, say).
    if (await exists(`${project}/${file.path}`)) conflicts.push(file.path);
  }
  return { project, files, conflicts };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
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
  const flags = ["--with-http", "--with-dashboard"];
  const args = Deno.args.filter((arg) => !flags.includes(arg));
  if (args.length !== 1 || args[0].startsWith("-")) {
    console.error(
      "Usage: deno task adopt <path to your Supabase project> [--with-http] [--with-dashboard]",
    );
    Deno.exit(2);
  }
  // deno task runs in this repository: a relative path means one from where it was typed.
  const base = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const project = resolve(base, args[0]);
  try {
    const withDashboard = Deno.args.includes("--with-dashboard");
    const written = await adopt(project, {
      withHttp: Deno.args.includes("--with-http"),
      withDashboard,
    });
    if (written.length === 0) console.log(`Nothing to write: ${project} has it all already.`);
    else console.log(`Wrote ${written.length} files into ${project}:`);
    for (const path of written) console.log(`  ${path}`);
    const config = await Deno.readTextFile(`${project}/supabase/config.toml`).catch(() => "");
    if (withDashboard && !config.includes("[functions.llm-dashboard]")) {
      console.log(`\nAdd to supabase/config.toml:\n${DASHBOARD_CONFIG}`);
    }
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
