/**
 * The error answers the simulator makes itself, in OpenRouter's body shape: authentication,
 * routing and request-body errors. Canned upstream errors come from the wire fixtures instead
 * (`fixture-scenarios.ts`).
 *
 * @module
 */

/** The `user_id` OpenRouter adds next to errors of authenticated calls. */
const USER_ID = "user_2simUlAt0rXq8nR4vT6wY1zB3cD";

/**
 * A JSON error answer with OpenRouter's body shape, `{ error, user_id }`.
 *
 * @example
 * ```ts
 * errorResponse(404, { code: 404, message: "Generation not found" });
 * ```
 */
export function errorResponse(
  status: number,
  error: Record<string, unknown>,
  init: { headers?: HeadersInit; userId?: boolean } = {},
): Response {
  const body = init.userId === false ? { error } : { error, user_id: USER_ID };
  return Response.json(body, { status, headers: init.headers });
}
