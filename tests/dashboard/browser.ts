/**
 * Headless Chromium for the dashboard's browser tests: the system's browser (Debian's
 * `chromium` package, or `CHROMIUM_PATH`) driven by puppeteer-core, with a fresh profile and
 * nothing reaching outside the machine.
 *
 * @module
 */
import puppeteer, { type Browser } from "puppeteer-core";

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** The browser to drive, or `undefined` when none is installed. */
export function findChromium(): string | undefined {
  const explicit = Deno.env.get("CHROMIUM_PATH");
  for (const path of explicit ? [explicit] : CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return undefined;
}

/** A running browser and the profile folder it owns. */
export interface TestBrowser extends AsyncDisposable {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium in a temporary profile.
 *
 * @example
 * ```ts
 * await using chrome = await launchChromium(findChromium()!);
 * const page = await chrome.browser.newPage();
 * ```
 */
export async function launchChromium(executablePath: string): Promise<TestBrowser> {
  const profile = await Deno.makeTempDir({ prefix: "llm-dashboard-chromium-" });
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--lang=en-US",
      `--user-data-dir=${profile}`,
    ],
  });
  const close = async () => {
    await browser.close().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  return { browser, close, [Symbol.asyncDispose]: close };
}
