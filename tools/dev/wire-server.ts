/**
 * Serves the dev database (one PGlite instance) over the Postgres wire protocol, so `psql`,
 * `deno task logs` and any Postgres client can read it while `deno task dev` runs.
 *
 * PGlite is a single Postgres session. Each client's messages are handed to it whole, and a
 * client holds the {@link SessionLock} from its first message until the session is idle again:
 * a `ReadyForQuery` with status `I` after a Sync, a simple Query or the end of a COPY. So an
 * extended-protocol exchange (Parse, Bind, Execute, Sync) or an open transaction is never
 * interleaved with another client's or with the PostgREST stand-in's queries. When a client
 * leaves, its transaction is rolled back and its session state discarded (`DISCARD ALL`, as
 * connection poolers do), so the next client starts clean.
 *
 * (`@electric-sql/pglite-socket` does the same job but queues each message on its own, so two
 * clients' Parse and Bind messages interleave and one gets the other's results; and it pins an
 * exact older PGlite as a peer dependency.)
 *
 * @module
 */
import type { PGlite } from "@electric-sql/pglite";
import type { Release, SessionLock } from "./session-lock.ts";
import {
  CANCEL_REQUEST,
  endsIdle,
  errorResponse,
  GSSENC_REQUEST,
  isExtended,
  MessageType,
  nextMessage,
  readyForQuery,
  SSL_REQUEST,
  startupCode,
  syncMessage,
  unsupported,
} from "./wire-protocol.ts";

/** Options of {@link serveWire}. */
export interface WireServerOptions {
  /** The database to serve. */
  db: PGlite;
  /** Shared with every other user of `db`. */
  lock: SessionLock;
  /** @default {54322} (the port of `supabase start`'s database); `0` picks a free one */
  port?: number;
  /** @default {"127.0.0.1"} */
  hostname?: string;
}

/** A running wire-protocol server. */
export interface WireServer {
  /** The port it listens on. */
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** Stops listening, disconnects every client and waits until their sessions are reset. */
  close(): Promise<void>;
}

/**
 * Starts serving `db` on a loopback port.
 *
 * @example
 * ```ts
 * const server = serveWire({ db, lock, port: 54322 });
 * // psql postgres://postgres@127.0.0.1:54322/postgres
 * await server.close();
 * ```
 */
export function serveWire(options: WireServerOptions): WireServer {
  const listener = Deno.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 54322,
  });
  const { hostname, port } = listener.addr;
  const connections = new Map<Deno.TcpConn, Promise<void>>();
  const accepting = (async () => {
    for await (const conn of listener) {
      const done = new Connection(conn, options.db, options.lock).serve()
        .finally(() => connections.delete(conn));
      connections.set(conn, done);
    }
  })().catch(() => {/* the listener was closed */});
  return {
    port,
    url: `postgres://postgres@${hostname}:${port}/postgres`,
    async close() {
      listener.close();
      await accepting;
      for (const conn of connections.keys()) closeQuietly(conn);
      await Promise.all(connections.values());
    },
  };
}

/** One client: relays its messages until it terminates or disconnects, then resets the session. */
class Connection {
  #conn: Deno.TcpConn;
  #db: PGlite;
  #lock: SessionLock;
  #release: Release | null = null;
  #started = false;
  /** Set after a refused Parse: like Postgres, ignore messages until the next Sync. */
  #skipToSync = false;
  #out: Uint8Array[] = [];

  constructor(conn: Deno.TcpConn, db: PGlite, lock: SessionLock) {
    this.#conn = conn;
    this.#db = db;
    this.#lock = lock;
  }

  async serve(): Promise<void> {
    try {
      this.#conn.setNoDelay(true);
      let buffer: Uint8Array = new Uint8Array(0);
      for await (const chunk of this.#conn.readable) {
        buffer = concat(buffer, chunk);
        for (let message = nextMessage(buffer, this.#started); message;) {
          buffer = buffer.subarray(message.length);
          if (!await this.#handle(message)) return;
          message = nextMessage(buffer, this.#started);
        }
        await this.#flush(); // one write per batch: replies per message would meet Nagle's delay
      }
    } catch {
      // A client that vanished mid-write, or a connection closed by close(): reset below.
    } finally {
      closeQuietly(this.#conn);
      if (this.#started) await this.#reset();
    }
  }

  /** Handles one message; `false` ends the connection. */
  async #handle(message: Uint8Array): Promise<boolean> {
    if (!this.#started) {
      const code = startupCode(message);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.#out.push(new TextEncoder().encode("N")); // no encryption: a plain startup follows
        return true;
      }
      if (code === CANCEL_REQUEST) return false; // PGlite has no backend to signal
      this.#started = true;
    } else if (message[0] === MessageType.terminate) {
      return false;
    }
    if (!this.#release) {
      await this.#flush(); // never keep a client waiting on our output while we wait our turn
      this.#release = await this.#lock.acquire();
    }
    const reply = this.#refuse(message) ??
      await this.#db.runExclusive(() => this.#db.execProtocolRaw(message));
    this.#out.push(reply);
    if (!isExtended(message) && endsIdle(reply)) {
      this.#release();
      this.#release = null;
    }
    return true;
  }

  /** The reply to a message PGlite must not see (or is skipping), else `null`. */
  #refuse(message: Uint8Array): Uint8Array | null {
    const status = () => this.#db.isInTransaction() ? "T" : "I";
    if (this.#skipToSync) {
      if (message[0] !== MessageType.sync) return new Uint8Array(0);
      this.#skipToSync = false;
      return readyForQuery(status());
    }
    const reason = unsupported(message);
    if (!reason) return null;
    if (message[0] === MessageType.query) {
      return concat(errorResponse(reason), readyForQuery(status()));
    }
    this.#skipToSync = true;
    return errorResponse(reason);
  }

  async #flush(): Promise<void> {
    const bytes = this.#out.reduce(concat, new Uint8Array(0));
    this.#out = [];
    for (let written = 0; written < bytes.length;) {
      written += await this.#conn.write(bytes.subarray(written));
    }
  }

  /** Ends whatever the client left open, so the session is clean for the next user. */
  async #reset(): Promise<void> {
    const release = this.#release ?? await this.#lock.acquire();
    this.#release = null;
    try {
      if (this.#db.closed) return;
      // A Sync ends an unfinished extended-protocol exchange and any error state it is in.
      await this.#db.runExclusive(() => this.#db.execProtocolRaw(syncMessage()));
      if (this.#db.isInTransaction()) await this.#db.exec("rollback");
      await this.#db.exec("discard all");
    } catch {
      // The database is closing: nothing left to reset.
    } finally {
      release();
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  if (!b.length) return a;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function closeQuietly(conn: Deno.TcpConn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
