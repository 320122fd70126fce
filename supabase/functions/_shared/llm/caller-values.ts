/**
 * Reads what a caller passed without trusting it: a getter that throws, a `Proxy` whose traps
 * throw, a `toString` that throws, or a `signal` that is not an `AbortSignal` becomes an issue
 * to reject the call with (and log), never an exception that escapes the service.
 *
 * @module
 */
import type { LLMCallContext } from "./types.ts";
import type { RequestIssue } from "./validate-request.ts";

/** The context as the service keeps it, and what was wrong with it. */
export interface ContextReading {
  /** Text ids, the metadata object and a real `AbortSignal`; unusable values left out. */
  context: LLMCallContext;
  /** The metadata as JSON text, taken now; unset when there is none or it cannot be serialised. */
  metadataSnapshot?: string;
  issues: RequestIssue[];
}

const TEXT_FIELDS = ["requestId", "edgeFunction", "userId"] as const;

/**
 * Reads a call's context field by field.
 *
 * @example
 * ```ts
 * const { context, issues } = readContext({ userId: 456, signal: "soon" });
 * // context: { userId: "456" }; issues: [{ field: "context.signal", message: "expected an AbortSignal" }]
 * ```
 */
export function readContext(input: unknown): ContextReading {
  const context: LLMCallContext = {};
  const issues: RequestIssue[] = [];
  if (typeof input !== "object" || input === null) return { context, issues };
  const read = (field: string): unknown => {
    try {
      return (input as Record<string, unknown>)[field];
    } catch (error) {
      issues.push({
        field: `context.${field}`,
        message: `cannot be read: ${describeValue(error)}`,
      });
      return undefined;
    }
  };
  for (const field of TEXT_FIELDS) {
    const value = read(field);
    if (value === undefined || value === null) continue;
    try {
      context[field] = String(value); // JavaScript callers sometimes pass numbers
    } catch (error) {
      issues.push({
        field: `context.${field}`,
        message: `cannot be converted to text: ${describeValue(error)}`,
      });
    }
  }
  const signal = read("signal");
  if (signal instanceof AbortSignal) context.signal = signal;
  else if (signal !== undefined && signal !== null) {
    issues.push({ field: "context.signal", message: "expected an AbortSignal" });
  }
  // Checked (a finite, non-negative number) by the budget check, which names it when it is not.
  const maxCostUsd = read("maxCostUsd");
  if (maxCostUsd !== undefined && maxCostUsd !== null) context.maxCostUsd = maxCostUsd as number;
  const metadata = read("metadata");
  if (metadata === undefined) return { context, issues };
  const metadataSnapshot = metadataText(
    metadata,
    (error) =>
      issues.push({
        field: "context.metadata",
        message: `cannot be read: ${describeValue(error)}`,
      }),
  );
  if (metadataSnapshot !== undefined) context.metadata = metadata as Record<string, unknown>;
  return { context, metadataSnapshot, issues };
}

/**
 * Metadata as JSON text, as leniently as the row's sanitiser: a `bigint` becomes text, a cycle
 * `"[circular]"`, a nested value that cannot be read is left out. Only an object whose own
 * keys cannot even be listed (a `Proxy` whose traps throw) is an error.
 */
function metadataText(value: unknown, onError: (error: unknown) => void): string | undefined {
  try {
    return JSON.stringify(value, (_, v) => typeof v === "bigint" ? v.toString() : v);
  } catch { /* a cycle, a throwing getter or trap: copy what can be read */ }
  try {
    return JSON.stringify(readableTree(value, new Set(), 0, true));
  } catch (error) {
    onError(error);
    return undefined;
  }
}

function readableTree(value: unknown, seen: Set<object>, depth: number, top = false): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return "[circular]";
  if (depth > 100) return "[too deep]";
  try {
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === "function") return readableTree(json.call(value), seen, depth + 1);
    const keys = Object.keys(value);
    seen.add(value);
    const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    for (const key of keys) {
      try {
        (out as Record<string, unknown>)[key] = readableTree(
          (value as Record<string, unknown>)[key],
          seen,
          depth + 1,
        );
      } catch { /* left out, as a throwing getter is from a row */ }
    }
    seen.delete(value);
    return out;
  } catch (error) {
    if (top) throw error;
    return undefined;
  }
}

/**
 * A shallow copy of a caller's object whose own fields can all be read, for logging a request
 * that is being rejected: a field whose getter throws becomes a note saying so. Values that are
 * not JSON (`bigint`, cycles) are kept: the row's sanitiser converts them.
 *
 * @example
 * ```ts
 * readableCopy({ model: "m", get boom() { throw new Error("no") } });
 * // { model: "m", boom: "[unreadable: no]" }
 * ```
 */
export function readableCopy(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch (error) {
    return { unreadable: describeValue(error) };
  }
  const copy: Record<string, unknown> = Array.isArray(value) ? [] as never : {};
  for (const key of keys) {
    try {
      copy[key] = (value as Record<string, unknown>)[key];
    } catch (error) {
      copy[key] = `[unreadable: ${describeValue(error)}]`;
    }
  }
  return copy;
}

/**
 * Text for a value of unknown make (a thrown value, an abort reason) that never throws itself:
 * an error's message (with its name first when `withName` is set), any other value as
 * `String()` gives it, and a note for one that cannot be converted (`Object.create(null)`, a
 * `toString` or getter that throws, a `Proxy` whose traps throw).
 *
 * @example
 * ```ts
 * describeValue(new TypeError("bad")); // "bad"
 * describeValue(new TypeError("bad"), { withName: true }); // "TypeError: bad"
 * describeValue(Object.create(null)); // "unprintable value"
 * ```
 */
export function describeValue(
  value: unknown,
  options: {
    /** Put an error's name before its message, as in `TypeError: bad`. @default {false} */
    withName?: boolean;
  } = {},
): string {
  try {
    if (!(value instanceof Error)) return String(value);
    return options.withName ? `${value.name}: ${value.message}` : value.message;
  } catch {
    return "unprintable value";
  }
}

/**
 * Calls a hook the caller gave (the fallback, `waitUntil`, a warning) for its effect alone. A
 * throw from it is ignored, and so is a rejected promise from one typed to return nothing (an
 * async log shipper): there is nowhere further to report either, and a rejection left unhandled
 * would end the process.
 */
export function callHook<A extends unknown[]>(hook: (...args: A) => unknown, ...args: A): void {
  try {
    const result = hook(...args);
    if (result !== undefined && result !== null) Promise.resolve(result).catch(() => {});
  } catch { /* see above */ }
}
