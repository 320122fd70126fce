/**
 * OpenRouter's paths under `/api/v1` that the service uses, `/chat/completions` (authenticated)
 * and `/models`, and OpenRouter-like errors for anything else.
 *
 * @module
 */
import { modelsBody } from "./catalogue.ts";
import { requestedModel } from "./completion.ts";
import { errorResponse } from "./error-bodies.ts";
import type { SimRequest } from "./exchange.ts";
import { answerCompletion } from "./scenarios.ts";

/** A handler that answers chat requests for one model in place of the built-in behaviour. */
export type RouteHandler = (request: SimRequest) => Response | Promise<Response>;

/** What routing needs besides the request. */
export interface RouteContext {
  /** When set, the only bearer token accepted. */
  apiKey?: string;
  /** Handlers registered with `route()`, by model name. */
  routes: ReadonlyMap<string, RouteHandler>;
  /** Aborts when the simulator closes. */
  closing: AbortSignal;
  /** Where the fixture-backed scenarios find their files. */
  fixtures?: URL;
}

/** The API prefix every route lives under. */
export const API_PREFIX = "/api/v1";

/** Answers one request: a route of OpenRouter's, else a 404 or 405 in its error shape. */
export async function routeRequest(request: SimRequest, context: RouteContext): Promise<Response> {
  const url = new URL(request.path, "http://simulator");
  const path = url.pathname.startsWith(`${API_PREFIX}/`)
    ? url.pathname.slice(API_PREFIX.length)
    : null;
  if (path !== "/chat/completions" && path !== "/models") {
    return errorResponse(404, { code: 404, message: `Not Found: ${url.pathname}` }, {
      userId: false,
    });
  }
  const method = path === "/chat/completions" ? "POST" : "GET";
  if (request.method !== method) {
    return errorResponse(405, { code: 405, message: `Method ${request.method} not allowed` }, {
      userId: false,
      headers: { allow: method },
    });
  }
  // The model list is public on OpenRouter; everything else needs a key.
  if (path === "/models") return Response.json(modelsBody());
  const denied = checkAuth(request.headers, context.apiKey);
  if (denied) return denied;
  return await chat(request, context);
}

async function chat(request: SimRequest, context: RouteContext): Promise<Response> {
  const body = request.json;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return errorResponse(400, { code: 400, message: bodyProblem(request.bodyText) });
  }
  const custom = context.routes.get(requestedModel(body));
  if (custom) return await custom(request);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return errorResponse(400, {
      code: 400,
      message: 'Input required: specify "prompt" or "messages"',
    });
  }
  return await answerCompletion({ ...context, request, body });
}

/** `null` when the request may go on, else OpenRouter's 401: no credentials, or an unknown key. */
function checkAuth(headers: Headers, apiKey: string | undefined): Response | null {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "")?.[1];
  const message = !token
    ? "No auth credentials found"
    : apiKey !== undefined && token !== apiKey
    ? "User not found."
    : null;
  return message === null ? null : errorResponse(401, { code: 401, message }, { userId: false });
}

/** Why a body that is not a JSON object was refused. */
function bodyProblem(text: string): string {
  if (text.trim() === "") return "Request body is empty: expected a JSON object";
  try {
    JSON.parse(text);
    return "Request body must be a JSON object";
  } catch (error) {
    return `Invalid JSON in request body: ${(error as Error).message}`;
  }
}
