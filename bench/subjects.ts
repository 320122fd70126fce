/**
 * What the caller-side benchmarks compare: a service logging through the Supabase sink to the
 * peers, the requests they send, and a raw `fetch` of the same simulator.
 *
 * @module
 */
import { createSupabaseSink, LLMService } from "../supabase/functions/_shared/llm-service.ts";

const API_KEY = "sk-or-v1-benchmark-key-0000000000000000";
const messages = [{ role: "user" as const, content: "Write one short sentence about Postgres." }];

/** A short chat completion. */
export const chat = { model: "openai/gpt-4o-mini", messages, max_tokens: 64 };
/** A stream of 2,000 chunks. */
export const long = { model: "sim/stream-long", messages, max_tokens: 2_000 };
/** A short stream. */
export const short = { model: "openai/gpt-4o-mini", messages };

/** The service, logging on through the Supabase sink posting to the peer at `supabase`. */
export function benchService(openrouter: string, supabase: string): LLMService {
  return new LLMService({
    apiKey: API_KEY,
    baseUrl: openrouter,
    sink: createSupabaseSink({ url: supabase, key: "sb_secret_benchmark" }),
    fallback: () => {},
  });
}

/** POSTs `body` to the simulator's chat completions as the service would, without logging. */
export function rawFetch(openrouter: string): (body: object) => Promise<Response> {
  const url = `${openrouter}/chat/completions`;
  const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
  return (body) => fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
}
