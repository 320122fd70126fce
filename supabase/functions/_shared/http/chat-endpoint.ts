/**
 * The HTTP side of the example chat functions: CORS, input checks, caller context, the call,
 * and an answer for every outcome.
 *
 * @module
 */
import { type LLMService, llmService } from "../llm-service.ts";
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
    const body = await readJsonBody(req, maxBodyBytes);
    if (body instanceof Response) return withCors(body, extra);
    const service = options.service ?? llmService;
    const request = { ...body, model: body.model ?? options.defaultModel ?? defaultModel() };
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
      return withCors(errorResponse(error), extra);
    }
  };
}

/** The body as a JSON object, or the 4xx answer explaining why it is not one. */
async function readJsonBody(
  req: Request,
  maxBytes: number,
): Promise<Record<string, unknown> | Response> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    return jsonError(413, "payload_too_large", `Body over ${maxBytes} bytes`);
  }
  let text: string;
  try {
    text = await req.text();
  } catch {
    return jsonError(400, "invalid_body", "Cannot read the request body");
  }
  if (text.length > maxBytes) {
    return jsonError(413, "payload_too_large", `Body over ${maxBytes} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return jsonError(400, "invalid_json", "The body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return jsonError(400, "invalid_request", "The body must be a JSON object with messages");
  }
  if (!("messages" in body)) {
    return jsonError(400, "invalid_request", "messages is required");
  }
  return body as Record<string, unknown>;
}

function defaultModel(): string {
  try {
    return Deno.env.get("OPENROUTER_DEFAULT_MODEL") || "openai/gpt-4o-mini";
  } catch {
    return "openai/gpt-4o-mini";
  }
}
