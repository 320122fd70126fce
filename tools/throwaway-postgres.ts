/**
 * A throwaway PostgreSQL server from the machine's own packages: `initdb` into a temp dir, its
 * own port on loopback, trust auth, no dependence on a system service. Used by `.ci/run` and by
 * the benchmarks when `DATABASE_URL` is not set.
 *
 * ```sh
 * deno run -A tools/throwaway-postgres.ts start /tmp/pg   # prints the connection URL
 * deno run -A tools/throwaway-postgres.ts start /tmp/pg --pg-cron   # with pg_cron, as Supabase
 * deno run -A tools/throwaway-postgres.ts stop /tmp/pg
 * ```
 *
 * PostgreSQL is found through `pg_config` on `PATH` only, so hiding it from `PATH` makes the
 * machine look like one without PostgreSQL (what the default test run must cope with).
 *
 * @module
 */
import { pinnedPgCronInstall } from "./pg-cron-like-supabase.ts";

/** A running throwaway server. */
export interface ThrowawayPostgres extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** The folder holding the data directory, log and socket. */
  readonly dir: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a server in `dir` (a new temp dir by default) and waits until it accepts connections.
 * `pgCron` preloads pg_cron for the `postgres` database, with its control file pinning
 * `schema = pg_catalog` as pg_cron 1.5+ (Supabase's) does: see `pg-cron-like-supabase.ts`.
 *
 * @example
 * ```ts
 * await using pg = await startThrowawayPostgres(undefined, { pgCron: true });
 * console.log(pg.url);
 * ```
 */
export async function startThrowawayPostgres(
  dir?: string,
  options: { pgCron?: boolean } = {},
): Promise<ThrowawayPostgres> {
  const systemBin = findPostgresBinDir();
  if (!systemBin) throw new Error("Cannot find PostgreSQL (pg_config): install postgresql-15");
  const root = dir ?? await Deno.makeTempDir({ prefix: "llm-logs-pg-" });
  await Deno.mkdir(root, { recursive: true });
  const bin = options.pgCron ? await pinnedPgCronInstall(`${root}/install`, systemBin) : systemBin;
  const owner = serverUser();
  if (owner) await run("chown", [owner, root]);
  const data = `${root}/data`;
  const port = freePort();
  const initdb = ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"];
  await run(`${bin}/initdb`, initdb, owner);
  const cron = options.pgCron
    ? " -c shared_preload_libraries=pg_cron -c cron.database_name=postgres"
    : "";
  const settings =
    `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off${cron}`;
  const start = ["-D", data, "-l", `${root}/server.log`, "-o", settings, "-w", "start"];
  await run(`${bin}/pg_ctl`, start, owner);
  const stop = () => stopThrowawayPostgres(root);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir: root,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Stops the server started in `dir` and removes the folder. */
export async function stopThrowawayPostgres(dir: string): Promise<void> {
  const bin = findPostgresBinDir();
  if (bin) await run(`${bin}/pg_ctl`, stopArgs(dir), serverUser()).catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/**
 * Restarts the server started in `dir` the hard way (`-m immediate`, as a crash would), with the
 * same settings, and waits until it accepts connections again.
 */
export async function restartThrowawayPostgres(dir: string): Promise<void> {
  // The system's binaries: a server started with `pgCron` runs from a private copy instead.
  const bin = findPostgresBinDir();
  if (!bin) throw new Error("Cannot find PostgreSQL (pg_config): install postgresql-15");
  // -l again: pg_ctl remembers the server's options, not its log file, and a server writing to
  // our pipe would keep it open.
  const args = ["-D", `${dir}/data`, "-l", `${dir}/server.log`, "-m", "immediate", "-w", "restart"];
  await run(`${bin}/pg_ctl`, args, serverUser());
}

/** Stops the server synchronously (for `unload` handlers, which cannot wait). */
export function stopThrowawayPostgresSync(dir: string): void {
  try {
    const [cmd, args] = asUser(`${findPostgresBinDir()}/pg_ctl`, stopArgs(dir), serverUser());
    new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync();
    Deno.removeSync(dir, { recursive: true });
  } catch { /* best effort at exit */ }
}

const stopArgs = (dir: string) => ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"];

/**
 * The folder of `initdb` and `pg_ctl` (`pg_config --bindir`), or `undefined` when `pg_config`
 * is not on `PATH` or points at no server binaries. Synchronous, so that the synchronous stop
 * can use it too.
 *
 * @example
 * ```ts
 * if (!findPostgresBinDir()) console.log("skipped: no PostgreSQL");
 * ```
 */
export function findPostgresBinDir(): string | undefined {
  try {
    const options: Deno.CommandOptions = { args: ["--bindir"], stdout: "piped", stderr: "null" };
    const out = new Deno.Command("pg_config", options).outputSync();
    const bin = new TextDecoder().decode(out.stdout).trim();
    return out.success && Deno.statSync(`${bin}/initdb`) ? bin : undefined;
  } catch {
    return undefined; // no pg_config, or a client-only installation
  }
}

/** `initdb` refuses to run as root: run the server as the `postgres` system user then. */
function serverUser(): string | undefined {
  if (Deno.uid() !== 0) return undefined;
  return /^postgres:/m.test(Deno.readTextFileSync("/etc/passwd")) ? "postgres" : "nobody";
}

function asUser(command: string, args: string[], user?: string): [string, string[]] {
  return user ? ["runuser", ["-u", user, "--", command, ...args]] : [command, args];
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function run(command: string, args: string[], user?: string): Promise<void> {
  const [cmd, argv] = asUser(command, args, user);
  const out = await new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    throw new Error(`Cannot run ${command}: ${text.trim()}`);
  }
}

if (import.meta.main) {
  const [verb, dir, flag] = Deno.args;
  if (verb === "start" && dir && (flag === undefined || flag === "--pg-cron")) {
    console.log((await startThrowawayPostgres(dir, { pgCron: flag === "--pg-cron" })).url);
  } else if (verb === "stop" && dir) {
    await stopThrowawayPostgres(dir);
  } else {
    console.error("Usage: throwaway-postgres.ts start <dir> [--pg-cron] | stop <dir>");
    Deno.exit(2);
  }
}
