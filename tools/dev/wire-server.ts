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
 * connection poolers do), so the next client starts clean. (Why not `@electric-sql/pglite-socket`:
 * docs/local-development.md, "Why the database is served by our own code".)
 *
 * @module
 */
import type { PGlite } from "@electric-sql/pglite";
import type { Release, SessionLock } from "./local-database.ts";

/** Options of {@link serveWire}. */
export interface WireServerOptions {
  /** The database to serve. */
  db: PGlite;
  /** Shared with every other user of `db`. */
  lock: SessionLock;
  /** `0` picks a free one. */
  port: number;
}

/** A running wire-protocol server. */
export interface WireServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** Stops listening, disconnects every client and waits until their sessions are reset. */
  close(): Promise<void>;
}

/** Starts serving `db` on a loopback port. */
export function serveWire(options: WireServerOptions): WireServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: options.port });
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
  #release: Release | null = null;
  #started = false;
  /** Set after a refused Parse: like Postgres, ignore messages until the next Sync. */
  #skipToSync = false;
  #out: Uint8Array[] = [];

  constructor(
    private readonly conn: Deno.TcpConn,
    private readonly db: PGlite,
    private readonly lock: SessionLock,
  ) {}

  async serve(): Promise<void> {
    try {
      this.conn.setNoDelay(true);
      let buffer: Uint8Array = new Uint8Array(0);
      for await (const chunk of this.conn.readable) {
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
      closeQuietly(this.conn);
      if (this.#started) await this.#reset();
    }
  }

  /** Handles one message; `false` ends the connection. */
  async #handle(message: Uint8Array): Promise<boolean> {
    if (!this.#started) {
      const code = view(message).getInt32(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.#out.push(new TextEncoder().encode("N")); // no encryption: a plain startup follows
        return true;
      }
      if (code === CANCEL_REQUEST) return false; // PGlite has no backend to signal
      this.#started = true;
    } else if (message[0] === TERMINATE) {
      return false;
    }
    if (!this.#release) {
      await this.#flush(); // never keep a client waiting on our output while we wait our turn
      this.#release = await this.lock.acquire();
    }
    const reply = this.#refuse(message) ??
      await this.db.runExclusive(() => this.db.execProtocolRaw(message));
    this.#out.push(reply);
    if (!EXTENDED.has(message[0]) && endsIdle(reply)) {
      this.#release();
      this.#release = null;
    }
    return true;
  }

  /** The reply to a message PGlite must not see (or is skipping), else `null`. */
  #refuse(message: Uint8Array): Uint8Array | null {
    const status = () => this.db.isInTransaction() ? "T" : "I";
    if (this.#skipToSync) {
      if (message[0] !== SYNC) return new Uint8Array(0);
      this.#skipToSync = false;
      return readyForQuery(status());
    }
    const reason = unsupported(message);
    if (!reason) return null;
    if (message[0] === QUERY) {
      return concat(errorResponse(reason), readyForQuery(status()));
    }
    this.#skipToSync = true;
    return errorResponse(reason);
  }

  async #flush(): Promise<void> {
    const bytes = this.#out.reduce(concat, new Uint8Array(0));
    this.#out = [];
    for (let written = 0; written < bytes.length;) {
      written += await this.conn.write(bytes.subarray(written));
    }
  }

  /** Ends whatever the client left open, so the session is clean for the next user. */
  async #reset(): Promise<void> {
    const release = this.#release ?? await this.lock.acquire();
    this.#release = null;
    try {
      if (this.db.closed) return;
      // A Sync ends an unfinished extended-protocol exchange and any error state it is in.
      await this.db.runExclusive(() => this.db.execProtocolRaw(frame("S", new Uint8Array(0))));
      if (this.db.isInTransaction()) await this.db.exec("rollback");
      await this.db.exec("discard all");
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

// The pieces of the Postgres frontend/backend protocol this server needs.
const code = (c: string) => c.charCodeAt(0);
/** Startup-phase request codes (the int32 after the length). */
const [SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST] = [80877103, 80877104, 80877102];
/** Extended-protocol messages: the exchange they belong to ends at the next Sync. */
const EXTENDED = new Set([..."PBDECHF"].map(code));
const [QUERY, PARSE, SYNC, TERMINATE, READY_FOR_QUERY] = [..."QPSXZ"].map(code);
const MAX_MESSAGE = 1 << 30;

/**
 * The next complete message at the start of `buffer`, or `null` when more bytes are needed.
 * Before startup, messages have no type byte.
 */
function nextMessage(buffer: Uint8Array, started: boolean): Uint8Array | null {
  const header = started ? 5 : 8;
  if (buffer.length < header) return null;
  const length = started ? 1 + view(buffer).getInt32(1) : view(buffer).getInt32(0);
  if (length < header || length > MAX_MESSAGE) {
    throw new RangeError(`Invalid message length: ${length}`);
  }
  return buffer.length >= length ? buffer.subarray(0, length) : null;
}

/** Whether the last message of a reply is `ReadyForQuery` with the session idle (`I`). */
function endsIdle(reply: Uint8Array): boolean {
  let at = 0;
  let last = -1;
  while (at + 5 <= reply.length) {
    last = at;
    at += 1 + view(reply).getInt32(at + 1);
  }
  return last >= 0 && reply[last] === READY_FOR_QUERY && reply[last + 5] === code("I");
}

/**
 * Why PGlite must not see this Query or Parse message, or `null`. `COPY … FROM STDIN` (what
 * psql's `\copy … from` sends) makes PGlite 0.5 exit the whole process.
 */
function unsupported(message: Uint8Array): string | null {
  if (message[0] !== QUERY && message[0] !== PARSE) return null;
  const body = message.subarray(5); // a Parse holds the statement's name, then its SQL
  const sql = new TextDecoder().decode(
    message[0] === PARSE ? body.subarray(body.indexOf(0) + 1) : body,
  );
  return /\bcopy\b[^;]*\bfrom\s+stdin\b/i.test(sql)
    ? "COPY FROM STDIN is not supported by the local PGlite database: use INSERT"
    : null;
}

/** An `ErrorResponse` with SQLSTATE `0A000` (feature not supported). */
function errorResponse(message: string): Uint8Array {
  const fields = `SERROR\0VERROR\0C0A000\0M${message}\0\0`;
  return frame("E", new TextEncoder().encode(fields));
}

/** A `ReadyForQuery` with status `I` (idle) or `T` (in a transaction). */
function readyForQuery(status: "I" | "T"): Uint8Array {
  return frame("Z", new Uint8Array([code(status)]));
}

function frame(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = code(type);
  view(out).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
