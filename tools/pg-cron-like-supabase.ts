/**
 * A private copy of the machine's PostgreSQL installation whose pg_cron behaves like pg_cron 1.5
 * and later, as Supabase ships it: its control file pins `schema = pg_catalog`, so
 * `create extension pg_cron with schema extensions` fails exactly as it does on a hosted project.
 * Debian 12 packages pg_cron 1.4, which accepts any schema: a test on it proves nothing about
 * the schema unless the control file says what newer releases say.
 *
 * PostgreSQL 15 has no setting for another extension folder (`extension_control_path` arrived in
 * 18), and it finds its share and library folders relative to the real path of its own binary.
 * So the copy mirrors the installation's absolute paths under `root`: `postgres`, `initdb` and
 * `pg_ctl` are copied (a symlink would resolve back to the system paths), every other file is a
 * symlink, and only `pg_cron.control` is a modified copy. The system package is never touched,
 * so other users of the machine keep Debian's pg_cron as it is.
 *
 * @module
 */

/**
 * Builds the copy under `root` from the installation whose binaries are in `bindir`; returns where
 * the copy's binaries are, to pass to `initdb` and `pg_ctl`.
 *
 * @example
 * ```ts
 * const bindir = await pinnedPgCronInstall("/tmp/pg/install", "/usr/lib/postgresql/15/bin");
 * // `${bindir}/initdb`, then start with shared_preload_libraries=pg_cron
 * ```
 */
export async function pinnedPgCronInstall(root: string, bindir: string): Promise<string> {
  const sharedir = await pgConfig(bindir, "--sharedir");
  const pkglibdir = await pgConfig(bindir, "--pkglibdir");
  const control = `${sharedir}/extension/pg_cron.control`;
  const original = await Deno.readTextFile(control).catch(() => {
    throw new Error(`Cannot find ${control}: install postgresql-15-cron`);
  });

  const copyBin = `${root}${bindir}`;
  await Deno.mkdir(copyBin, { recursive: true });
  for (const name of ["postgres", "initdb", "pg_ctl"]) {
    await Deno.copyFile(`${bindir}/${name}`, `${copyBin}/${name}`);
  }
  await mirrorWithSymlinks(pkglibdir, `${root}${pkglibdir}`);
  await mirrorWithSymlinks(sharedir, `${root}${sharedir}`, ["extension"]);
  await mirrorWithSymlinks(`${sharedir}/extension`, `${root}${sharedir}/extension`);
  const pinned = `${root}${sharedir}/extension/pg_cron.control`;
  await Deno.remove(pinned);
  await Deno.writeTextFile(pinned, pinSchema(original));
  return copyBin;
}

/** The control file with `schema = pg_catalog`, as pg_cron 1.5 and later ship it. */
export function pinSchema(control: string): string {
  const lines = control.split("\n").filter((line) => !/^\s*schema\s*=/.test(line));
  while (lines.at(-1) === "") lines.pop();
  return [...lines, "schema = pg_catalog", ""].join("\n");
}

/** `to` gets a symlink to every entry of `from` except `skip` (made real folders instead). */
async function mirrorWithSymlinks(from: string, to: string, skip: string[] = []): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (skip.includes(entry.name)) continue;
    await Deno.symlink(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

async function pgConfig(bindir: string, flag: string): Promise<string> {
  // Debian's pg_config sits beside the binaries; PATH's may describe another version.
  for (const command of [`${bindir}/pg_config`, "pg_config"]) {
    try {
      const out = await new Deno.Command(command, { args: [flag], stdout: "piped" }).output();
      if (out.success) return new TextDecoder().decode(out.stdout).trim();
    } catch { /* not there: try the next */ }
  }
  throw new Error(`Cannot run pg_config ${flag}: install postgresql-15`);
}
