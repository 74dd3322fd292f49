import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../../helpers/harness";
import { mintCode, page, portalWorld, signIn } from "../api/routes/portal/fixtures";

const ORIGIN = "http://api.test";

/** Opens the portal URL like a browser arriving from the customer's app. */
async function open(url: URL) {
  return page(url.pathname + url.search);
}

function csrfOf(html: string) {
  return /name="csrf" value="([^"]+)"/.exec(html)![1]!;
}

async function rollForm(token: string, fields: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }) {
  return page("/portal/keys/roll", {
    method: "POST",
    token,
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("portal pages", () => {
  it("redeems the code from the URL, sets the session cookie and hands over to the first tab", async () => {
    const w = await portalWorld();
    const { url, sessionId } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    const res = await open(url);
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^portal_session=pat_[A-Za-z0-9]{24};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("Max-Age=86400");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('content="0;url=/portal/keys"');
    const row = await env.DB.prepare("SELECT access_token_hash FROM portal_sessions WHERE id = ?").bind(sessionId).first();
    expect(row!.access_token_hash).not.toBeNull();
  });

  it("shows a clear page for a reused link and sets no cookie", async () => {
    const w = await portalWorld();
    const { url } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    await open(url);
    const again = await open(url);
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(await again.text()).toContain("This link no longer works");
  });

  it("lists the user's keys with name, start, created, last used and credits, under the portal's branding", async () => {
    const w = await portalWorld();
    await call("portal.updatePortal", { portal: w.slug, logoUrl: "https://cdn.example.com/acme.png" }, w.ws.rootKey);
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const res = await page("/portal/keys", { token });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("alice key");
    expect(html).toContain(`data-key-id="${w.alice.keyId}"`);
    expect(html).not.toContain(w.bob.keyId);
    expect(html).not.toContain("bob key");
    expect(html).toContain("never"); // last used
    expect(html).toContain(">100<"); // credits
    expect(html).toContain("Acme Developers");
    expect(html).toContain('src="https://cdn.example.com/acme.png"');
    expect(html).toContain("--brand:#ff5500");
    expect(html).toContain("Signed in as <strong>user_alice</strong>");
  });

  it("rolls a key: shows the new key once and states the old key's grace period", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const csrf = csrfOf(await (await page("/portal/keys", { token })).text());
    const res = await rollForm(token, { csrf, keyId: w.alice.keyId, expiration: "3600000" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const newKey = /data-testid="new-key" data-key-id="(key_[^"]+)">([^<]+)</.exec(html)!;
    expect(newKey[2]).toMatch(/^acme_/);
    expect(html).toContain("shown only once");
    expect(html).toContain("grace period of 1 hour");
    const old = await env.DB.prepare("SELECT expires FROM keys WHERE id = ?").bind(w.alice.keyId).first<{ expires: number }>();
    expect(html).toContain(`data-expires="${old!.expires}"`);
    // the keys page never shows the secret again
    expect(await (await page("/portal/keys", { token })).text()).not.toContain(newKey[2]);
  });

  it("renders in standards mode with its CSS intact: <!doctype html> first, quotes in <style> not escaped", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    for (const path of ["/portal/keys", "/portal/usage", "/portal/docs", `/portal/keys/roll?keyId=${w.alice.keyId}&expiration=0`]) {
      const html = await (await page(path, { token })).text();
      expect(html.slice(0, 15).toLowerCase(), path).toBe("<!doctype html>");
      const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
      expect(css, path).toContain('"Segoe UI"');
      expect(css, path).not.toContain("&quot;");
    }
    // pages without a session too
    expect((await (await page("/portal/keys")).text()).slice(0, 15).toLowerCase()).toBe("<!doctype html>");
  });

  it("asks for confirmation before rolling, naming the key by name and start, and changes nothing until confirmed", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const keys = await (await page("/portal/keys", { token })).text();
    expect(keys).toContain('action="/portal/keys/roll"');
    expect(keys).toMatch(/<form method="get" action="\/portal\/keys\/roll"/);
    const start = (await env.DB.prepare("SELECT start FROM keys WHERE id = ?").bind(w.alice.keyId).first<{ start: string }>())!.start;
    const confirm = await page(`/portal/keys/roll?keyId=${w.alice.keyId}&expiration=60000`, { token });
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain("Roll this key?");
    expect(html).toContain("<strong>alice key</strong>");
    expect(html).toContain(`${start}…`);
    expect(html).toContain("1 minute");
    expect(html).toContain('method="post" action="/portal/keys/roll"');
    expect((await env.DB.prepare("SELECT expires FROM keys WHERE id = ?").bind(w.alice.keyId).first<{ expires: number | null }>())!.expires).toBeNull();
    // someone else's key: the same "not found" as everywhere
    expect((await page(`/portal/keys/roll?keyId=${w.bob.keyId}&expiration=0`, { token })).status).toBe(404);
    expect((await page(`/portal/keys/roll?keyId=${w.alice.keyId}&expiration=-5`, { token })).status).toBe(400);
    // confirmed: the grace notice names the old key by name and start, not by id
    const rolled = await (await rollForm(token, { csrf: csrfOf(html), keyId: w.alice.keyId, expiration: "60000" })).text();
    const grace = /data-testid="grace">([\s\S]*?)<\/div>/.exec(rolled)![1]!;
    expect(grace).toContain("<strong>alice key</strong>");
    expect(grace).toContain(`${start}…`);
    expect(grace).not.toContain(w.alice.keyId);
  });

  it("refuses a roll without the session's CSRF token or from another origin, changing nothing", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const csrf = csrfOf(await (await page("/portal/keys", { token })).text());
    const attempts = [
      await rollForm(token, { keyId: w.alice.keyId, expiration: "0" }),
      await rollForm(token, { csrf: "forged", keyId: w.alice.keyId, expiration: "0" }),
      await rollForm(token, { csrf, keyId: w.alice.keyId, expiration: "0" }, { origin: "https://evil.example" }),
      await rollForm(token, { csrf, keyId: w.alice.keyId, expiration: "0" }, { "sec-fetch-site": "cross-site" }),
    ];
    for (const res of attempts) expect(res.status).toBe(403);
    const row = await env.DB.prepare("SELECT expires FROM keys WHERE id = ?").bind(w.alice.keyId).first();
    expect(row!.expires).toBeNull();
    const n = await env.DB.prepare("SELECT count(*) AS n FROM keys WHERE workspace_id = ?").bind(w.ws.workspaceId).first<{ n: number }>();
    expect(n!.n).toBe(2);
  });

  it("does not roll, or reveal, another user's key", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const csrf = csrfOf(await (await page("/portal/keys", { token })).text());
    const res = await rollForm(token, { csrf, keyId: w.bob.keyId, expiration: "0" });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain("not found among your keys");
    expect(html).not.toContain("bob key");
    const row = await env.DB.prepare("SELECT expires FROM keys WHERE id = ?").bind(w.bob.keyId).first();
    expect(row!.expires).toBeNull();
  });

  it("shows 'Session expired' for an ended session, or sends the user back to returnUrl", async () => {
    const w = await portalWorld();
    const { token, sessionId } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    await env.DB.prepare("UPDATE portal_sessions SET access_token_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, sessionId)
      .run();
    const res = await page("/portal/keys", { token });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain("Session expired");
    expect(html).not.toContain("alice key");

    const { code, sessionId: s2 } = await mintCode(w.ws.rootKey, w.slug, "user_alice", undefined, { returnUrl: "https://app.example.com/settings?tab=keys" });
    const token2 = (await call("portal.exchangeCode", { code }, null)).body.data.accessToken;
    await env.DB.prepare("UPDATE portal_sessions SET access_token_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, s2)
      .run();
    const back = await page("/portal/keys", { token: token2 });
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toBe("https://app.example.com/settings?tab=keys&reason=session_expired");
  });

  it("asks to sign in again without a cookie or with an unknown one", async () => {
    for (const token of [undefined, "pat_AAAAAAAAAAAAAAAAAAAAAAAA", "garbage"]) {
      const res = await page("/portal/keys", { token });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain("You are not signed in");
    }
  });

  it("shows only the tabs the scopes allow", async () => {
    const w = await portalWorld();
    const keysOnly = await signIn(w.ws.rootKey, w.slug, "user_alice", ["keys:read"]);
    const html = await (await page("/portal/keys", { token: keysOnly.token })).text();
    expect(html).toContain('href="/portal/keys"');
    expect(html).toContain('href="/portal/docs"');
    expect(html).not.toContain('href="/portal/usage"');
    expect(html).not.toContain("Roll key");
    expect((await page("/portal/usage", { token: keysOnly.token })).status).toBe(403);

    const analyticsOnly = await signIn(w.ws.rootKey, w.slug, "user_alice", ["analytics:read"]);
    const entry = await page("/portal/", { token: analyticsOnly.token });
    expect(entry.status).toBe(302);
    expect(entry.headers.get("location")).toBe("/portal/usage");
    expect((await page("/portal/keys", { token: analyticsOnly.token })).status).toBe(403);
  });

  it("charts the user's verifications per day by outcome", async () => {
    const w = await portalWorld();
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const insert = (externalId: string, outcome: string, count: number) =>
      env.ANALYTICS_DB.prepare(
        `INSERT INTO key_verifications_per_day_v1 (time, workspace_id, key_space_id, identity_id, external_id, key_id, outcome, source, app_id, tags, count, spent_credits)
         VALUES (?, ?, ?, '', ?, 'key_x', ?, 'api', '', '[]', ?, 0)`,
      )
        .bind(today, w.ws.workspaceId, w.keyspaceId, externalId, outcome, count)
        .run();
    await insert("user_alice", "VALID", 3);
    await insert("user_alice", "EXPIRED", 2);
    await insert("user_bob", "VALID", 40);
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const res = await page("/portal/usage?days=7", { token });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-testid="usage-chart"');
    expect(html).toContain(`data-time="${today}" data-total="5"`);
    expect(html).toContain('data-outcome="total">5<');
    expect(html).toContain('data-outcome="valid">3<');
    expect(html).toContain('data-outcome="expired">2<');
    expect((html.match(/data-time=/g) ?? []).length).toBe(7);
  });

  it("renders the portal's docs Markdown without letting HTML or script links through", async () => {
    const w = await portalWorld();
    const docs =
      "# Getting started\n\nCall `GET /v1` with **your key**.\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) [good](https://docs.example.com)\n\n```\ncurl -H 'x: <b>'\n```";
    await call("portal.updatePortal", { portal: w.slug, docsMarkdown: docs }, w.ws.rootKey);
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const html = await (await page("/portal/docs", { token })).text();
    expect(html).toContain("<h2>Getting started</h2>");
    expect(html).toContain("<code>GET /v1</code>");
    expect(html).toContain("<strong>your key</strong>");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('href="https://docs.example.com/"');
    expect(html).toContain("curl -H &#39;x: &lt;b&gt;&#39;");
  });

  it("shows a preview banner for preview sessions and a way back only when a returnUrl was given", async () => {
    const w = await portalWorld();
    const { code } = await mintCode(w.ws.rootKey, w.slug, "user_alice", undefined, { preview: true, returnUrl: "https://app.example.com/keys" });
    const token = (await call("portal.exchangeCode", { code }, null)).body.data.accessToken;
    const html = await (await page("/portal/keys", { token })).text();
    expect(html).toContain("Preview mode");
    expect(html).toContain('href="https://app.example.com/keys"');
    const plain = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const plainHtml = await (await page("/portal/keys", { token: plain.token })).text();
    expect(plainHtml).not.toContain("Preview mode");
    expect(plainHtml).not.toContain("Back to the app");
  });

  it("signs out: the session is revoked and the cookie cleared", async () => {
    const w = await portalWorld();
    const { token, sessionId } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const csrf = csrfOf(await (await page("/portal/keys", { token })).text());
    const res = await page("/portal/logout", {
      method: "POST",
      token,
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toContain("portal_session=;");
    const row = await env.DB.prepare("SELECT revoked_at FROM portal_sessions WHERE id = ?").bind(sessionId).first();
    expect(row!.revoked_at).not.toBeNull();
    expect((await page("/portal/keys", { token })).status).toBe(401);
  });
});
