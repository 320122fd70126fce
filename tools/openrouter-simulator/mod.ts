/**
 * A local OpenRouter simulator for tests, benchmarks and `deno task dev`: a real HTTP server on
 * a loopback port that speaks OpenRouter's wire format, with scenario models (`sim/*`) for
 * every error shape and stream quirk (most of them sent from the wire fixtures of
 * `tests/fixtures/openrouter/`). See README.md for the scenario table.
 *
 * @example
 * ```ts
 * import { sseResponse, startOpenRouterSimulator } from "./tools/openrouter-simulator/mod.ts";
 *
 * await using sim = await startOpenRouterSimulator();
 * sim.route("test/dropped", () =>
 *   sseResponse([{ comment: "OPENROUTER PROCESSING" }, { data: { choices: [] } }], { end: "drop" }));
 * ```
 *
 * @module
 */
export {
  type OpenRouterSimulator,
  type SimulatorOptions,
  startOpenRouterSimulator,
} from "./server.ts";
export type { Exchange, ExchangeEnd, SimRequest } from "./exchange.ts";
export {
  replayTranscript,
  type SseFrame,
  sseResponse,
  type StreamEnd,
  type StreamOptions,
} from "./sse.ts";
export { loadTranscript } from "./fixture-scenarios.ts";
export { CATALOGUE, type CatalogueModel } from "./catalogue.ts";
export { DEFAULT_LONG_CHUNKS, MULTI_BYTE_TEXT } from "./scenarios.ts";
