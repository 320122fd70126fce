/**
 * A small JSON file beside the local data directory (`.local/dev.json`) saying where a running
 * `deno task dev` serves. `deno task logs` reads it to query the live database over its wire
 * port, and a second `dev` reads it to refuse opening the same PGlite data directory twice
 * (two processes writing one data directory would corrupt it). A file left by a dev that was
 * killed is recognised as stale: nothing listens at its addresses any more.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The data directory of dev and logs unless `--data-dir` says otherwise. */
export const LOCAL_DATA_DIR = fileURLToPath(new URL("../../.local/pglite", import.meta.url));

/** What a running dev publishes. */
export interface DevState {
  pid: number;
  /** The gateway, `http://127.0.0.1:54321`. */
  url: string;
  /** The local database's wire URL; absent when logs go to a Supabase project. */
  dbUrl?: string;
  /** Where logs go: the local data directory or the Supabase project URL. */
  logsTo: string;
  startedAt: string;
  /** Set while dev starts (the database is not served yet). */
  starting?: boolean;
}

/** Where the state of the dev using `dataDir` is kept: `dev.json` in its parent folder. */
export function devStatePath(dataDir: string): string {
  return join(dirname(dataDir), "dev.json");
}

/** Writes the state file. */
export async function writeDevState(path: string, state: DevState): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(state, null, 2) + "\n");
}

/** Removes the state file if it is ours (same pid and gateway). */
export async function removeDevState(path: string, state: DevState): Promise<void> {
  const current = await readDevState(path);
  if (current && current.pid === state.pid && current.url === state.url) {
    await Deno.remove(path).catch(() => {});
  }
}

/** The state of a dev that is still running, or `null` (no file, unreadable, or stale). */
export async function liveDevState(path: string): Promise<DevState | null> {
  const state = await readDevState(path);
  return state && await isListening(state.dbUrl ?? state.url) ? state : null;
}

async function readDevState(path: string): Promise<DevState | null> {
  try {
    const state = JSON.parse(await Deno.readTextFile(path));
    return typeof state?.url === "string" ? state as DevState : null;
  } catch {
    return null;
  }
}

/** Whether something accepts connections at the loopback port of `url` (dev's, always explicit). */
async function isListening(url: string): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) || 80 })).close();
    return true;
  } catch {
    return false;
  }
}
