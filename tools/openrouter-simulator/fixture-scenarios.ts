/**
 * Scenario models answered from the wire fixtures of `tests/fixtures/openrouter/` (see its
 * README.md), the one source of OpenRouter's error bodies and stream quirks: `sim/error-<name>`
 * sends `error-<name>.json`, `sim/transcript/<name>` replays `<name>.sse`, and the names of
 * {@link FIXTURE_SCENARIOS} map onto a fixture.
 *
 * @module
 */
import { replayTranscript, type Split, type StreamEnd } from "./sse.ts";
import { errorResponse } from "./error-bodies.ts";

/** Where the fixtures live: `tests/fixtures/openrouter/` of this repository. */
const FIXTURES_DIR: URL = new URL("../../tests/fixtures/openrouter/", import.meta.url);

/** A scenario model served from fixtures. */
interface FixtureScenario {
  /** `<name>.json`: the whole answer to chat requests, and to streams when no `transcript`. */
  response?: string;
  /** `<name>.sse`, replayed to stream requests; without `response`, chats answer normally. */
  transcript?: string;
  /** How the replay cuts the transcript into writes. @default one write per event */
  split?: Split;
  /** How the replayed body ends; `"drop"` records the exchange as `server-closed`. */
  end?: StreamEnd;
}

/** The scenarios (`sim/<name>`) named otherwise than the fixture they send. */
const FIXTURE_SCENARIOS: Readonly<Record<string, FixtureScenario>> = {
  "error-html": { response: "error-html-502" },
  "error-text": { response: "error-text-503" },
  "garbage-200": { response: "error-truncated-200" },
  "empty-200": { response: "error-empty-200" },
  "choice-error": { response: "chat-choice-error", transcript: "midstream-choice-error" },
  "stream-usage-on-choice": { transcript: "usage-on-choice" },
  "stream-error-numeric": { transcript: "midstream-error-numeric" },
  "stream-error-string": { transcript: "midstream-error-string" },
  "stream-finish-error": { transcript: "finish-error-no-object" },
  "stream-disconnect": { transcript: "disconnect", end: "drop" },
  "stream-crlf": { transcript: "crlf", split: 7 },
  "stream-invalid-json": { transcript: "broken-json-line" },
};

/**
 * The answer of `sim/<scenario>` when a fixture makes it, else `null` (also for a stream-only
 * scenario asked without `stream: true`). A missing fixture is a 404, except that
 * `sim/error-<status>` then sends a generic error body with that status.
 *
 * @example
 * ```ts
 * (await fixtureAnswer("error-429", false))?.headers.get("retry-after"); // "7"
 * ```
 */
export async function fixtureAnswer(
  scenario: string,
  stream: boolean,
  dir: URL = FIXTURES_DIR,
): Promise<Response | null> {
  const fixture = fixtureFor(scenario, stream);
  if (!fixture) return null;
  try {
    return fixture.transcript
      ? await transcriptResponse(fixture.transcript, fixture, dir)
      : await responseFixture(fixture.response!, dir);
  } catch (error) {
    if (!(error instanceof FixtureNotFoundError)) throw error;
    const status = Number(/^error-([45]\d\d)$/.exec(scenario)?.[1]);
    if (status) return errorResponse(status, { code: status, message: `Simulated HTTP ${status}` });
    return errorResponse(404, { code: 404, message: error.message });
  }
}

/** The one fixture `sim/<scenario>` sends this request (a `transcript` or a `response`), if any. */
function fixtureFor(scenario: string, stream: boolean): FixtureScenario | null {
  if (scenario.startsWith("transcript/")) {
    return { transcript: scenario.slice("transcript/".length) };
  }
  const named = FIXTURE_SCENARIOS[scenario] ??
    (scenario.startsWith("error-") ? { response: scenario } : null);
  if (named?.transcript && stream) return { ...named, response: undefined };
  return named?.response ? { response: named.response } : null;
}

/** `<name>.json` as a response: its status, headers and `text` (or `JSON.stringify(body)`). */
async function responseFixture(name: string, dir: URL): Promise<Response> {
  const fixture = JSON.parse(await readFixture(name, ".json", dir));
  const text: string = "text" in fixture ? fixture.text : JSON.stringify(fixture.body);
  // Bytes, not a string: a string body would get a content-type the fixture may not have.
  const body = text === "" ? null : new TextEncoder().encode(text);
  return new Response(body, { status: fixture.status, headers: fixture.headers });
}

/**
 * `<name>.sse` replayed verbatim (one event per write unless `split` says otherwise), with the
 * `status` and `headers` of `<name>.sse.json` if there is one and `X-Generation-Id` from the
 * chunks.
 */
async function transcriptResponse(
  name: string,
  { split, end }: FixtureScenario,
  dir: URL,
): Promise<Response> {
  const text = await loadTranscript(name, dir);
  const sidecar = await readFixture(name, ".sse.json", dir).then(JSON.parse, (error) => {
    if (error instanceof FixtureNotFoundError) return {};
    throw error;
  });
  const id = /"id":"(gen-[^"]+)"/.exec(text)?.[1];
  return replayTranscript(text, {
    status: sidecar.status,
    headers: { ...(id ? { "x-generation-id": id } : {}), ...sidecar.headers },
    split,
    end,
  });
}

/**
 * Reads `tests/fixtures/openrouter/<name>.sse` exactly as written.
 *
 * @example
 * ```ts
 * const text = await loadTranscript("basic");
 * text.startsWith(": OPENROUTER PROCESSING"); // true
 * ```
 */
export async function loadTranscript(name: string, dir: URL = FIXTURES_DIR): Promise<string> {
  return await readFixture(name, ".sse", dir);
}

/** No fixture file of that name: it does not exist, or the name is not a plain file name. */
class FixtureNotFoundError extends Deno.errors.NotFound {
  override name = "FixtureNotFoundError";
}

/** The text of fixture file `<name><extension>`. */
async function readFixture(name: string, extension: string, dir: URL): Promise<string> {
  if (!/^[\w-]+$/.test(name)) {
    throw new FixtureNotFoundError(`Cannot load fixture "${name}": use a file name without a path`);
  }
  const file = new URL(`${name}${extension}`, dir);
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new FixtureNotFoundError(
      `Cannot load fixture "${name}": ${file.pathname} does not exist`,
    );
  }
}
