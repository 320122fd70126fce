/**
 * The HTTP side of the example chat functions: CORS, input checks, caller context, the call,
 * and an answer for every outcome.
 *
 * @module
 */
import { LLMError, type LLMService, llmService } from "../llm-service.ts";
import type { ChatCompletionRequest } from "../llm/types.ts";
import { type Caller, createCallerIdentifier, InvalidTokenError } from "./caller.ts";
import { corsHeaders, preflightResponse, withCors } from "./cors.ts";
import { errorResponse, jsonError } from "./error-response.ts";

/** Options of {@link createChatHandler}. */
export interface ChatHandlerOptions {
  /** The function's name, recorded as `edge_function`. */
  edgeFunction: string;
  /** Answer with an SSE stream (`streamCompletion`) instead of JSON (`chatCompletion`). */
  stream: boolean;
  /** @default {llmService} */
  service?: Pick<LLMService, "chatCompletion" | "streamCompletion">;
  /** @default {createCallerIdentifier()} */
  identify?: (request: Request) => Promise<Caller>;
  /** Used when the body names no model. @default {env OPENROUTER_DEFAULT_MODEL, else "openai/gpt-4o-mini"} */
  defaultModel?: string;
  /** Largest accepted body. @default {20_000_000} (images travel as base64) */
  maxBodyBytes?: number;
}

/**
 * Creates a `Deno.serve` handler: POST a chat completions request (`messages`, optional
 * `model` and parameters), get OpenRouter's answer.
 *
 * A request reaches the function as a chat call, and is logged, once it is a POST from a caller
 * whose token (if any) is valid, with a body that could be read and is within `maxBodyBytes`:
 * whatever that body holds (not JSON, not an object, no messages, empty messages), the service
 * sees it, rejects it as `invalid_request` and writes its row; the client gets a 400 with the
 * row's `log_id`. Before that point nothing is logged: an OPTIONS preflight (204), another
 * method (405), an invalid token (401), an oversized (413) or unreadable (400) body.
 *
 * @example
 * ```ts
 * Deno.serve(createChatHandler({ edgeFunction: "chat", stream: false }));
 * ```
 */
export function createChatHandler(
  options: ChatHandlerOptions,
): (req: Request) => Promise<Response> {
  const identify = options.identify ?? createCallerIdentifier();
  const maxBodyBytes = options.maxBodyBytes ?? 20_000_000;
  return async (req) => {
    if (req.method === "OPTIONS") return preflightResponse();
    if (req.method !== "POST") return jsonError(405, "method_not_allowed", "Use POST");
    let caller: Caller;
    try {
      caller = await identify(req);
    } catch (error) {
      if (error instanceof InvalidTokenError) return jsonError(401, "invalid_token", error.message);
      return errorResponse(error);
    }
    const extra = { "x-request-id": caller.requestId };
    const text = await readBody(req, maxBodyBytes);
    if (text instanceof Response) return withCors(text, extra);
    // From here on this is a chat call, whatever the body: it goes through the service, which
    // rejects a malformed one as invalid_request and logs it like any other call.
    const { request, isJson } = chatRequest(text, options.defaultModel ?? defaultModel());
    const service = options.service ?? llmService;
    const context = {
      requestId: caller.requestId,
      edgeFunction: options.edgeFunction,
      userId: caller.userId,
      signal: req.signal,
    };
    try {
      if (options.stream) {
        return withCors(
          await service.streamCompletion(request as ChatCompletionRequest, context),
          extra,
        );
      }
      const completion = await service.chatCompletion(request as ChatCompletionRequest, context);
      return Response.json(completion, { headers: { ...corsHeaders, ...extra } });
    } catch (error) {
      if (!isJson && error instanceof LLMError && error.type === "invalid_request") {
        const body = { log_id: error.logId };
        return withCors(jsonError(400, "invalid_json", "The body is not valid JSON", body), extra);
      }
      return withCors(errorResponse(error), extra);
    }
  };
}

/**
 * What the service is asked: a JSON object gets the default model unless it names one; any
 * other JSON value, or the text of a body that is not JSON, is passed as it is, for the
 * service to reject (and log) as an invalid request.
 */
function chatRequest(text: string, model: string): { request: unknown; isJson: boolean } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { request: text, isJson: false };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { request: body, isJson: true };
  }
  const fields = body as Record<string, unknown>;
  return { request: { ...fields, model: fields.model ?? model }, isJson: true };
}

/** The body's text, or the answer when it is too large (413) or cannot be read (400). */
async function readBody(req: Request, maxBytes: number): Promise<string | Response> {
  const tooLarge = () => jsonError(413, "payload_too_large", `Body over ${maxBytes} bytes`);
  if (Number(req.headers.get("content-length") ?? "0") > maxBytes) return tooLarge();
  if (!req.body) return "";
  // Read in pieces, counting bytes: a chunked body declares no length, and must not be held
  // whole before it is found too large.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return tooLarge();
      }
      chunks.push(read.value);
    }
  } catch {
    return jsonError(400, "invalid_body", "Cannot read the request body");
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function defaultModel(): string {
  try {
    return Deno.env.get("OPENROUTER_DEFAULT_MODEL") || "openai/gpt-4o-mini";
  } catch {
    return "openai/gpt-4o-mini";
  }
}
