import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";
import { sha256Base64 } from "../../../../../workers/lib/crypto";
import { portalWorld } from "./fixtures";

type AuditRow = { actor_type: string; actor_id: string; actor_meta: string; targets: string; meta: string; user_agent: string };

describe("portal.createSession", () => {
  it("returns a ps_ id and a portal URL carrying a pst_ code, stored only as a hash, with no-store headers", async () => {
    const w = await portalWorld();
    const res = await call("portal.createSession", { portal: w.slug, externalId: "user_alice", scopes: ["keys:read"] }, w.ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("pragma")).toBe("no-cache");
    expect(res.body.data.id).toMatch(/^ps_/);
    const url = new URL(res.body.data.url);
    expect(url.origin + url.pathname).toBe("http://api.test/portal/");
    const code = url.searchParams.get("code")!;
    expect(code).toMatch(/^pst_[A-Za-z0-9]{24}$/);
    const row = await env.DB.prepare("SELECT * FROM portal_sessions WHERE id = ?").bind(res.body.data.id).first<Record<string, unknown>>();
    expect(row!.exchange_code_hash).toBe(await sha256Base64(code));
    expect(JSON.stringify(row)).not.toContain(code);
    expect(row!.access_token_hash).toBeNull();
    expect(Number(row!.exchange_code_expires_at) - Number(row!.created_at)).toBe(15 * 60_000);
  });

  it("accepts the portal id as well as its slug", async () => {
    const w = await portalWorld();
    const res = await call("portal.createSession", { portal: w.portalId, externalId: "user_alice", scopes: ["analytics:read"] }, w.ws.rootKey);
    expect(res.status).toBe(200);
  });

  it("writes a portal.session.create audit event with the portal, scopes and keyspaces", async () => {
    const w = await portalWorld();
    const res = await call("portal.createSession", { portal: w.slug, externalId: "user_alice", scopes: ["keys:read", "keys:reroll"] }, w.ws.rootKey);
    const log = await env.DB.prepare("SELECT * FROM audit_logs WHERE workspace_id = ? AND event = 'portal.session.create'")
      .bind(w.ws.workspaceId)
      .first<AuditRow>();
    expect(log).not.toBeNull();
    expect(log!.actor_type).toBe("rootkey");
    const targets = JSON.parse(log!.targets);
    expect(targets[0]).toMatchObject({ type: "portalSession", id: res.body.data.id });
    expect(JSON.parse(log!.meta)).toMatchObject({ portalId: w.portalId, slug: w.slug, scopes: ["keys:read", "keys:reroll"] });
    expect(JSON.parse(log!.meta).keyspaceIds).toHaveLength(1);
  });

  it("uses PORTAL_BASE_URL when configured", async () => {
    // the binding is read per request, so a patched env is enough to see the base change
    const w = await portalWorld();
    const previous = env.PORTAL_BASE_URL;
    (env as { PORTAL_BASE_URL?: string }).PORTAL_BASE_URL = "https://portal.example.com/";
    try {
      const { default: worker } = await import("../../../../../workers/api/index");
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request("http://api.test/v2/portal.createSession", {
          method: "POST",
          headers: { authorization: `Bearer ${w.ws.rootKey}`, "content-type": "application/json" },
          body: JSON.stringify({ portal: w.slug, externalId: "u1", scopes: ["keys:read"] }),
        }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      const body = (await res.json()) as { data: { url: string } };
      expect(body.data.url).toMatch(/^https:\/\/portal\.example\.com\/\?code=pst_/);
    } finally {
      (env as { PORTAL_BASE_URL?: string }).PORTAL_BASE_URL = previous;
    }
  });

  it.each([
    [{ portal: "ab", externalId: "u", scopes: ["keys:read"] }, "portal too short"],
    [{ portal: "has space", externalId: "u", scopes: ["keys:read"] }, "portal with a bad character"],
    [{ portal: "my-portal", externalId: "", scopes: ["keys:read"] }, "empty externalId"],
    [{ portal: "my-portal", externalId: "x".repeat(257), scopes: ["keys:read"] }, "externalId too long"],
    [{ portal: "my-portal", externalId: "u", scopes: [] }, "no scopes"],
    [{ portal: "my-portal", externalId: "u", scopes: ["keys:delete"] }, "unknown scope"],
    [{ portal: "my-portal", externalId: "u", scopes: ["keys:read"], returnUrl: "javascript:alert(1)" }, "script returnUrl"],
    [{ portal: "my-portal", externalId: "u", scopes: ["keys:read"], returnUrl: "not a url" }, "relative returnUrl"],
    [{ portal: "my-portal", externalId: "u", scopes: ["keys:read"], returnUrl: `https://a.example/${"x".repeat(500)}` }, "returnUrl too long"],
    [{ portal: "my-portal", externalId: "u", scopes: ["keys:read"], extra: 1 }, "unknown field"],
  ] as [Record<string, unknown>, string][])("rejects %j with 400 invalid_input (%s)", async (body) => {
    const ws = await newWorkspace();
    const res = await call("portal.createSession", body, ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
  });

  it("treats an empty returnUrl as absent", async () => {
    const w = await portalWorld();
    const res = await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: ["keys:read"], returnUrl: "" }, w.ws.rootKey);
    expect(res.status).toBe(200);
    const row = await env.DB.prepare("SELECT return_url FROM portal_sessions WHERE id = ?").bind(res.body.data.id).first();
    expect(row!.return_url).toBeNull();
  });

  it("answers 404 portal_not_found for an unknown portal and for another workspace's portal", async () => {
    const w = await portalWorld();
    const other = await newWorkspace();
    for (const [portal, key] of [
      ["no-such-portal", w.ws.rootKey],
      [w.slug, other.rootKey],
      [w.portalId, other.rootKey],
    ] as const) {
      const res = await call("portal.createSession", { portal, externalId: "u", scopes: ["keys:read"] }, key);
      expect(res.status).toBe(404);
      expect(res.body.error!.type).toBe(errorType("unkey/data/portal_not_found"));
      expect(res.body.error!.detail).toBe("Portal not found.");
    }
  });

  it("masks a missing create_portal_session grant as 404, and accepts the portal-specific grant", async () => {
    const w = await portalWorld();
    const none = await rootKeyWith(w.ws.rootKey, ["api.*.read_key", "api.*.read_api"]);
    const denied = await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: ["keys:read"] }, none);
    expect(denied.status).toBe(404);
    expect(denied.body.error!.type).toBe(errorType("unkey/data/portal_not_found"));

    const specific = await rootKeyWith(w.ws.rootKey, [`portal.${w.portalId}.create_portal_session`, "api.*.read_key", "api.*.read_api"]);
    const allowed = await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: ["keys:read"] }, specific);
    expect(allowed.status).toBe(200);
  });

  it("refuses the whole request with 403 when the root key lacks the grant behind one scope", async () => {
    const w = await portalWorld();
    const cases: [string[], string, number][] = [
      [["portal.*.create_portal_session", "api.*.read_key"], "keys:read", 403],
      [["portal.*.create_portal_session", `api.${w.apiId}.read_key`, `api.${w.apiId}.read_api`], "keys:read", 200],
      [["portal.*.create_portal_session", "api.*.read_key", "api.*.read_api"], "keys:reroll", 403],
      [["portal.*.create_portal_session", `api.${w.apiId}.create_key`], "keys:reroll", 200],
      [["portal.*.create_portal_session", "api.*.create_key"], "keys:create", 200],
      [["portal.*.create_portal_session", "api.*.create_key"], "analytics:read", 403],
      [["portal.*.create_portal_session", `api.${w.apiId}.read_analytics`], "analytics:read", 200],
    ];
    for (const [perms, scope, status] of cases) {
      const key = await rootKeyWith(w.ws.rootKey, perms);
      const res = await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: [scope] }, key);
      expect(res.status, `${scope} with ${perms.join(",")}`).toBe(status);
      if (status === 403) {
        expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
        expect(res.body.error!.detail).toBe(`You do not have permission to grant the "${scope}" scope to a portal session.`);
      }
    }
    const before = await env.DB.prepare("SELECT count(*) AS n FROM portal_sessions WHERE portal_id = ?").bind(w.portalId).first<{ n: number }>();
    const partial = await rootKeyWith(w.ws.rootKey, ["portal.*.create_portal_session", "api.*.read_key", "api.*.read_api"]);
    const res = await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: ["keys:read", "analytics:read"] }, partial);
    expect(res.status).toBe(403);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM portal_sessions WHERE portal_id = ?").bind(w.portalId).first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("requires encrypt_key for keys:reroll when the API stores encrypted keys", async () => {
    const w = await portalWorld();
    await call("apis.updateApi", { apiId: w.apiId, storeEncryptedKeys: true }, w.ws.rootKey);
    const createOnly = await rootKeyWith(w.ws.rootKey, ["portal.*.create_portal_session", "api.*.create_key"]);
    expect((await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: ["keys:reroll"] }, createOnly)).status).toBe(403);
    const both = await rootKeyWith(w.ws.rootKey, ["portal.*.create_portal_session", "api.*.create_key", "api.*.encrypt_key"]);
    expect((await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: ["keys:reroll"] }, both)).status).toBe(200);
  });

  it("answers 403 forbidden for a disabled portal and for a portal whose API was deleted", async () => {
    const w = await portalWorld();
    await call("portal.updatePortal", { portal: w.slug, enabled: false }, w.ws.rootKey);
    const disabled = await call("portal.createSession", { portal: w.slug, externalId: "u", scopes: ["keys:read"] }, w.ws.rootKey);
    expect(disabled.status).toBe(403);
    expect(disabled.body.error!.type).toBe(errorType("unkey/authorization/forbidden"));
    expect(disabled.body.error!.detail).toBe("Portal is disabled.");

    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("portal.createPortal", { slug: "gone-api", apiId }, ws.rootKey);
    expect((await call("apis.deleteApi", { apiId }, ws.rootKey)).status).toBe(200);
    const gone = await call("portal.createSession", { portal: "gone-api", externalId: "u", scopes: ["keys:read"] }, ws.rootKey);
    expect(gone.status).toBe(403);
    expect(gone.body.error!.detail).toBe("Portal is not available: the API it uses no longer exists.");
  });

  it("needs a root key: 400 without one, 401 for an unknown one", async () => {
    const body = { portal: "my-portal", externalId: "u", scopes: ["keys:read"] };
    expect((await call("portal.createSession", body, null)).status).toBe(400);
    const unknown = await call("portal.createSession", body, "unkey_doesnotexist");
    expect(unknown.status).toBe(401);
  });
});
