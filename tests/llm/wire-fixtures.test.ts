/**
 * Every OpenRouter wire scenario in `tests/fixtures/openrouter/`, replayed through the public
 * API: the recorded response is served by an in-process `fetch`, and the call's outcome (the row,
 * the thrown error, the relayed bytes) must match `<scenario>.expected.json`. Adding a wire case
 * is adding files; see that folder's README.md.
 */
import assert from "node:assert/strict";
import {
  type LLMCallLogRow,
  LLMError,
  LLMService,
  type LogSink,
} from "../../supabase/functions/_shared/llm-service.ts";
import { type WireResponse, type WireSplit, wireStub } from "../harness/wire-stub.ts";

const DIR = new URL("../fixtures/openrouter/", import.meta.url);
const API_KEY = "sk-or-v1-0123456789abcdef0123456789abcdef-wire";
const BASE_URL = "https://openrouter.test/api/v1";
const MESSAGES = [{ role: "user", content: "What is the capital of France?" }];
/** Every stream is also replayed cut like this, and must give the same bytes and row. */
const STREAM_SPLITS: WireSplit[] = ["none", "bytes", 7];
/** In an expected row, this value matches any number that is not negative. */
const ANY_NUMBER = "<any number>";

type Call = "chat" | "stream";

/** `<scenario>.expected.json`: what the service must make of the scenario's response. */
interface Expected {
  /** The wire fact this scenario pins down, in one sentence. */
  about: string;
  /** @default {["chat"] for a .json response, ["stream"] for a .sse one} */
  calls?: Call[];
  /** The request without its messages. @default {{ model: "openai/gpt-4o-mini" }} */
  request?: Record<string, unknown>;
  /** The rejection; absent when the call succeeds. */
  error?: {
    name: string;
    type: string;
    status: number | null;
    code: number | string | null;
    retryAfter?: number | null;
    message: string;
  };
  /** The columns this scenario decides; the row must hold exactly these values. */
  row: Partial<Record<keyof LLMCallLogRow, unknown>>;
}

interface Scenario {
  name: string;
  expected: Expected;
  /** The recorded response; a stream's split is taken from STREAM_SPLITS. */
  wire: WireResponse;
  /** Extra splits from the `.sse.json` sidecar, such as cuts inside a character. */
  splits: WireSplit[];
  kind: "json" | "sse";
}

/** A service whose rows land in `rows`, answering through the stub. */
function serviceFor(wire: WireResponse) {
  const stub = wireStub(wire);
  const rows: LLMCallLogRow[] = [];
  const sink: LogSink = {
    write: (batch) => {
      rows.push(...batch);
      return Promise.resolve();
    },
  };
  const service = new LLMService({
    apiKey: API_KEY,
    baseUrl: BASE_URL,
    fetch: stub.fetch,
    sink,
    limits: false,
    estimateCosts: false,
    waitUntil: () => {},
    fallback: (line) => assert.fail(`a row was not written: ${line}`),
    writer: { batchDelayMs: 0, retryDelayMs: 1 },
  });
  return { service, stub, rows };
}

async function loadScenarios(): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  for await (const entry of Deno.readDir(DIR)) {
    const name = entry.name.match(/^(.+)\.expected\.json$/)?.[1];
    if (name) scenarios.push(await loadScenario(name));
  }
  return scenarios.sort((a, b) => a.name.localeCompare(b.name));
}

async function loadScenario(name: string): Promise<Scenario> {
  const expected: Expected = await readJson(`${name}.expected.json`);
  const sse = await Deno.readFile(new URL(`${name}.sse`, DIR)).catch(() => null);
  if (sse) {
    const side = await readJson(`${name}.sse.json`).catch(() => ({}));
    const headers = { "content-type": "text/event-stream", ...side.headers };
    const wire = { status: side.status ?? 200, headers, body: sse };
    return { name, expected, wire, splits: side.splits ?? [], kind: "sse" };
  }
  const recorded = await readJson(`${name}.json`);
  const body = "text" in recorded ? recorded.text : JSON.stringify(recorded.body);
  const wire = {
    status: recorded.status,
    headers: recorded.headers ?? {},
    body: new TextEncoder().encode(body),
  };
  return { name, expected, wire, splits: [], kind: "json" };
}

// deno-lint-ignore no-explicit-any
async function readJson(file: string): Promise<any> {
  return JSON.parse(await Deno.readTextFile(new URL(file, DIR)));
}

