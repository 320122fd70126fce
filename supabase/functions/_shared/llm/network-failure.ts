/**
 * Says why a request got no response, from the error's cause chain, and makes that chain safe
 * to hand out.
 *
 * Runtimes word it differently: Deno 2.1 throws one `TypeError` whose message holds the whole
 * story (and the URL); Deno 2.9 throws "fetch failed" and keeps the story, URL included, in
 * `cause`; Node puts `ECONNREFUSED` and friends in `cause.code`. The URL can hold the API key
 * (a gateway path), so every message of the chain is masked before it is kept.
 *
 * @module
 */

/**
 * Why no response came, stored in `error_details.network_reason` of a `network_error` row:
 * - `connection_refused`: nothing listens there (or a firewall said no).
 * - `connection_reset`: the peer reset the connection.
 * - `connection_closed`: the connection closed before a (complete) response.
 * - `connect_timeout`: connecting, or the operating system's socket, timed out.
 * - `dns_failure`: the host name could not be resolved.
 * - `tls_failure`: the TLS handshake or the certificate failed.
 * - `unknown`: none of these could be told from the error.
 */
export type NetworkFailureReason =
  | "connection_refused"
  | "connection_reset"
  | "connection_closed"
  | "connect_timeout"
  | "dns_failure"
  | "tls_failure"
  | "unknown";

/** What a network failure is known to be. */
export interface NetworkFailure {
  reason: NetworkFailureReason;
  /** The messages of the cause chain, outermost first, the secret masked. */
  causes: string[];
}

const MAX_CHAIN = 8;
const MASK = "[redacted: api key]";

/** Tried in order over every message and code of the chain; the first match wins. */
const PATTERNS: [NetworkFailureReason, RegExp][] = [
  [
    "dns_failure",
    /ENOTFOUND|EAI_AGAIN|dns error|failed to lookup address|name or service not known|no address associated/i,
  ],
  [
    "tls_failure",
    /certificate|tls|ssl|handshake|InvalidContentType|corrupt message|UnknownIssuer|ERR_TLS/i,
  ],
  ["connection_refused", /ECONNREFUSED|connection refused|os error 111|os error 10061/i],
  ["connection_reset", /ECONNRESET|connection reset|reset by peer|os error 104|os error 10054/i],
  ["connect_timeout", /ETIMEDOUT|timed out|os error 110|UND_ERR_CONNECT_TIMEOUT/i],
  [
    "connection_closed",
    /closed before|connection closed|other side closed|UND_ERR_SOCKET|EPIPE|unexpected eof|incomplete ?message|error reading a body/i,
  ],
];

/**
 * Classifies a failed `fetch` (or body read) from its cause chain.
 *
 * @example
 * ```ts
 * describeNetworkFailure(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }));
 * // { reason: "connection_refused", causes: ["fetch failed", "ECONNREFUSED"] }
 * ```
 */
export function describeNetworkFailure(error: unknown, secret?: string | null): NetworkFailure {
  const causes: string[] = [];
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CHAIN && current !== undefined && current !== null; depth++) {
    const { message, code } = readError(current);
    if (message) causes.push(mask(message, secret));
    texts.push(message, code);
    current = readCause(current);
  }
  const all = texts.join("\n");
  const match = PATTERNS.find(([, pattern]) => pattern.test(all));
  return { reason: match?.[0] ?? "unknown", causes };
}

/**
 * A copy of an error and its causes with the secret masked in every message, keeping names
 * and codes: safe to attach as a thrown error's `cause`.
 *
 * @example
 * ```ts
 * const apiKey = "sk-or-v1-example-key";
 * const url = `https://gateway.example/${apiKey}/chat/completions`;
 * const masked = maskedError(new TypeError(`error sending request for url (${url})`), apiKey);
 * console.log((masked as Error).message); // "… (https://gateway.example/[redacted: api key]/…)"
 * ```
 */
export function maskedError(error: unknown, secret?: string | null, depth = 0): unknown {
  if (error === undefined || error === null || depth >= MAX_CHAIN) return undefined;
  const { message, code, name } = readError(error);
  const cause = maskedError(readCause(error), secret, depth + 1);
  const copy = new Error(mask(message, secret), cause === undefined ? undefined : { cause });
  copy.name = name || "Error";
  if (code) Object.assign(copy, { code });
  return copy;
}

/** Replaces every occurrence of the secret (8 characters or more) in a text. */
export function mask(text: string, secret?: string | null): string {
  return secret && secret.length >= 8 ? text.replaceAll(secret, MASK) : text;
}

function readError(error: unknown): { message: string; code: string; name: string } {
  try {
    if (typeof error !== "object") return { message: String(error), code: "", name: "" };
    const record = error as { message?: unknown; code?: unknown; name?: unknown };
    return {
      message: typeof record.message === "string" ? record.message : "",
      code: typeof record.code === "string" ? record.code : "",
      name: typeof record.name === "string" ? record.name : "",
    };
  } catch {
    return { message: "", code: "", name: "" };
  }
}

function readCause(error: unknown): unknown {
  try {
    return typeof error === "object" ? (error as { cause?: unknown }).cause : undefined;
  } catch {
    return undefined;
  }
}
