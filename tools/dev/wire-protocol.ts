/**
 * The few pieces of the Postgres frontend/backend protocol the dev database's wire server needs:
 * message framing, spotting an idle `ReadyForQuery`, and answering a statement PGlite cannot run.
 *
 * @module
 */

/** Startup-phase request codes (the int32 after the length). */
export const SSL_REQUEST = 80877103;
/** Asks for GSSAPI encryption; answered like SSL, with `N`. */
export const GSSENC_REQUEST = 80877104;
/** Asks to cancel another connection's query. */
export const CANCEL_REQUEST = 80877102;

const MAX_MESSAGE = 1 << 30;
const code = (c: string) => c.charCodeAt(0);
/** Extended-protocol messages: the exchange they belong to ends at the next Sync. */
const EXTENDED = new Set([..."PBDECHF"].map(code));

/** Message type bytes used by the server. */
export const MessageType = Object.freeze({
  query: code("Q"),
  parse: code("P"),
  sync: code("S"),
  terminate: code("X"),
  readyForQuery: code("Z"),
});

/**
 * The next complete message at the start of `buffer`, or `null` when more bytes are needed.
 * Before startup, messages have no type byte.
 */
export function nextMessage(buffer: Uint8Array, started: boolean): Uint8Array | null {
  const header = started ? 5 : 8;
  if (buffer.length < header) return null;
  const length = started ? 1 + view(buffer).getInt32(1) : view(buffer).getInt32(0);
  if (length < header || length > MAX_MESSAGE) {
    throw new RangeError(`Invalid message length: ${length}`);
  }
  return buffer.length >= length ? buffer.subarray(0, length) : null;
}

/** The int32 request code of a startup-phase message. */
export function startupCode(message: Uint8Array): number {
  return view(message).getInt32(4);
}

/** Whether `message` belongs to an extended-protocol exchange that only a Sync ends. */
export function isExtended(message: Uint8Array): boolean {
  return EXTENDED.has(message[0]);
}

/** Whether the last message of a reply is `ReadyForQuery` with the session idle (`I`). */
export function endsIdle(reply: Uint8Array): boolean {
  let at = 0;
  let last = -1;
  while (at + 5 <= reply.length) {
    last = at;
    at += 1 + view(reply).getInt32(at + 1);
  }
  return last >= 0 && reply[last] === MessageType.readyForQuery && reply[last + 5] === code("I");
}

/**
 * Why PGlite must not see this Query or Parse message, or `null`. `COPY … FROM STDIN` (what
 * psql's `\copy … from` sends) makes PGlite 0.5 exit the whole process.
 */
export function unsupported(message: Uint8Array): string | null {
  let sql: string;
  if (message[0] === MessageType.query) {
    sql = new TextDecoder().decode(message.subarray(5));
  } else if (message[0] === MessageType.parse) {
    const body = message.subarray(5);
    const nameEnd = body.indexOf(0);
    sql = new TextDecoder().decode(body.subarray(nameEnd + 1));
  } else {
    return null;
  }
  return /\bcopy\b[^;]*\bfrom\s+stdin\b/i.test(sql)
    ? "COPY FROM STDIN is not supported by the local PGlite database: use INSERT"
    : null;
}

/** An `ErrorResponse` with SQLSTATE `0A000` (feature not supported). */
export function errorResponse(message: string): Uint8Array {
  const fields = `SERROR\0VERROR\0C0A000\0M${message}\0\0`;
  return frame("E", new TextEncoder().encode(fields));
}

/** A `ReadyForQuery` with status `I` (idle), `T` (in a transaction) or `E` (failed one). */
export function readyForQuery(status: "I" | "T" | "E"): Uint8Array {
  return frame("Z", new Uint8Array([code(status)]));
}

/** A Sync message, to end whatever extended-protocol exchange a departed client left open. */
export function syncMessage(): Uint8Array {
  return frame("S", new Uint8Array(0));
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