/** Runs one call of a scenario and checks everything the expected file says. */
async function replay(scenario: Scenario, call: Call, split: WireSplit) {
  const { service, stub, rows } = serviceFor({ ...scenario.wire, split });
  const request = {
    messages: MESSAGES,
    ...(scenario.expected.request ?? { model: "openai/gpt-4o-mini" }),
  };
  const outcome =
    await (call === "chat"
      ? service.chatCompletion(request as never)
      : service.streamCompletion(request as never)).then(
        (value) => ({ value, error: null }),
        (error) => ({ value: null, error }),
      );
  const { logId, details } = await checkOutcome(scenario, outcome);

  assert.equal(stub.requests.length, 1, "one request went upstream");
  assert.equal(stub.requests[0].url, `${BASE_URL}/chat/completions`);
  const sent = stub.requests[0].json as { stream?: boolean };
  assert.equal(sent.stream, call === "stream" || undefined);
  await service.flush();
  assert.equal(rows.length, 1, "one row per call");
  const [row] = rows;
  if (logId) assert.equal(row.id, logId, "the error or the response names the row");
  assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  if (details !== undefined) assert.deepEqual(row.error_details, details);
  assert.equal(row.method_type, call === "chat" ? "chat_completion" : "stream_completion");
  const wanted = { ...scenario.expected.row };
  if (scenario.kind === "json" && !("response_body" in wanted)) {
    wanted.response_body = jsonObjectOrNull(wireText(scenario)); // kept when it is an object
  }
  assert.deepEqual(pick(row, wanted), wanted);
  assert.ok(!JSON.stringify(row).includes(API_KEY), "the key is not in the row");
}

/** Checks what the caller got: the error, the relayed stream, or the completion. */
async function checkOutcome(
  scenario: Scenario,
  outcome: { value: unknown; error: unknown },
): Promise<{ logId: string | null; details?: unknown }> {
  const expected = scenario.expected.error;
  if (expected) {
    assert.ok(outcome.error instanceof LLMError, `expected a rejection, got ${outcome.error}`);
    const { name, type, status, code, message } = outcome.error;
    const retryAfter = "retryAfter" in outcome.error ? outcome.error.retryAfter : undefined;
    assert.deepEqual(
      { name, type, status, code, message, retryAfter },
      { retryAfter: undefined, ...expected },
    );
    return { logId: outcome.error.logId, details: outcome.error.details };
  }
  if (outcome.error) throw outcome.error;
  if (outcome.value instanceof Response) {
    const relayed = new Uint8Array(await outcome.value.arrayBuffer());
    assert.deepEqual(relayed, scenario.wire.body, "the relayed bytes are the upstream bytes");
    assert.equal(outcome.value.headers.get("content-type"), "text/event-stream");
    const generationId = scenario.wire.headers["x-generation-id"];
    if (generationId) assert.equal(outcome.value.headers.get("x-generation-id"), generationId);
    const logId = outcome.value.headers.get("x-llm-log-id");
    assert.ok(logId, "X-LLM-Log-Id names the row");
    return { logId };
  }
  const text = wireText(scenario);
  assert.equal(JSON.stringify(outcome.value), text, "OpenRouter's body, keys in order");
  return { logId: null };
}

function wireText(scenario: Scenario): string {
  return new TextDecoder().decode(scenario.wire.body);
}

function jsonObjectOrNull(text: string): unknown {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** The row's values of the expected columns, with ANY_NUMBER where a number is allowed. */
function pick(row: LLMCallLogRow, wanted: Expected["row"]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(wanted)) {
    const actual = (row as unknown as Record<string, unknown>)[column];
    const anyNumber = value === ANY_NUMBER && typeof actual === "number" && actual >= 0;
    picked[column] = anyNumber ? ANY_NUMBER : actual;
  }
  return picked;
}

const scenarios = await loadScenarios();

Deno.test("every wire fixture has an expected file and every expected file a wire fixture", async () => {
  const names = new Set(scenarios.map((s) => s.name));
  for await (const entry of Deno.readDir(DIR)) {
    const name = entry.name.replace(/\.(expected\.json|sse\.json|sse|json|md)$/, "");
    if (entry.name !== "README.md") assert.ok(names.has(name), `${entry.name} has no scenario`);
  }
  assert.ok(scenarios.length > 0);
});

for (const scenario of scenarios) {
  const { expected } = scenario;
  const calls = expected.calls ?? [scenario.kind === "sse" ? "stream" : "chat"];
  for (const call of calls) {
    Deno.test(`${call}: ${scenario.name}: ${expected.about}`, async (t) => {
      if (scenario.kind === "json" || call === "chat") {
        await replay(scenario, call, "none");
        return;
      }
      for (const split of [...STREAM_SPLITS, ...scenario.splits]) {
        await t.step(`cut ${JSON.stringify(split)}`, () => replay(scenario, call, split));
      }
    });
  }
}
