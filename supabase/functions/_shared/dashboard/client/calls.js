/**
 * The recent calls table, paged by keyset (the API's `next` cursor; earlier cursors are kept to
 * page back), and the dialog that shows one call in full. Messages and completions are shown as
 * text, never as markup.
 *
 * @module
 */
import { h, replace } from "./dom.js";
import { formatCount, formatDateTime, formatMs, formatShortTime, formatUsd } from "./format.js";

/**
 * Draws one page of calls; clicking a row (or its time, a button, for the keyboard) opens it.
 *
 * @param {HTMLElement} body
 * @param {{ calls: any[] }} page
 * @param {boolean} showUser admins see whose call it was
 * @param {(call: any) => void} open
 */
export function renderCallsPage(body, page, showUser, open) {
  if (!page.calls.length) {
    replace(body, h("p", { class: "empty-note" }, "No calls match this range and these filters."));
    return;
  }
  const head = [
    "Time",
    "Function",
    ...(showUser ? ["User"] : []),
    "Model",
    "Status",
    "Tokens",
    "Cost",
    "Time taken",
  ];
  const numeric = new Set(["Tokens", "Cost", "Time taken"]);
  const narrowHidden = new Set(["Function", "User", "Status", "Tokens", "Time taken"]);
  const rows = page.calls.map((call) => {
    const link = h(
      "button",
      { type: "button", class: "link", title: formatDateTime(call.createdAt) },
      formatShortTime(call.createdAt),
    );
    link.addEventListener("click", (event) => {
      event.stopPropagation();
      open(call);
    });
    const row = h(
      "tr",
      { "data-id": call.id },
      h("td", {}, link),
      h("td", { class: "hide-narrow" }, call.edgeFunction ?? "—"),
      showUser && h("td", { class: "hide-narrow key" }, call.userId ?? "—"),
      h(
        "td",
        { class: "key" },
        call.model,
        h(
          "span",
          { class: `status-inline status-${call.status}`, "aria-hidden": "true" },
          call.status,
        ),
      ),
      h("td", { class: `status-${call.status} hide-narrow` }, call.status),
      h("td", { class: "num hide-narrow" }, formatCount(call.totalTokens)),
      h("td", { class: "num", "data-value": call.costUsd ?? "" }, formatUsd(call.costUsd)),
      h("td", { class: "num hide-narrow" }, formatMs(call.responseTimeMs)),
    );
    row.addEventListener("click", () => open(call));
    return row;
  });
  replace(
    body,
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...head.map((name) =>
            h("th", {
              scope: "col",
              class: [numeric.has(name) && "num", narrowHidden.has(name) && "hide-narrow"]
                .filter(Boolean).join(" ") || undefined,
            }, name)
          ),
        ),
      ),
      h("tbody", {}, ...rows),
    ),
  );
}

/**
 * Fills the call dialog with every field of a call.
 *
 * @param {HTMLElement} body
 * @param {Record<string, any>} call
 */
export function renderCallDetail(body, call) {
  const field = (/** @type {string} */ label, /** @type {unknown} */ value) => [
    h("dt", {}, label),
    h("dd", {}, value === null || value === undefined || value === "" ? "—" : String(value)),
  ];
  replace(
    body,
    h(
      "dl",
      { class: "fields" },
      ...field("Id", call.id),
      ...field("Started", formatDateTime(call.created_at)),
      ...field("Completed", formatDateTime(call.completed_at)),
      ...field("Status", `${call.status}${call.http_status ? ` (HTTP ${call.http_status})` : ""}`),
      ...field("Function", call.edge_function),
      ...field("User", call.user_id),
      ...field("Method", call.method_type),
      ...field("Model asked", call.model),
      ...field("Model answered", call.response_model),
      ...field("Provider", call.provider),
      ...field("Generation id", call.generation_id),
      ...field("Request id", call.request_id),
      ...field("Finish reason", call.finish_reason),
      ...field(
        "Cost",
        `${formatUsd(call.cost_usd)}${call.cost_source ? ` (${call.cost_source})` : ""}`,
      ),
      ...field("Prompt tokens", formatCount(call.prompt_tokens)),
      ...field("Completion tokens", formatCount(call.completion_tokens)),
      ...field("Total tokens", formatCount(call.total_tokens)),
      ...field("Cached tokens", formatCount(call.cached_tokens)),
      ...field("Reasoning tokens", formatCount(call.reasoning_tokens)),
      ...field("Response time", formatMs(call.response_time_ms)),
      ...field("Time to first token", formatMs(call.time_to_first_token_ms)),
      ...field("Error type", call.error_type),
      ...field("Error", call.error_message),
    ),
    h("h3", {}, "Messages"),
    ...messages(call.request_messages),
    h("h3", {}, "Completion"),
    h("pre", { class: "completion" }, call.completion_text ?? "—"),
    call.error_details && h("h3", {}, "Error details"),
    call.error_details && h("pre", {}, JSON.stringify(call.error_details, null, 2)),
    h("h3", {}, "Request parameters"),
    h("pre", {}, JSON.stringify(call.request_params ?? {}, null, 2)),
    h("h3", {}, "Metadata"),
    h("pre", {}, JSON.stringify(call.metadata ?? {}, null, 2)),
  );
}

/** @param {unknown} list */
function messages(list) {
  if (!Array.isArray(list) || !list.length) {
    return [h("p", { class: "empty-note" }, "None recorded")];
  }
  return list.map((message) => {
    const content = typeof message?.content === "string"
      ? message.content
      : JSON.stringify(message?.content ?? message, null, 2);
    return h(
      "div",
      { class: "message" },
      h("div", { class: "role" }, String(message?.role ?? "message")),
      h("pre", {}, content),
    );
  });
}
