/**
 * Turns a recorded call into the row that is stored, or printed when it cannot be: build it,
 * estimate its cost from `/models` prices when OpenRouter gave none, make it safe to store, and
 * run the caller's `redact` hook.
 *
 * The outcome may be a function that says how the call ended when its row is prepared: a
 * stream's outcome is read from its events then, so parsing them never delays its reader.
 *
 * Two ways, one result: {@link RowPreparer.prepare} may wait (for prices, for an asynchronous
 * hook); {@link RowPreparer.prepareNow} cannot (a worker shutting down, a full queue) and
 * skips only the cost estimate. Neither throws: a row that cannot be built becomes a minimal
 * storable row that says why. Neither waits forever: an asynchronous hook that has not finished
 * within `redactTimeoutMs` is abandoned, and the row is kept without its content.
 *
 * @module
 */
import { describeValue } from "./caller-values.ts";
import { buildLogRow, type CallOutcome, type CallStart } from "./build-log-row.ts";
import type { Json, LLMCallLogRow } from "./log-row.ts";
import { delayOption } from "./numeric-options.ts";
import { estimateCost, type ModelPriceList } from "./pricing.ts";
import { sanitizeRowNow } from "./sanitize-row.ts";
import { UNKNOWN_USAGE } from "./usage.ts";

/** Rewrites a row before it is stored (mask, drop or hash what must not be kept). */
export type RedactHook = (row: LLMCallLogRow) => LLMCallLogRow | Promise<LLMCallLogRow>;

/** Options of {@link RowPreparer}. */
export interface RowPreparerOptions {
  /** Prices for estimates; `null` disables estimates. */
  prices: ModelPriceList | null;
  redact?: RedactHook;
  /**
   * How long an asynchronous `redact` may take; past it the row is stored without its content
   * columns, since it cannot be stored unredacted and must not be held forever. At most
   * 2^31 − 1 (`Infinity`: wait as long as a timer can). @default {10_000}
   */
  redactTimeoutMs?: number;
  /** Masked wherever it appears in a row. */
  apiKey?: string;
}

/** The columns that can hold what users and models wrote. */
const CONTENT_COLUMNS = [
  "request_messages",
  "request_params",
  "response_body",
  "completion_text",
  "error_message",
  "error_details",
] as const;

/** Prepares rows; see the module documentation. */
export class RowPreparer {
  #options: RowPreparerOptions;
  #redactTimeoutMs: number;

  constructor(options: RowPreparerOptions) {
    this.#options = options;
    this.#redactTimeoutMs = delayOption("redactTimeoutMs", options.redactTimeoutMs, 10_000);
  }

  /** The row to store, with a cost estimate where one can be made. Never rejects. */
  async prepare(
    start: CallStart,
    recorded: CallOutcome | (() => CallOutcome),
  ): Promise<LLMCallLogRow> {
    try {
      let row = this.#build(start, recorded);
      const { prices } = this.#options;
      if (row.cost_usd === null && row.response_model && prices) {
        const price = await prices.priceOf(row.response_model).catch(() => null);
        const cost = price && estimateCost(price, row);
        if (cost) row = { ...row, cost_usd: cost, cost_source: "estimated" };
      }
      row = this.#clean(row);
      const redacted = this.#redact(row);
      return redacted instanceof Promise ? await this.#redactedWithin(redacted, row) : redacted;
    } catch (error) {
      return this.#clean(minimalRow(start, error));
    }
  }

  /** The row to store, now: no cost estimate, and an asynchronous hook cannot be waited for. */
  prepareNow(start: CallStart, recorded: CallOutcome | (() => CallOutcome)): LLMCallLogRow {
    try {
      const row = this.#clean(this.#build(start, recorded));
      const redacted = this.#redact(row);
      if (!(redacted instanceof Promise)) return redacted;
      redacted.catch(() => {}); // its result is no longer wanted
      return this.#stripped(row, "the redact hook did not finish before the row had to be printed");
    } catch (error) {
      return this.#clean(minimalRow(start, error));
    }
  }

