/**
 * The dashboard in a real browser: headless Chromium against `deno task dev` (started in-process
 * on free ports, with its own PGlite database) seeded with calls of the sample user, of another
 * user and of no user. Screenshots go to `.ci-artifacts/screenshots/` (or `SCREENSHOT_DIR`).
 *
 * Skipped, with one line saying why, when no Chromium is installed.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Page } from "puppeteer-core";
import { SAMPLE_ACCOUNTS, signLocalToken } from "../../tools/dev/local-auth.ts";
import { startDev } from "../../tools/dev/start-dev.ts";
import {
  dashboardRows,
  HOSTILE_MESSAGE,
  insertRows,
  OTHER_USER,
} from "../fixtures/dashboard-seed.ts";
import { findChromium, launchChromium } from "./browser.ts";
import { sqlTotals } from "./sql-totals.ts";
import { screenshotViews } from "./screenshots.ts";

const chromium = findChromium();
if (!chromium) {
  console.log(
    "dashboard browser tests skipped: no Chromium (apt install chromium, or set CHROMIUM_PATH)",
  );
}

const USER = SAMPLE_ACCOUNTS.user;

/** What the page-side callbacks read of an element (the tests are type-checked without DOM types). */
type El = {
  dataset: Record<string, string | undefined>;
  hidden: boolean;
  disabled: boolean;
  value: string;
  textContent: string | null;
  innerText: string;
  hasAttribute(name: string): boolean;
  getAttribute(name: string): string | null;
  focus(): void;
};

/** Waits until every panel and the filter menus have loaded (or failed), and none is busy. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    `document.querySelector("#filters").dataset.state &&
      [...document.querySelectorAll("main .panel:not([hidden])")].filter((p) => p.id !== "empty")
      .every((p) => p.dataset.state && !p.hasAttribute("aria-busy"))`,
    { timeout: 60_000 },
  );
}

async function signIn(page: Page, url: string, as: "user" | "admin"): Promise<void> {
  await page.goto(url);
  await page.waitForSelector("#local-sign-in:not([hidden])");
  await page.click(`#local-sign-in button[data-as="${as}"]`);
  await page.waitForSelector("#main:not([hidden])");
  await settled(page);
}

/** The figures of the totals panel, from their exact `data-value`s. */
function figures(page: Page): Promise<Record<string, string>> {
  return page.$$eval("#totals [data-stat]", (stats) =>
    Object.fromEntries(stats.map((s) => {
      const { dataset } = s as unknown as El;
      return [dataset.stat!, dataset.value!];
    })));
}

/** Every call id of the table, paging with "Older" to the end. */
async function allCallIds(page: Page): Promise<string[]> {
  const ids: string[] = [];
  for (let guard = 0; guard < 50; guard++) {
    ids.push(
      ...await page.$$eval(
        "#calls tbody tr",
        (rows) => rows.map((r) => r.getAttribute("data-id")!),
      ),
    );
    if (await page.$eval("#older", (b) => (b as unknown as El).disabled)) return ids;
    const label = await page.$eval("#page-label", (e) => e.textContent);
    await page.click("#older");
    await page.waitForFunction(
      `document.querySelector("#page-label").textContent !== ${JSON.stringify(label)}`,
    );
    await settled(page);
  }
  throw new Error("The calls table did not reach its last page");
}

