/**
 * A throwaway PostgreSQL server from the machine's own packages: `initdb` into a temp dir, its
 * own port on loopback, trust auth, no dependence on a system service. Used by `.ci/run` and by
 * the benchmarks when `DATABASE_URL` is not set.
 *
 * ```sh
 * deno run -A tools/throwaway-postgres.ts start /tmp/pg   # prints the connection URL
 * deno run -A tools/throwaway-postgres.ts stop /tmp/pg
 * ```
 *
 * @module
 */

/** A running throwaway server. */
export interface ThrowawayPostgres extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** The folder holding the data directory, log and socket. */
  readonly dir: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Starts a server in `dir` (a new temp dir by default) and waits until it accepts connections. */
export async function startThrowawayPostgres(dir?: string): Promise<ThrowawayPostgres> {
  const bin = await postgresBinDir();
  const root = dir ?? await Deno.makeTempDir({ prefix: "llm-logs-pg-" });
  await Deno.mkdir(root, { recursive: true });
  const owner = await serverUser();
  if (owner) await run("chown", [owner, root]);
  const data = `${root}/data`;
  const port = freePort();
  await run(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-locale",
  ], owner);
  const settings =
    `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  await run(`${bin}/pg_ctl`, [
    "-D",
    data,
    "-l",
    `${root}/server.log`,
    "-o",
    settings,
    "-w",
    "start",
  ], owner);
  await Deno.writeTextFile(`${root}/port`, String(port));
  return handle(root, port, bin, owner);
}

/** Stops the server started in `dir` and removes the folder. */
export async function stopThrowawayPostgres(dir: string): Promise<void> {
  const bin = await postgresBinDir();
  const owner = await serverUser();
  await run(`${bin}/pg_ctl`, ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"], owner)
    .catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/**
 * Restarts the server started in `dir` the hard way (`-m immediate`, as a crash would), with the
 * same settings, and waits until it accepts connections again.
 */
export async function restartThrowawayPostgres(dir: string): Promise<void> {
  const bin = await postgresBinDir();
  const owner = await serverUser();
  // -l again: pg_ctl remembers the server's options, not its log file, and a server writing to
  // our pipe would keep it open.
  const args = ["-D", `${dir}/data`, "-l", `${dir}/server.log`, "-m", "immediate", "-w"];
  await run(`${bin}/pg_ctl`, [...args, "restart"], owner);
}

/** Stops the server synchronously (for `unload` handlers, which cannot wait). */
export function stopThrowawayPostgresSync(dir: string): void {
  try {
    const bin = new TextDecoder().decode(
      new Deno.Command("pg_config", { args: ["--bindir"], stdout: "piped" }).outputSync().stdout,
    ).trim();
    const args = ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"];
    const [cmd, argv] = Deno.uid() === 0
      ? ["runuser", [
        "-u",
        /^postgres:/m.test(Deno.readTextFileSync("/etc/passwd")) ? "postgres" : "nobody",
        "--",
        `${bin}/pg_ctl`,
        ...args,
      ]]
      : [`${bin}/pg_ctl`, args];
    new Deno.Command(cmd as string, { args: argv as string[], stdout: "null", stderr: "null" })
      .outputSync();
    Deno.removeSync(dir, { recursive: true });
  } catch { /* best effort at exit */ }
}

function handle(
  dir: string,
  port: number,
  _bin: string,
  _owner: string | undefined,
): ThrowawayPostgres {
  const stop = () => stopThrowawayPostgres(dir);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** `pg_config --bindir`, else the newest `/usr/lib/postgresql/<n>/bin`. */
async function postgresBinDir(): Promise<string> {
  try {
    const out = await new Deno.Command("pg_config", { args: ["--bindir"], stdout: "piped" })
      .output();
    if (out.success) return new TextDecoder().decode(out.stdout).trim();
  } catch { /* pg_config is not installed: look in the Debian location */ }
  const versions: number[] = [];
  for await (const entry of Deno.readDir("/usr/lib/postgresql")) versions.push(Number(entry.name));
  const newest = versions.filter(Number.isFinite).sort((a, b) => b - a)[0];
  if (newest === undefined) throw new Error("Cannot find PostgreSQL: install postgresql-15");
  return `/usr/lib/postgresql/${newest}/bin`;
}

/** `initdb` refuses to run as root: run the server as the `postgres` system user then. */
async function serverUser(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const passwd = await Deno.readTextFile("/etc/passwd");
  return /^postgres:/m.test(passwd) ? "postgres" : "nobody";
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function run(command: string, args: string[], asUser?: string): Promise<void> {
  const [cmd, argv] = asUser
    ? ["runuser", ["-u", asUser, "--", command, ...args]]
    : [command, args];
  const out = await new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    throw new Error(`Cannot run ${command}: ${text.trim()}`);
  }
}

if (import.meta.main) {
  const [verb, dir] = Deno.args;
  if (verb === "start" && dir) {
    console.log((await startThrowawayPostgres(dir)).url);
  } else if (verb === "stop" && dir) {
    await stopThrowawayPostgres(dir);
  } else {
    console.error("Usage: throwaway-postgres.ts start|stop <dir>");
    Deno.exit(2);
  }
}
