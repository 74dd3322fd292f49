import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startApi, type TestServer } from "../e2e/helpers/server";

/**
 * The customer portal in a real browser: a backend mints a session, Debian's chromium opens
 * the URL, lists the user's keys, rolls two of them (one with a grace period, one without),
 * reads the new key shown once, and watches the usage chart count the verifications made.
 * Every page is checked for standards mode and the intended font, and screenshotted into
 * test-results/screenshots/ (gitignored).
 */
const SHOTS = path.resolve("test-results/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let server: TestServer;
let profile: string;
let context: BrowserContext;
let page: Page;
let rootKey: string;

async function api<T = any>(operation: string, body: unknown, token: string | null = rootKey): Promise<T> {
  const res = await fetch(`${server.url}/v2/${operation}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data: T; error?: unknown };
  if (res.status !== 200) throw new Error(`${operation}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

const verify = (key: string) => api<{ valid: boolean; code: string }>("keys.verifyKey", { key });
/** Standards mode (a doctype), the portal's font stack in effect (its CSS parsed), then a screenshot. */
async function shot(name: string) {
  // runs in the page (this file is typed without the DOM library)
  const rendering = await page.evaluate(() => {
    const w = globalThis as any;
    return { mode: w.document.compatMode as string, font: w.getComputedStyle(w.document.body).fontFamily as string };
  });
  expect(rendering.mode, name).toBe("CSS1Compat");
  expect(rendering.font, name).toMatch(/^system-ui, -apple-system, "Segoe UI", Roboto, sans-serif$/);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startApi();
  rootKey = (await server.newWorkspace("browser portal")).rootKey;
  profile = mkdtempSync(path.join(tmpdir(), "keyforge-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
    ],
    viewport: { width: 1100, height: 760 },
  });
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close().catch(() => {});
  if (profile) rmSync(profile, { recursive: true, force: true });
  await server?.stop();
});

describe("customer portal in chromium", () => {
  it("lists keys, rolls one with a grace period and one without, and charts the verifications", async () => {
    // --- the API developer's backend: an API, a branded portal, keys of two end users
    const { apiId } = await api<{ apiId: string }>("apis.createApi", { name: "weather-api" });
    await api("portal.createPortal", {
      slug: "acme-weather",
      apiId,
      name: "Acme Weather API",
      primaryColor: "#0f766e",
      docsMarkdown: "# Using your key\n\nSend it as `Authorization: Bearer <key>`.\n\n- Roll keys you think leaked\n- Watch your usage",
    });
    const prod = await api<{ keyId: string; key: string }>("keys.createKey", {
      apiId,
      externalId: "user_42",
      name: "production",
      prefix: "wx",
      credits: { remaining: 1000 },
    });
    const staging = await api<{ keyId: string; key: string }>("keys.createKey", { apiId, externalId: "user_42", name: "staging", prefix: "wx" });
    const foreign = await api<{ keyId: string; key: string }>("keys.createKey", { apiId, externalId: "user_7", name: "someone else's key", prefix: "wx" });
    for (let i = 0; i < 3; i++) expect((await verify(prod.key)).code).toBe("VALID");

    const session = await api<{ id: string; url: string }>("portal.createSession", {
      portal: "acme-weather",
      externalId: "user_42",
      scopes: ["keys:read", "keys:reroll", "analytics:read"],
      returnUrl: "https://app.example.com/settings",
    });

    // --- the end user's browser
    await page.goto(session.url);
    await page.waitForURL(/\/portal\/keys$/);
    const table = page.getByTestId("keys-table");
    await table.waitFor();
    const cookies = await context.cookies(server.url);
    const sessionCookie = cookies.find((c) => c.name === "portal_session")!;
    expect(sessionCookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    expect(await page.locator("header .name").textContent()).toBe("Acme Weather API");
    await expect.poll(() => table.locator("tbody tr").count()).toBe(2);
    expect(await table.textContent()).toContain("production");
    expect(await table.textContent()).toContain("staging");
    expect(await page.content()).not.toContain(foreign.keyId);
    const credits = Number(await table.locator(`tr[data-key-id="${prod.keyId}"] [data-testid=key-credits]`).textContent());
    expect(credits).toBeGreaterThanOrEqual(997);
    expect(credits).toBeLessThanOrEqual(1000);
    await shot("1-keys");

    // buttons never wrap their label
    const rollButton = table.locator(`tr[data-key-id="${prod.keyId}"]`).getByRole("button", { name: "Roll key" });
    const box = (await rollButton.boundingBox())!;
    expect(box.height).toBeLessThan(40);

    // roll "production", keeping the old key for a minute: a confirmation page first
    const prodRow = table.locator(`tr[data-key-id="${prod.keyId}"]`);
    await prodRow.locator("select[name=expiration]").selectOption("60000");
    await Promise.all([page.waitForURL(/\/portal\/keys\/roll\?/), rollButton.click()]);
    const confirm = page.getByTestId("confirm-roll");
    expect(await confirm.textContent()).toContain("production");
    expect(await confirm.textContent()).toContain("1 minute");
    expect(await confirm.textContent()).not.toContain(prod.keyId);
    await shot("2-confirm-roll");
    // nothing happened yet
    expect(await verify(prod.key)).toMatchObject({ valid: true, code: "VALID" });
    await Promise.all([page.waitForURL(/\/portal\/keys\/roll$/), page.getByRole("button", { name: "Yes, roll this key" }).click()]);
    if ((await page.getByTestId("new-key").count()) === 0) throw new Error(`roll page: ${await page.content()}`);
    const newProd = (await page.getByTestId("new-key").textContent())!.trim();
    expect(newProd).toMatch(/^wx_/);
    const grace = (await page.getByTestId("grace").textContent())!;
    expect(grace).toContain("grace period of 1 minute");
    expect(grace).toContain("production");
    expect(grace).not.toContain(prod.keyId);
    const oldExpires = Number(await page.locator("[data-testid=grace] time").getAttribute("data-expires"));
    expect(oldExpires).toBeGreaterThan(Date.now());
    expect(oldExpires % 60_000).toBe(0);
    await shot("3-rolled-with-grace");

    // the new key is shown once: back on the list it is gone, the list has the new key
    await page.goto(`${server.url}/portal/keys`);
    expect(await page.content()).not.toContain(newProd);
    await expect.poll(() => page.locator("[data-testid=keys-table] tbody tr").count()).toBe(3);

    // during the grace period both the old and the new production key verify
    expect(await verify(prod.key)).toMatchObject({ valid: true, code: "VALID" });
    expect(await verify(newProd)).toMatchObject({ valid: true, code: "VALID" });

    // roll "staging" with no grace: the old key stops at once
    const stagingRow = page.locator(`[data-testid=keys-table] tr[data-key-id="${staging.keyId}"]`);
    await stagingRow.locator("select[name=expiration]").selectOption("0");
    await Promise.all([page.waitForURL(/\/portal\/keys\/roll\?/), stagingRow.getByRole("button", { name: "Roll key" }).click()]);
    await Promise.all([page.waitForURL(/\/portal\/keys\/roll$/), page.getByRole("button", { name: "Yes, roll this key" }).click()]);
    const newStaging = (await page.getByTestId("new-key").textContent())!.trim();
    expect(await page.getByTestId("grace").textContent()).toContain("stopped working immediately");
    await shot("4-rolled-without-grace");
    expect(await verify(staging.key)).toMatchObject({ valid: false, code: "EXPIRED" });
    expect(await verify(newStaging)).toMatchObject({ valid: true, code: "VALID" });

    // someone else's key cannot be rolled from this session, even with a crafted form
    const csrf = await page.locator("input[name=csrf]").first().inputValue();
    const forged = await fetch(`${server.url}/portal/keys/roll`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: server.url,
        cookie: `portal_session=${sessionCookie.value}`,
      },
      body: new URLSearchParams({ csrf, keyId: foreign.keyId, expiration: "0" }).toString(),
      redirect: "manual",
    });
    expect(forged.status).toBe(404);
    expect(await verify(foreign.key)).toMatchObject({ valid: true });

    // usage: 3 + 1 (while confirming) + 2 + 1 VALID and 1 EXPIRED so far; the chart catches up once the queue delivers
    const expected = { total: 8, valid: 7, expired: 1 };
    await expect
      .poll(
        async () => {
          await page.goto(`${server.url}/portal/usage?days=7`);
          return Number(await page.locator("[data-testid=usage-totals] [data-outcome=total]").textContent());
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(expected.total);
    expect(Number(await page.locator("[data-testid=usage-totals] [data-outcome=valid]").textContent())).toBe(expected.valid);
    expect(Number(await page.locator("[data-testid=usage-totals] [data-outcome=expired]").textContent())).toBe(expected.expired);
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const bar = page.locator(`[data-testid=usage-chart] g[data-time="${today}"]`);
    expect(await bar.getAttribute("data-total")).toBe(String(expected.total));
    expect(await bar.locator("rect[data-outcome=valid]").count()).toBe(1);
    expect(await bar.locator("rect[data-outcome=expired]").count()).toBe(1);
    await shot("5-usage-7-days");
    // the range switch: segmented links, the current one marked
    const range = page.getByTestId("range");
    expect(await range.locator("a[aria-current=page]").textContent()).toBe("7 days");
    // the workspace's analytics retention decides which ranges exist (7 and 30 days by default)
    const ranges = (await range.locator("a").allTextContents()).map((t) => Number.parseInt(t, 10));
    expect(ranges).toContain(30);
    for (const days of ranges.filter((d) => d !== 7)) {
      await Promise.all([page.waitForURL(new RegExp(`days=${days}$`)), range.getByRole("link", { name: `${days} days` }).click()]);
      expect(await page.getByTestId("range").locator("a[aria-current=page]").textContent()).toBe(`${days} days`);
      // the x-axis is labelled from the first day to today
      const labels = await page.locator("[data-testid=usage-chart] g[data-time] text").allTextContents();
      expect(labels.at(-1)).toBe(new Date(today).toISOString().slice(5, 10));
      expect(labels.length).toBeGreaterThanOrEqual(8);
      await shot(`5-usage-${days}-days`);
    }

    await page.getByRole("link", { name: "Documentation" }).click();
    await page.getByTestId("docs").waitFor();
    expect(await page.locator("[data-testid=docs] h2").textContent()).toBe("Using your key");
    await shot("6-docs");

    // a reused link is refused with a clear page
    await page.goto(session.url);
    expect(await page.getByTestId("message").textContent()).toContain("This link no longer works");
    await shot("7-reused-link");

    // sign out, then the page of a browser without a session
    await page.goto(`${server.url}/portal/keys`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByTestId("message").waitFor();
    expect(await page.getByTestId("message").textContent()).toContain("Signed out");
    await shot("8-signed-out");
    await page.goto(`${server.url}/portal/keys`);
    expect(await page.getByTestId("message").textContent()).toContain("not signed in");
    await shot("9-not-signed-in");
  });
});

describe("API reference in chromium", () => {
  it("renders /openapi.json with Scalar from the Worker's own assets, keys.verifyKey's request fields included, offline", async () => {
    const reference = await context.newPage();
    const foreign: string[] = [];
    // offline: every request to another origin is refused and recorded
    await reference.route(
      (url) => url.origin !== new URL(server.url).origin,
      (route) => {
        foreign.push(route.request().url());
        return route.abort();
      },
    );
    await reference.goto(`${server.url}/reference#tag/keys/POST/v2/keys.verifyKey`);
    const op = reference.locator('[id*="keys.verifyKey"]').first();
    await op.waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await reference.locator("body").textContent()) ?? "", { timeout: 60_000 }).toContain("keys.verifyKey");
    // the request body's fields, resolved from components (not a bare $ref)
    const section = reference.locator("section, div").filter({ hasText: "Verify a key" }).filter({ hasText: "permissions" }).first();
    await section.waitFor({ timeout: 60_000 });
    const text = (await section.textContent()) ?? "";
    expect(text).toContain("key");
    expect(text).toContain("permissions");
    expect(text).not.toContain("$ref");
    // and its error responses
    expect(text).toMatch(/401/);
    expect(text).toMatch(/429/);
    await reference.screenshot({ path: path.join(SHOTS, "10-reference-verifyKey.png"), fullPage: false });
    expect(foreign).toEqual([]);
    await reference.close();
  });
});
