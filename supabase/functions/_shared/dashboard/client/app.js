/**
 * The dashboard page: sign-in, the range and filters (kept in the address bar, so a view can be
 * shared), and the panels, each loading on its own.
 *
 * @module
 */
import { ApiError, apiGet } from "./api.js";
import { accessToken, forgetSession, signOut } from "./auth.js";
import { renderCallDetail, renderCallsPage } from "./calls.js";
import { byId, h, replace } from "./dom.js";
import { fillMenu, readFilters, restoreFilters } from "./filters.js";
import { formatShortTime } from "./format.js";
import {
  createPanel,
  renderCallsChart,
  renderCostChart,
  renderTop,
  renderTotals,
} from "./panels.js";
import { showSignIn, wireSignIn } from "./sign-in.js";

/** @typedef {import("./auth.js").SignInConfig} SignInConfig */

const form = /** @type {HTMLFormElement} */ (byId("filters"));
const dialog = /** @type {HTMLDialogElement} */ (byId("call-dialog"));

/** @type {SignInConfig} */
let config = { authUrl: null, publishableKey: null, localSignIn: false };
/** @type {{ userId: string, email: string | null, admin: boolean } | null} */
let me = null;
/** Cursors of the pages seen so far: `cursors[n]` opens page n + 1. */
let cursors = [null];
let page = 0;

/** The current range and filters, as query parameters. */
function query() {
  return readFilters(form, Boolean(me?.admin));
}

/**
 * @param {string} path
 * @param {Record<string, string | undefined>} [extra]
 */
async function get(path, extra = {}) {
  return await apiGet(path, { ...query(), ...extra }, await accessToken(config));
}

/** A 401 anywhere ends the session: back to the sign-in. */
function handled(/** @type {unknown} */ error) {
  if (!(error instanceof ApiError) || error.status !== 401) return false;
  forgetSession();
  signInAgain(`${error.message}: sign in again.`);
  return true;
}

/** The totals of the current refresh, which the top lists divide by for their shares. */
let totalsLoad = Promise.resolve(null);
const totals = createPanel(byId("totals"), () => (totalsLoad = get("totals")), (body, data) => {
  renderTotals(body, data);
  const filtered = Object.keys(query()).some((k) => !["range", "from", "to", "stack"].includes(k));
  byId("empty").hidden = data.totals.calls > 0 || filtered;
  const range = data.range;
  Object.assign(byId("totals").dataset, { from: range.from, to: range.to });
  byId("range-label").textContent =
    `${formatShortTime(range.from)} – ${formatShortTime(range.to)}` +
    ` (your time zone), by ${range.bucket}`;
}, handled);
/** The series of the current refresh, which both charts draw. */
let seriesLoad = Promise.resolve(null);
const costChart = createPanel(
  byId("cost-chart"),
  () => (seriesLoad = get("series")),
  renderCostChart,
  handled,
);
const callsChart = createPanel(byId("calls-chart"), () => seriesLoad, renderCallsChart, handled);
const tops = ["model", "edge_function", "user_id"].map((by) =>
  createPanel(byId(`top-${by}`), async () => {
    const [top, sum] = await Promise.all([get("top", { by }), totalsLoad.catch(() => null)]);
    return { top, total: Number(sum?.totals?.costUsd ?? 0) };
  }, (body, { top, total }) => {
    renderTop(
      body,
      top,
      total,
      { model: "model", edge_function: "function", user_id: "user" }[by] ?? by,
    );
  }, handled)
);
const calls = createPanel(
  byId("calls"),
  () => get("calls", { cursor: cursors[page] ?? undefined }),
  (body, data) => {
    cursors[page + 1] = data.next;
    renderCallsPage(body, data, Boolean(me?.admin), openCall);
    /** @type {HTMLButtonElement} */ (byId("older")).disabled = !data.next;
    /** @type {HTMLButtonElement} */ (byId("newer")).disabled = page === 0;
    byId("page-label").textContent = `Page ${page + 1}`;
  },
  handled,
);

