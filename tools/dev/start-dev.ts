/**
 * `startDev`: a small local Supabase for the example functions. It wires the pieces of this
 * folder together: the local database (or a real project), the OpenRouter simulator (or the
 * real API), one worker process per function, and the gateway in front of them.
 *
 * @module
 */
import { dirname } from "node:path";
import { type OpenRouterSimulator, startOpenRouterSimulator } from "../openrouter-simulator/mod.ts";
import {
  type DevState,
  devStatePath,
  liveDevState,
  LOCAL_DATA_DIR,
  removeDevState,
  writeDevState,
} from "./dev-state.ts";
import { type Gateway, startGateway } from "./gateway.ts";
import {
  createRestHandler,
  LOCAL_SERVICE_KEY,
  type LocalDatabase,
  openLocalDatabase,
} from "./local-database.ts";
import { LOCAL_JWT_SECRET, localSignIn } from "./local-auth.ts";

import { serveWire, type WireServer } from "./wire-server.ts";
import { discoverFunctions, type FunctionWorker, startWorker } from "./workers.ts";

/** Options of {@link startDev}. Nothing is read from the environment here (see main.ts). */
export interface DevOptions {
  /** Gateway port. @default {54321}; `0` picks a free one */
  port?: number;
  /** Wire port of the local database. @default {54322}; `0` picks a free one */
  dbPort?: number;
  /** The local database's data directory. @default {LOCAL_DATA_DIR} */
  dataDir?: string;
  /** Log to this Supabase project instead of the local database. @default {null} */
  supabase?: { url: string; serviceKey: string } | null;
  /** Call the real OpenRouter with this key instead of the simulator. @default {null} */
  openRouter?: { apiKey: string; baseUrl?: string } | null;
  /** The environment workers start from; dev's own variables override it. @default {Deno.env} */
  env?: Record<string, string>;
  /** Receives workers' output lines. @default {console.log} */
  log?: (line: string) => void;
}

/** A running dev environment. */
export interface DevServer extends AsyncDisposable {
  /** The gateway, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The local database over the Postgres wire protocol; absent with a Supabase project. */
  readonly dbUrl?: string;
  /** Each function and its URL. */
  readonly functions: readonly { name: string; url: string }[];
  /** The simulator's API base URL, when it replaces OpenRouter. */
  readonly simulatorUrl?: string;
  /** The local data directory, or the Supabase project URL. */
  readonly logsTo: string;
  /** Migrations applied by this start (local database only). */
  readonly appliedMigrations: readonly string[];
  /** Stops everything: workers first (so their last rows are written), then the rest. */
  close(): Promise<void>;
}

/** Variables dev decides for the workers; never inherited from the outer environment. */
const MANAGED = (
  "SUPABASE_URL SUPABASE_SERVICE_ROLE_KEY SUPABASE_SECRET_KEYS SUPABASE_JWT_SECRET " +
  "OPENROUTER_API_KEY OPENROUTER_BASE_URL DENO_SERVE_ADDRESS LLM_DASHBOARD_LOCAL_SIGN_IN"
).split(" ");
/**
 * Removed in local mode: without a local Auth server, an anon or publishable key would make the
 * functions verify JWTs against nothing; the database URL is the local one.
 */
const LOCAL_ONLY_REMOVED = ["SUPABASE_ANON_KEY", "SUPABASE_PUBLISHABLE_KEYS", "SUPABASE_DB_URL"];

/**
 * Starts the gateway, the database or project link, OpenRouter or its simulator, and a worker
 * per function; resolves once every function accepts requests.
 */
