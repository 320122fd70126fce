/**
 * The range and filters form: read as query parameters, restored from the address bar, and its
 * menus filled with what the range has.
 *
 * @module
 */
import { h, replace } from "./dom.js";

const FILTERS = ["range", "from", "to", "edge_function", "model", "user", "status", "stack"];

/**
 * The form's range and filters as query parameters (dates only for a custom range, the user only
 * for admins).
 *
 * @param {HTMLFormElement} form
 * @param {boolean} admin
 * @returns {Record<string, string | undefined>}
 */
export function readFilters(form, admin) {
  /** @type {Record<string, string | undefined>} */
  const params = {};
  const data = new FormData(form);
  for (const name of FILTERS) {
    const value = String(data.get(name) ?? "");
    if (value) params[name] = value;
  }
  if (params.range !== "custom") delete params.from, delete params.to;
  if (!admin) delete params.user;
  return params;
}

/**
 * Sets the form from the address bar's query string.
 *
 * @param {HTMLFormElement} form
 */
export function restoreFilters(form) {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const field =
      /** @type {HTMLInputElement | HTMLSelectElement | null} */ (form.elements.namedItem(name));
    const value = params.get(name);
    if (!field || value === null) continue;
    if (field instanceof HTMLSelectElement && ![...field.options].some((o) => o.value === value)) {
      field.append(h("option", { value }, value));
    }
    field.value = value;
  }
}

/**
 * Fills one menu with `values`, keeping the current choice.
 *
 * @param {HTMLFormElement} form
 * @param {string} name
 * @param {string[]} values
 */
export function fillMenu(form, name, values) {
  const select = /** @type {HTMLSelectElement} */ (form.elements.namedItem(name));
  const current = select.value;
  const all = [...new Set([...values, ...(current ? [current] : [])])];
  replace(
    select,
    h("option", { value: "" }, "All"),
    ...all.map((v) => h("option", { value: v }, v)),
  );
  select.value = current;
}
