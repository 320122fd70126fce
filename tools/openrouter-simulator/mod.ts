/**
 * A local OpenRouter simulator for tests, benchmarks and `deno task dev`: a real HTTP server
 * on a loopback port that speaks OpenRouter's wire format. See README.md for its scenarios.
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
  encodeFrames,
  replayTranscript,
  type SseFrame,
  sseResponse,
  type StreamOptions,
} from "./sse.ts";
export { CATALOGUE, costOf, priceOf } from "./catalogue.ts";
export { completionBody, planCompletion } from "./completion.ts";
export { streamFrames } from "./stream-frames.ts";

/** Reads `tests/fixtures/streams/<name>.sse`. */
export function loadTranscript(name: string): Promise<string> {
  return Deno.readTextFile(new URL(`../../tests/fixtures/streams/${name}.sse`, import.meta.url));
}