Deno.test({
  name: "the dashboard shows each signed-in user what RLS lets them see, with SQL's numbers",
  ignore: !chromium,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "llm-dashboard-e2e-" });
  const output: string[] = [];
  const dev = await startDev({
    port: 0,
    dbPort: 0,
    dataDir: `${dir}/pglite`,
    supabase: null,
    openRouter: null,
    log: (line) => output.push(line),
  });
  const sql = postgres(dev.dbUrl!, { prepare: false, max: 1, onnotice: () => {} });
  await using chrome = await launchChromium(chromium!);
  const page = await chrome.browser.newPage();
  page.setDefaultTimeout(60_000); // generous: CI machines are shared
  await page.emulateTimezone("UTC");
  await page.setViewport({ width: 1280, height: 800 });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  const url = `${dev.url}/functions/v1/llm-dashboard`;
  try {
    const rows = dashboardRows({ userId: USER.id, now: new Date() });
    const mine = rows.filter((r) => r.user_id === USER.id);

    await t.step("without a session, the page shows the sign-in", async () => {
      await page.goto(url);
      await page.waitForSelector("#sign-in:not([hidden])");
      assert.equal(await page.$eval("#main", (m) => (m as unknown as El).hidden), true);
      assert.match(
        await page.$eval("#local-sign-in", (e) => e.textContent!),
        /Local development only/,
      );
    });

    await t.step("an empty project shows how to make a first call", async () => {
      await signIn(page, url, "user");
      assert.equal(await page.$eval("#empty", (e) => (e as unknown as El).hidden), false);
      const example = await page.$eval("#first-call", (e) => e.textContent!);
      assert.match(example, /^curl -X POST .*\/functions\/v1\/chat /);
      await page.click("#sign-out");
      await insertRows(sql, rows);
    });

    await t.step("the sample user's totals equal SQL's over the same hours", async () => {
      await signIn(page, url, "user");
      for (const range of ["24h", "30d"]) {
        await page.select('select[name="range"]', range);
        await settled(page);
        const shown = await figures(page);
        const { from, to } = await page.$eval(
          "#totals",
          (e) => ({ ...(e as unknown as El).dataset }),
        );
        const expected = await sqlTotals(sql, { from: from!, to: to!, userId: USER.id });
        assert.equal(Number(shown.calls), expected.calls, `calls over ${range}`);
        assert.ok(expected.calls > 0);
        assert.equal(Number(shown.cost), Number(expected.cost), `cost over ${range}`);
        assert.equal(Number(shown.tokens), expected.totalTokens, `tokens over ${range}`);
        assert.equal(Number(shown["error-rate"]), expected.failed / expected.calls);
        const text = await page.$eval('#totals [data-stat="calls"] .value', (e) => e.textContent);
        assert.equal(text, expected.calls.toLocaleString("en-US"));
      }
    });

    await t.step("data arriving does not move what is on screen (layout shift)", async () => {
      await page.reload();
      await page.waitForSelector("#main:not([hidden])");
      await settled(page);
      const shift = await page.evaluate(`new Promise((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
        }).observe({ type: "layout-shift", buffered: true });
        requestAnimationFrame(() => setTimeout(() => resolve(total), 100));
      })`) as number;
      assert.ok(shift < 0.02, `cumulative layout shift ${shift}`);
    });

    await t.step("the user never sees another user's rows, models or messages", async () => {
      const text = await page.$eval("body", (b) => b.innerText);
      for (const secret of [OTHER_USER.id, OTHER_USER.model, SAMPLE_ACCOUNTS.admin.id]) {
        assert.ok(!text.includes(secret), `the page shows "${secret}"`);
      }
      const options = await page.$$eval(
        "select option",
        (o) => o.map((e) => (e as unknown as El).value),
      );
      assert.ok(!options.includes(OTHER_USER.model));
      assert.equal(await page.$eval("#top-user_id", (e) => (e as unknown as El).hidden), true);
      const others = rows.find((r) => r.user_id === OTHER_USER.id)!;
      const token = await page.evaluate(
        `JSON.parse(localStorage["llm-dashboard.session"]).access_token`,
      );
      const response = await fetch(`${url}/api/calls/${others.id}?at=${others.created_at}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await response.body?.cancel();
      const status = response.status;
      assert.equal(status, 404);
    });

    await t.step(
      "the calls table pages through exactly the user's calls, newest first",
      async () => {
        const ids = await allCallIds(page);
        const expected = mine.toSorted((a, b) =>
          b.created_at!.localeCompare(a.created_at!) || b.id!.localeCompare(a.id!)
        ).map((r) => r.id);
        assert.deepEqual(ids, expected);
        assert.ok(ids.length > 25, "more than one page");
        await page.click("#newer");
        await page.waitForFunction(
          `document.querySelector("#page-label").textContent === "Page 2"`,
        );
      },
    );

    await t.step("a call opens in full, its messages shown as text", async () => {
      const hostile = mine.find((r) => JSON.stringify(r.request_messages).includes("onerror"))!;
      await page.select('select[name="range"]', "30d");
      await settled(page);
      let found = await page.$(`#calls tr[data-id="${hostile.id}"] button`);
      for (let guard = 0; !found && guard < 10; guard++) {
        await page.click("#older");
        await settled(page);
        found = await page.$(`#calls tr[data-id="${hostile.id}"] button`);
      }
      await found!.focus();
      await page.keyboard.press("Enter");
      await page.waitForSelector("#call-dialog .fields");
      const dialog = await page.$eval("#call-dialog", (d) => d.textContent!);
      assert.ok(dialog.includes(HOSTILE_MESSAGE));
      assert.ok(dialog.includes(hostile.generation_id!));
      assert.ok(dialog.includes(hostile.id!));
      assert.equal(await page.$$eval("#call-dialog img, #call-dialog script", (e) => e.length), 0);
      assert.equal(await page.evaluate(`window.__pwned`), undefined);
      await page.keyboard.press("Escape");
    });

    await t.step("the admin sees everyone: totals equal SQL's, other users listed", async () => {
      await page.click("#sign-out");
      await signIn(page, url, "admin");
      await page.select('select[name="range"]', "30d");
      await settled(page);
      const shown = await figures(page);
      const { from, to } = await page.$eval(
        "#totals",
        (e) => ({ ...(e as unknown as El).dataset }),
      );
      const expected = await sqlTotals(sql, { from: from!, to: to! });
      assert.equal(Number(shown.calls), expected.calls);
      assert.equal(Number(shown.cost), Number(expected.cost));
      const users = await page.$$eval(
        "#top-user_id tbody tr",
        (r) => r.map((e) => e.getAttribute("data-key")),
      );
      assert.ok(users.includes(OTHER_USER.id) && users.includes(USER.id));
    });

    await t.step("an expired session lands on the sign-in", async () => {
      const expired = await signLocalToken(USER, { expiresIn: -60 });
      const session = { access_token: expired, expires_at: Date.now() / 1000 + 3600 };
      await page.evaluate(
        `localStorage["llm-dashboard.session"] = ${JSON.stringify(JSON.stringify(session))}`,
      );
      await page.goto(url);
      await page.waitForSelector("#sign-in:not([hidden])");
      assert.match(await page.$eval("#sign-in-reason", (e) => e.textContent!), /expired/);
      assert.equal(await page.evaluate(`localStorage.getItem("llm-dashboard.session")`), null);
    });

    await t.step("screenshots: user and admin, light and dark, desktop and phone", async () => {
      await screenshotViews(page, url, (as) => signIn(page, url, as), () => settled(page));
    });

    assert.deepEqual(pageErrors, []);
  } catch (error) {
    console.error(output.join("\n"));
    throw error;
  } finally {
    await page.close().catch(() => {});
    await sql.end();
    await dev.close();
    await Deno.remove(dir, { recursive: true });
  }
});