export async function startDev(options: DevOptions = {}): Promise<DevServer> {
  const root = new URL("../../", import.meta.url);
  const dataDir = options.dataDir ?? LOCAL_DATA_DIR;
  const statePath = devStatePath(dataDir);
  const functions = await discoverFunctions(new URL("supabase/functions/", root));
  if (!functions.length) throw new Error("No functions found in supabase/functions/*/index.ts");
  const workers = new Map<string, FunctionWorker>();
  let gateway: Gateway | undefined, state: DevState | undefined, local: LocalDatabase | undefined;
  let wire: WireServer | undefined, sim: OpenRouterSimulator | undefined;
  // Stopped last to first: the workers, while the gateway and database still take their last
  // rows; then the gateway (whose proxied streams ended with the workers), the state file, the
  // simulator, the wire server and the database. A step that fails does not stop the others.
  const running = new AsyncDisposableStack();
  running.defer(() => local?.close());
  running.defer(() => wire?.close());
  running.defer(() => sim?.close());
  running.defer(() => state && removeDevState(statePath, state));
  running.defer(() => gateway?.close());
  running.defer(() => Promise.all([...workers.values()].map((w) => w.stop())).then(() => {}));
  const close = () => running.disposeAsync().catch(() => {});
  try {
    if (!options.supabase) {
      const other = await liveDevState(statePath);
      if (other) {
        throw new Error(
          `Another deno task dev (pid ${other.pid}, ${other.url}) is using ${dataDir}: stop it first`,
        );
      }
    }
    // The gateway listens first, so a second dev sees this one (through the state file) from
    // before the database opens: two processes must never open one PGlite data directory.
    let rest: ((request: Request) => Promise<Response>) | undefined;
    const port = options.port ?? 54321;
    gateway = bind("--port", port, () =>
      startGateway({
        port,
        resolveFunction: (name) => {
          if (!functions.some((f) => f.name === name)) return undefined;
          const worker = workers.get(name);
          return worker?.running ? worker.origin : null;
        },
        rest: options.supabase
          ? undefined
          : (request) => rest ? rest(request) : Promise.resolve(Response.json({}, { status: 503 })),
        devSignIn: options.supabase ? undefined : localSignIn,
      }));
    const logsTo = options.supabase?.url ?? dataDir;
    const starting = {
      pid: Deno.pid,
      url: gateway.url,
      logsTo,
      startedAt: new Date().toISOString(),
    };
    await Deno.mkdir(dirname(statePath), { recursive: true });
    await writeDevState(statePath, state = { ...starting, starting: true });
    if (!options.supabase) {
      const db = local = await openLocalDatabase(dataDir);
      const dbPort = options.dbPort ?? 54322;
      wire = bind("--db-port", dbPort, () => serveWire({ db: db.db, lock: db.lock, port: dbPort }));
      rest = createRestHandler(local);
    }
    if (!options.openRouter) sim = await startOpenRouterSimulator();
    const env = workerEnv(options, gateway.url, wire?.url, sim?.url);
    const started = await Promise.allSettled(functions.map(async (fn) => {
      workers.set(fn.name, await startWorker({ function: fn, env, cwd: root, log: options.log }));
    }));
    const failed = started.find((r) => r.status === "rejected");
    if (failed) throw failed.reason; // after every start settled, so close() stops them all
    await writeDevState(statePath, state = { ...starting, ...(wire ? { dbUrl: wire.url } : {}) });
    return {
      url: gateway.url,
      ...(wire ? { dbUrl: wire.url } : {}),
      functions: functions.map((f) => ({
        name: f.name,
        url: `${gateway!.url}/functions/v1/${f.name}`,
      })),
      ...(sim ? { simulatorUrl: sim.url } : {}),
      logsTo,
      appliedMigrations: local?.applied ?? [],
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs `listen`, naming the port and its option when it is taken. */
function bind<T>(option: string, port: number, listen: () => T): T {
  try {
    return listen();
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    throw new Deno.errors.AddrInUse(
      `Port ${port} is in use: stop what listens there, or choose another with ${option}`,
    );
  }
}

/** The environment of every worker: the base one, minus what dev manages, plus dev's values. */
function workerEnv(
  options: DevOptions,
  gatewayUrl: string,
  dbUrl: string | undefined,
  simulatorUrl: string | undefined,
): Record<string, string> {
  const env = { ...(options.env ?? Deno.env.toObject()) };
  for (const name of MANAGED) delete env[name];
  const key = options.supabase?.serviceKey ?? LOCAL_SERVICE_KEY;
  env.SUPABASE_URL = options.supabase?.url ?? gatewayUrl;
  env.SUPABASE_SERVICE_ROLE_KEY = key;
  env.SUPABASE_SECRET_KEYS = JSON.stringify({ default: key });
  if (!options.supabase) {
    for (const name of LOCAL_ONLY_REMOVED) delete env[name];
    if (dbUrl) env.SUPABASE_DB_URL = dbUrl; // as the Edge Runtime provides it
    // The dashboard verifies the local sign-in's tokens with the local secret (dev only).
    env.SUPABASE_JWT_SECRET = LOCAL_JWT_SECRET;
    env.LLM_DASHBOARD_LOCAL_SIGN_IN = "true";
  }
  env.OPENROUTER_API_KEY = options.openRouter?.apiKey ?? "sk-or-v1-local-simulator";
  const openRouterUrl = options.openRouter ? options.openRouter.baseUrl : simulatorUrl;
  if (openRouterUrl) env.OPENROUTER_BASE_URL = openRouterUrl;
  return env;
}
