/**
 * CORS headers for the example functions, so a browser app can call them directly.
 *
 * @module
 */

/** Headers added to every response, preflight or not. */
export const corsHeaders: Readonly<Record<string, string>> = Object.freeze({
  "access-control-allow-origin": "*",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, x-request-id",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-expose-headers": "x-request-id, x-llm-log-id, x-generation-id",
});

/** The answer to a CORS preflight (`OPTIONS`) request. */
export function preflightResponse(): Response {
  return new Response(null, { status: 204, headers: corsHeaders });
}

/** Copies a response with the CORS headers (and any extra ones) added. */
export function withCors(response: Response, extra: Record<string, string> = {}): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries({ ...corsHeaders, ...extra })) {
    headers.set(name, value);
  }
  return new Response(response.body, { status: response.status, headers });
}
