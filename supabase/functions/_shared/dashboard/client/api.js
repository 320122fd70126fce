/**
 * Calls to the dashboard's own API (`llm-dashboard/api/...`, relative to the page), with the
 * user's access token.
 *
 * @module
 */

/** An API answer other than 2xx; `status` 401 means the session is no longer valid. */
export class ApiError extends Error {
  name = "ApiError";
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * GETs an API path.
 *
 * @param {string} path such as `totals` or `calls/<id>`
 * @param {Record<string, string | undefined>} params
 * @param {string | null} token
 * @returns {Promise<any>}
 * @example await apiGet("totals", { range: "24h" }, token)
 */
export async function apiGet(path, params, token) {
  if (!token) throw new ApiError(401, "Sign in to see the dashboard");
  const url = new URL(`llm-dashboard/api/${path}`, location.href);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  let response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, "The dashboard cannot be reached: check your connection");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(
      response.status,
      body?.error?.message ?? `The API answered ${response.status}`,
    );
  }
  return body;
}
