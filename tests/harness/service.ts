/**
 * An LLMService wired for tests: the OpenRouter simulator on a loopback port, a migrated test
 * database behind the SQL sink, and stand-ins for `waitUntil` and the fallback output.
 *
 * @module
 */
import {
  createSqlSink,
  type LLMCallLogRow,
  LLMService,
  type LLMServiceOptions,
} from "../../supabase/functions/_shared/llm-service.ts";
import {
  type OpenRouterSimulator,
  startOpenRouterSimulator,
} from "../../tools/openrouter-simulator/mod.ts";
import { openTestDatabase, type TestDatabase } from "./database.ts";

/** The API key every test service uses; tests assert it never leaks. */
export const TEST_API_KEY = "sk-or-v1-0123456789abcdef0123456789abcdef-test";

/** A service with everything it talks to. Dispose it to close them all. */
export interface ServiceHarness extends AsyncDisposable {
  service: LLMService;
  sim: OpenRouterSimulator;
  db: TestDatabase;
  /** Promises handed to `waitUntil`, in order. */
  registered: Promise<unknown>[];
  /** Lines the fallback printed, parsed. */
  fallback: { event: string; reason: string; row: LLMCallLogRow }[];
  /** Makes another service on the same simulator and database. */
  withOptions(options: LLMServiceOptions): LLMService;
  /** The stored row with this id (or `undefined`), with values as the service sent them. */
  row(id: string): Promise<LLMCallLogRow | undefined>;
  /** Every stored row, oldest first. */
  rows(): Promise<LLMCallLogRow[]>;
}

/** Opens a simulator, a database and a service over them. */
export async function openServiceHarness(options: LLMServiceOptions = {}): Promise<ServiceHarness> {
  const db = await openTestDatabase();
  const sim = await startOpenRouterSimulator();
  const registered: Promise<unknown>[] = [];
  const fallback: ServiceHarness["fallback"] = [];
  const services: LLMService[] = [];
  const withOptions = (extra: LLMServiceOptions) => {
    const service = new LLMService({
      apiKey: TEST_API_KEY,
      baseUrl: sim.url,
      sink: createSqlSink((text, params) => db.query(text, params)),
      waitUntil: (promise) => void registered.push(promise),
      fallback: (line) => void fallback.push(JSON.parse(line)),
      writer: { batchDelayMs: 1, retryDelayMs: 1, attemptTimeoutMs: 2_000 },
      ...options,
      ...extra,
    });
    services.push(service);
    return service;
  };
  const service = withOptions({});
  const rows = async (where = "true", params: unknown[] = []) => {
    const found = await db.query<{ row: unknown }>(
      `select to_jsonb(l) || jsonb_build_object('cost_usd', l.cost_usd::text) as row
         from llm_call_logs l where ${where} order by created_at, id`,
      params,
    );
    return found.map(({ row }) => normalise(typeof row === "string" ? JSON.parse(row) : row));
  };
  const close = async () => {
    for (const s of services) await s.flush();
    await sim.close();
    await db.close();
  };
  return {
    service,
    sim,
    db,
    registered,
    fallback,
    withOptions,
    row: async (id) => (await rows("id = $1", [id]))[0],
    rows: () => rows(),
    [Symbol.asyncDispose]: close,
  };
}

/** Stored timestamps back in the service's representation (ISO 8601 in UTC). */
function normalise(row: Record<string, unknown>): LLMCallLogRow {
  for (const key of ["created_at", "completed_at"]) {
    if (typeof row[key] === "string") row[key] = new Date(row[key] as string).toISOString();
  }
  return row as unknown as LLMCallLogRow;
}
