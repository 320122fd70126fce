/**
 * Screenshots of the dashboard's main views, written by the browser tests for people (and CI's
 * artifacts) to look at: the sample user and the admin, light and dark, desktop (1280×800) and
 * phone (390×844) width.
 *
 * @module
 */
import type { Page } from "puppeteer-core";

/** Where screenshots go. @default {".ci-artifacts/screenshots/" in the repository} */
export function screenshotDir(): string {
  return Deno.env.get("SCREENSHOT_DIR") ??
    decodeURIComponent(new URL("../../.ci-artifacts/screenshots/", import.meta.url).pathname);
}

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
};

/**
 * Signs in as each account and saves `dashboard-<account>-<scheme>-<device>.png`.
 *
 * @example
 * ```ts
 * await screenshotViews(page, url, (as) => signIn(page, url, as), () => settled(page));
 * ```
 */
export async function screenshotViews(
  page: Page,
  url: string,
  signIn: (as: "user" | "admin") => Promise<void>,
  settled: () => Promise<void>,
): Promise<string[]> {
  const dir = screenshotDir();
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const as of ["user", "admin"] as const) {
    await page.evaluate("localStorage.clear()");
    await page.setViewport(VIEWPORTS.desktop);
    await signIn(as);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
      for (const [device, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewport(viewport);
        await page.goto(`${url}?range=7d`);
        await page.waitForSelector("#main:not([hidden])");
        await settled();
        const path = `${dir}/dashboard-${as}-${scheme}-${device}.png`;
        await page.screenshot({
          path: path as `${string}.png`,
          fullPage: device === "phone" || Deno.env.get("SCREENSHOT_FULL_PAGE") === "1",
        });
        written.push(path);
      }
    }
  }
  await page.emulateMediaFeatures([]);
  return written;
}
