import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType } from "../../../../helpers/harness";
import { sha256Base64 } from "../../../../../workers/lib/crypto";
import { mintCode, portalWorld } from "./fixtures";

type AuditRow = { actor_type: string; actor_id: string; actor_meta: string; targets: string; meta: string; user_agent: string };

const INVALID = "Session is invalid, expired, or has already been used.";

describe("portal.exchangeCode", () => {
  it("trades a code for a 24-hour pat_ token, stored only as a hash, without a root key", async () => {
    const w = await portalWorld();
    const { code, sessionId } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    const before = Date.now();
    const res = await call("portal.exchangeCode", { code }, null);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("pragma")).toBe("no-cache");
    const { accessToken, expiresAt } = res.body.data;
    expect(accessToken).toMatch(/^pat_[A-Za-z0-9]{24}$/);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 24 * 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    const row = await env.DB.prepare("SELECT * FROM portal_sessions WHERE id = ?").bind(sessionId).first<Record<string, unknown>>();
    expect(row!.access_token_hash).toBe(await sha256Base64(accessToken));
    expect(row!.access_token_expires_at).toBe(expiresAt);
    expect(JSON.stringify(row)).not.toContain(accessToken);
  });

  it("records portal.session.exchange with the system as actor and the session id", async () => {
    const w = await portalWorld();
    const { code, sessionId } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    await call("portal.exchangeCode", { code }, null, { "user-agent": "exchange-test" });
    const log = await env.DB.prepare("SELECT * FROM audit_logs WHERE workspace_id = ? AND event = 'portal.session.exchange'")
      .bind(w.ws.workspaceId)
      .all<AuditRow>();
    expect(log.results).toHaveLength(1);
    expect(log.results[0]).toMatchObject({ actor_type: "system", actor_id: sessionId, user_agent: "exchange-test" });
    expect(JSON.parse(log.results[0]!.targets)).toEqual([{ type: "portalSession", id: sessionId }]);
  });

  it("refuses a reused code with 401 and leaves the first token and the audit log as they were", async () => {
    const w = await portalWorld();
    const { code, sessionId } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    const first = await call("portal.exchangeCode", { code }, null);
    expect(first.status).toBe(200);
    const again = await call("portal.exchangeCode", { code }, null);
    expect(again.status).toBe(401);
    expect(again.body.error!.type).toBe(errorType("unkey/authentication/portal_session_not_found"));
    expect(again.body.error!.detail).toBe(INVALID);
    const row = await env.DB.prepare("SELECT access_token_hash FROM portal_sessions WHERE id = ?").bind(sessionId).first();
    expect(row!.access_token_hash).toBe(await sha256Base64(first.body.data.accessToken));
    const n = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE event = 'portal.session.exchange' AND actor_id = ?")
      .bind(sessionId)
      .first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("lets exactly one of several concurrent redemptions of the same code win", async () => {
    const w = await portalWorld();
    const { code } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    const results = await Promise.all(Array.from({ length: 5 }, () => call("portal.exchangeCode", { code }, null)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(4);
  });

  it("refuses an expired code with the same 401", async () => {
    const w = await portalWorld();
    const { code, sessionId } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    await env.DB.prepare("UPDATE portal_sessions SET exchange_code_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, sessionId)
      .run();
    const res = await call("portal.exchangeCode", { code }, null);
    expect(res.status).toBe(401);
    expect(res.body.error!.detail).toBe(INVALID);
  });

  it("refuses an unknown code with the same 401", async () => {
    const res = await call("portal.exchangeCode", { code: "pst_AAAAAAAAAAAAAAAAAAAAAAAA" }, null);
    expect(res.status).toBe(401);
    expect(res.body.error!.detail).toBe(INVALID);
  });

  it("answers 400 for a missing, empty or blank code and for unknown fields", async () => {
    const missing = await call("portal.exchangeCode", {}, null);
    expect(missing.status).toBe(400);
    expect((await call("portal.exchangeCode", { code: "" }, null)).status).toBe(400);
    const blank = await call("portal.exchangeCode", { code: "   " }, null);
    expect(blank.status).toBe(400);
    expect(blank.body.error!.type).toBe(errorType("unkey/authentication/portal_token_missing"));
    expect((await call("portal.exchangeCode", { code: "pst_x", more: 1 }, null)).status).toBe(400);
  });
});
