/**
 * The sign-in view: email and password through Supabase Auth where the project offers it, and
 * the clearly marked local sign-in of `deno task dev`.
 *
 * @module
 */
import { signInLocally, signInWithPassword } from "./auth.js";
import { byId } from "./dom.js";

/** @typedef {import("./auth.js").SignInConfig} SignInConfig */

/**
 * Shows the sign-in instead of the dashboard, with the reason (a session that ended, a sign-out).
 *
 * @param {SignInConfig} config
 * @param {string} reason
 */
export function showSignIn(config, reason) {
  byId("main").hidden = true;
  byId("who").hidden = true;
  byId("sign-in").hidden = false;
  byId("sign-in-reason").textContent = reason;
  byId("password-form").hidden = !config.authUrl;
  byId("local-sign-in").hidden = !config.localSignIn;
  byId("no-sign-in").hidden = Boolean(config.authUrl || config.localSignIn);
  const dialog = /** @type {HTMLDialogElement} */ (byId("call-dialog"));
  if (dialog.open) dialog.close();
}

/**
 * Wires the sign-in forms; `signedIn` runs after a successful sign-in.
 *
 * @param {() => SignInConfig} config
 * @param {() => Promise<void>} signedIn
 */
export function wireSignIn(config, signedIn) {
  /** @param {() => Promise<unknown>} signIn */
  const attempt = async (signIn) => {
    byId("sign-in-error").textContent = "";
    try {
      await signIn();
      await signedIn();
    } catch (error) {
      byId("sign-in-error").textContent = error instanceof Error ? error.message : "Sign-in failed";
    }
  };
  byId("password-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (event.target));
    attempt(() =>
      signInWithPassword(config(), String(data.get("email")), String(data.get("password")))
    );
  });
  for (const button of byId("local-sign-in").querySelectorAll("button")) {
    button.addEventListener(
      "click",
      () => attempt(() => signInLocally(/** @type {any} */ (button.dataset.as))),
    );
  }
}
