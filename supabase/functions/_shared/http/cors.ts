// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// project without an import map.
/**
 * CORS headers for the example functions, so a browser app can call them directly: supabase-js's
 * canonical `corsHeaders` (every header its clients send), plus the request id a client may
 * send and the ids our responses carry for it to read.
 *
 * @module
 */
import { corsHeaders as supabaseCorsHeaders } from "npm:@supabase/supabase-js@2.119.1/cors";

/**
 * Headers added to every response, preflight or not.
 *
 * @example
 * ```ts
 * Response.json({ ok: true }, { headers: corsHeaders });
 * ```
 */
export const corsHeaders: Readonly<Record<string, string>> = Object.freeze({
  ...supabaseCorsHeaders,
  "Access-Control-Allow-Headers": `${
    supabaseCorsHeaders["Access-Control-Allow-Headers"]
  }, x-request-id`,
  "Access-Control-Expose-Headers": "x-request-id, x-llm-log-id, x-generation-id",
});

/**
 * The answer to a CORS preflight (`OPTIONS`) request.
 *
 * @example
 * ```ts
 * if (req.method === "OPTIONS") return preflightResponse();
 * ```
 */
export function preflightResponse(): Response {
  return new Response(null, { status: 204, headers: corsHeaders });
}

/**
 * Copies a response with the CORS headers (and any extra ones) added.
 *
 * @example
 * ```ts
 * return withCors(await llmService.streamCompletion(request), { "x-request-id": requestId });
 * ```
 */
export function withCors(response: Response, extra: Record<string, string> = {}): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries({ ...corsHeaders, ...extra })) {
    headers.set(name, value);
  }
  return new Response(response.body, { status: response.status, headers });
}
