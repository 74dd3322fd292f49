import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType } from "../../../../helpers/harness";
import { mintCode, portalCall, portalWorld, insertKey, signIn } from "./fixtures";

describe("portal.listKeys", () => {
  it("lists only the signed-in user's keys, never plaintext", async () => {
    const w = await portalWorld();
    const second = await w.keyFor("user_alice", "alice second");
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const res = await portalCall("portal.listKeys", {}, token);
    expect(res.status).toBe(200);
    const ids = res.body.data.map((k: { keyId: string }) => k.keyId);
    expect(ids).toEqual([w.alice.keyId, second.keyId].sort());
    expect(ids).not.toContain(w.bob.keyId);
    const alice = res.body.data.find((k: { keyId: string }) => k.keyId === w.alice.keyId);
    expect(alice).toMatchObject({ name: "alice key", enabled: true, credits: { remaining: 100 } });
    expect(alice.start).toMatch(/^acme_/);
    expect(alice.identity).toMatchObject({ externalId: "user_alice" });
    expect(alice).not.toHaveProperty("plaintext");
    expect(JSON.stringify(res.body)).not.toContain(w.alice.key);
    expect(res.body.pagination).toEqual({ hasMore: false });
  });

  it("pages by key id with a cursor", async () => {
    const w = await portalWorld();
    for (let i = 0; i < 3; i++) await w.keyFor("user_alice", `extra ${i}`);
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const first = await portalCall("portal.listKeys", { limit: 2 }, token);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.pagination!.hasMore).toBe(true);
    const second = await portalCall("portal.listKeys", { limit: 2, cursor: first.body.pagination!.cursor }, token);
    expect(second.body.pagination).toEqual({ hasMore: false });
    const all = [...first.body.data, ...second.body.data].map((k: { keyId: string }) => k.keyId);
    expect(all).toHaveLength(4);
    expect(new Set(all).size).toBe(4);
    expect([...all].sort()).toEqual(all);
  });

  it("returns an empty page for a user without an identity", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_nobody");
    const res = await portalCall("portal.listKeys", {}, token);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });

  it("leaves out deleted keys and keys of the same user in another API", async () => {
    const w = await portalWorld();
    const other = await call("apis.createApi", { name: "other" }, w.ws.rootKey);
    const otherApi = await call("apis.getApi", { apiId: other.body.data.apiId }, w.ws.rootKey);
    const elsewhere = await insertKey(w.ws.workspaceId, otherApi.body.data.keySpaceId, "user_alice", "elsewhere");
    const gone = await w.keyFor("user_alice", "gone");
    await env.DB.prepare("UPDATE keys SET deleted_at = ? WHERE id = ?").bind(Date.now(), gone.keyId).run();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const ids = (await portalCall("portal.listKeys", {}, token)).body.data.map((k: { keyId: string }) => k.keyId);
    expect(ids).toEqual([w.alice.keyId]);
    expect(ids).not.toContain(elsewhere.keyId);
  });

  it("needs the keys:read scope", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice", ["analytics:read"]);
    const res = await portalCall("portal.listKeys", {}, token);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
  });

  it("authenticates by cookie only: 400 without it, 400 with an Authorization header, 400 for an empty cookie", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const none = await call("portal.listKeys", {}, null);
    expect(none.status).toBe(400);
    expect(none.body.error!.type).toBe(errorType("unkey/authentication/missing"));
    const bearer = await call("portal.listKeys", {}, token);
    expect(bearer.status).toBe(400);
    expect(bearer.body.error!.type).toBe(errorType("unkey/authentication/missing"));
    const rootAndCookie = await portalCall("portal.listKeys", {}, token, { authorization: `Bearer ${w.ws.rootKey}` });
    expect(rootAndCookie.status).toBe(400);
    const empty = await portalCall("portal.listKeys", {}, "");
    expect(empty.status).toBe(400);
    expect(empty.body.error!.type).toBe(errorType("unkey/authentication/portal_token_missing"));
    expect(empty.body.error!.detail).toBe("A valid portal session token is required.");
  });

  it("answers 401 for an unknown token, an unredeemed code used as a token and an expired session", async () => {
    const w = await portalWorld();
    const detail = "The portal session is invalid or has expired.";
    const unknown = await portalCall("portal.listKeys", {}, "pat_AAAAAAAAAAAAAAAAAAAAAAAA");
    expect(unknown.status).toBe(401);
    expect(unknown.body.error!.type).toBe(errorType("unkey/authentication/portal_session_not_found"));
    expect(unknown.body.error!.detail).toBe(detail);
    const { code } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    expect((await portalCall("portal.listKeys", {}, code)).status).toBe(401);

    const { code: code2, sessionId } = await mintCode(w.ws.rootKey, w.slug, "user_alice");
    const token = (await call("portal.exchangeCode", { code: code2 }, null)).body.data.accessToken;
    await env.DB.prepare("UPDATE portal_sessions SET access_token_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, sessionId)
      .run();
    const expired = await portalCall("portal.listKeys", {}, token);
    expect(expired.status).toBe(401);
    expect(expired.body.error!.detail).toBe(detail);
  });

  it("ends every session of a deleted portal", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    expect((await portalCall("portal.listKeys", {}, token)).status).toBe(200);
    expect((await call("portal.deletePortal", { portal: w.slug }, w.ws.rootKey)).status).toBe(200);
    expect((await portalCall("portal.listKeys", {}, token)).status).toBe(401);
  });

  it("validates the body: limit 1–100, no apiId or externalId", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    for (const body of [{ limit: 0 }, { limit: 101 }, { apiId: w.apiId }, { externalId: "user_bob" }]) {
      const res = await portalCall("portal.listKeys", body, token);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
    }
  });
});