  /** Builds the row; an outcome function that throws (a bug) gives a failed row saying so. */
  #build(start: CallStart, recorded: CallOutcome | (() => CallOutcome)): LLMCallLogRow {
    if (typeof recorded !== "function") return buildLogRow(start, recorded);
    let outcome: CallOutcome;
    try {
      outcome = recorded();
    } catch (error) {
      const now = { endedAt: Date.now(), endedMono: performance.now() };
      const row = buildLogRow(start, { status: "failed", ...now });
      return withMetadata(row, { prepare_error: describeValue(error) });
    }
    return buildLogRow(start, outcome);
  }

  #clean(row: LLMCallLogRow): LLMCallLogRow {
    return sanitizeRowNow(row, { apiKey: this.#options.apiKey });
  }

  /** Runs the hook on a copy; a hook that fails must not leak what it was meant to hide. */
  #redact(row: LLMCallLogRow): LLMCallLogRow | Promise<LLMCallLogRow> {
    const { redact } = this.#options;
    if (!redact) return row;
    const fail = (error: unknown) => this.#stripped(row, describeValue(error));
    try {
      const result = redact(JSON.parse(JSON.stringify(row))); // the hook may mutate its argument
      if (!(result instanceof Promise)) return this.#clean(result);
      return result.then((redacted) => this.#clean(redacted), fail).catch(fail);
    } catch (error) {
      return fail(error);
    }
  }

  /**
   * An asynchronous hook's row, or the row without its content once the hook has taken
   * `redactTimeoutMs`: a hook that never settles (a service that never answers) would otherwise
   * hold the row, its batch and `flush()` forever.
   */
  async #redactedWithin(
    redacted: Promise<LLMCallLogRow>,
    row: LLMCallLogRow,
  ): Promise<LLMCallLogRow> {
    const ms = this.#redactTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<LLMCallLogRow>((resolve) => {
      const why = `the redact hook did not finish within ${ms} ms`;
      timer = setTimeout(() => resolve(this.#stripped(row, why)), ms);
    });
    try {
      return await Promise.race([redacted, late]); // `redacted` never rejects: see #redact
    } finally {
      clearTimeout(timer);
    }
  }

  /** The row without any content column: only the accounting is kept. */
  #stripped(row: LLMCallLogRow, why: string): LLMCallLogRow {
    const stripped: LLMCallLogRow = { ...row, request_messages: [], metadata: {} };
    for (const column of CONTENT_COLUMNS) {
      if (column !== "request_messages") stripped[column] = null;
    }
    stripped.metadata = { redact_error: why };
    return this.#clean(stripped);
  }
}

/**
 * A row built only from what the service itself set when the call started, for when the full
 * row cannot be built (a bug): it is storable, and says why it is empty.
 */
function minimalRow(start: CallStart, error: unknown): LLMCallLogRow {
  const at = new Date(Number.isFinite(start.startedAt) ? start.startedAt : Date.now())
    .toISOString();
  const row: LLMCallLogRow = {
    id: start.id,
    created_at: at,
    completed_at: at,
    request_id: null,
    edge_function: null,
    user_id: null,
    method_type: start.method,
    model: "(unknown)",
    response_model: null,
    provider: null,
    generation_id: null,
    status: "failed",
    request_messages: [],
    request_params: null,
    response_body: null,
    completion_text: null,
    finish_reason: null,
    ...UNKNOWN_USAGE,
    response_time_ms: null,
    time_to_first_token_ms: null,
    http_status: null,
    error_type: null,
    error_message: null,
    error_details: null,
    metadata: {},
  };
  return withMetadata(row, { prepare_error: describeValue(error) });
}

function withMetadata(row: LLMCallLogRow, extra: Record<string, Json>): LLMCallLogRow {
  const metadata = typeof row.metadata === "object" && row.metadata !== null &&
      !Array.isArray(row.metadata)
    ? row.metadata
    : {};
  return { ...row, metadata: { ...metadata, ...extra } };
}