/** Loads every panel for the current range and filters. */
function refreshAll() {
  history.replaceState(null, "", `?${new URLSearchParams(/** @type {any} */ (query()))}`);
  cursors = [null];
  page = 0;
  totals.refresh(); // first: it sets totalsLoad
  costChart.refresh(); // first: it sets seriesLoad
  callsChart.refresh();
  for (const top of tops) if (!top.section.hidden) top.refresh();
  calls.refresh();
  loadOptions();
}

/** Fills the filter menus with what the range has, keeping the current choices. */
async function loadOptions() {
  delete form.dataset.state;
  try {
    const options = await get("options");
    fillMenu(form, "edge_function", options.edgeFunctions);
    fillMenu(form, "model", options.models);
    fillMenu(form, "user", options.users);
    form.dataset.state = "ready";
  } catch (error) {
    form.dataset.state = "error";
    handled(error);
  }
}

/** @param {any} call */
async function openCall(call) {
  const body = /** @type {HTMLElement} */ (dialog.querySelector(".body"));
  byId("call-title").textContent = `Call ${call.id.slice(0, 8)}`;
  replace(body, h("p", { "aria-busy": "true" }, "Loading…"));
  dialog.showModal();
  try {
    const { call: full } = await apiGet(`calls/${encodeURIComponent(call.id)}`, {
      at: call.createdAt,
    }, await accessToken(config));
    renderCallDetail(body, full);
  } catch (error) {
    if (handled(error)) return dialog.close();
    replace(
      body,
      h(
        "p",
        { class: "panel-error", role: "alert" },
        error instanceof ApiError ? error.message : "Cannot load the call",
      ),
    );
  }
}

/** @param {string} reason */
function signInAgain(reason) {
  me = null;
  showSignIn(config, reason);
}

async function showDashboard() {
  const token = await accessToken(config);
  if (!token) return signInAgain("");
  try {
    me = await apiGet("me", {}, token);
  } catch (error) {
    if (handled(error)) return;
    return signInAgain(error instanceof ApiError ? error.message : "Cannot reach the dashboard");
  }
  if (!me) return;
  byId("sign-in").hidden = true;
  byId("main").hidden = false;
  byId("who").hidden = false;
  byId("who-name").textContent = me.email ?? me.userId;
  byId("who-role").textContent = me.admin ? "admin: all users" : "your calls";
  byId("user-filter").hidden = !me.admin;
  byId("top-user_id").hidden = !me.admin;
  byId("first-call").textContent = `curl -X POST ${new URL("chat", location.href)} \\\n` +
    `  -H 'content-type: application/json' \\\n` +
    `  -d '{"messages":[{"role":"user","content":"Hello"}]}'`;
  form.classList.toggle("is-custom", query().range === "custom");
  refreshAll();
}

/** Draws the totals with dashes before the first load, so the panel keeps its size from the start. */
function placeholders() {
  renderTotals(/** @type {HTMLElement} */ (byId("totals").querySelector(".body")), {
    totals: { calls: null, failed: null, cancelled: null, costUsd: null, costUnknownCalls: 0 },
  });
}

function wire() {
  form.addEventListener("change", () => {
    form.classList.toggle("is-custom", query().range === "custom");
    const q = query();
    if (q.range === "custom" && (!q.from || !q.to)) return;
    refreshAll();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  byId("older").addEventListener("click", () => {
    page += 1;
    calls.refresh();
  });
  byId("newer").addEventListener("click", () => {
    page = Math.max(0, page - 1);
    calls.refresh();
  });
  byId("close-call").addEventListener("click", () => dialog.close());
  byId("sign-out").addEventListener("click", async () => {
    await signOut(config);
    signInAgain("You have signed out.");
  });
  wireSignIn(() => config, showDashboard);
}

async function start() {
  try {
    const response = await fetch(new URL("llm-dashboard/api/config", location.href));
    config = await response.json();
  } catch { /* sign-in will say there is no way to sign in */ }
  restoreFilters(form);
  placeholders();
  wire();
  await showDashboard();
}

start();
