import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType } from "../../../../helpers/harness";
import { sha256Base64 } from "../../../../../workers/lib/crypto";
import { portalCall, portalWorld, signIn } from "./fixtures";

type AuditRow = { actor_type: string; actor_id: string; actor_meta: string; targets: string; meta: string; user_agent: string };

const keyRow = (id: string) => env.DB.prepare("SELECT * FROM keys WHERE id = ?").bind(id).first<Record<string, any>>();

describe("portal.rerollKey", () => {
  it("issues a new key with the old configuration and returns its secret once", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const res = await portalCall("portal.rerollKey", { keyId: w.alice.keyId, expiration: 0 }, token);
    expect(res.status).toBe(200);
    const { keyId, key } = res.body.data;
    expect(keyId).toMatch(/^key_/);
    expect(keyId).not.toBe(w.alice.keyId);
    expect(key).toMatch(/^acme_/);
    const fresh = await keyRow(keyId);
    const old = await keyRow(w.alice.keyId);
    expect(fresh!.hash).toBe(await sha256Base64(key));
    expect(fresh).toMatchObject({ name: "alice key", identity_id: old!.identity_id, remaining: 100, keyspace_id: w.keyspaceId });
    // the new key is listed for the same user
    const ids = (await portalCall("portal.listKeys", {}, token)).body.data.map((k: { keyId: string }) => k.keyId);
    expect(ids).toContain(keyId);
  });

  it("ends the old key now for expiration 0, else after the grace rounded up to a full minute", async () => {
    const w = await portalWorld();
    const second = await w.keyFor("user_alice", "second");
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const t0 = Date.now();
    await portalCall("portal.rerollKey", { keyId: w.alice.keyId, expiration: 0 }, token);
    const now = Date.now();
    const immediate = await keyRow(w.alice.keyId);
    expect(immediate!.expires).toBeGreaterThanOrEqual(t0);
    expect(immediate!.expires).toBeLessThanOrEqual(now);

    const t1 = Date.now();
    await portalCall("portal.rerollKey", { keyId: second.keyId, expiration: 90_000 }, token);
    const graced = await keyRow(second.keyId);
    expect(graced!.expires % 60_000).toBe(0);
    expect(graced!.expires).toBeGreaterThanOrEqual(t1 + 90_000);
    expect(graced!.expires).toBeLessThan(Date.now() + 90_000 + 60_000);
  });

  it("records key.reroll with the end user as actor (portalEndUser, id = externalId)", async () => {
    const w = await portalWorld();
    const { token, sessionId } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const res = await portalCall("portal.rerollKey", { keyId: w.alice.keyId, expiration: 60_000 }, token);
    const log = await env.DB.prepare("SELECT * FROM audit_logs WHERE workspace_id = ? AND event = 'key.reroll'").bind(w.ws.workspaceId).first<AuditRow>();
    expect(log).toMatchObject({ actor_type: "portalEndUser", actor_id: "user_alice" });
    expect(JSON.parse(log!.actor_meta)).toMatchObject({ portalId: w.portalId, portalSessionId: sessionId });
    const targets = JSON.parse(log!.targets).map((t: { id: string }) => t.id);
    expect(targets).toEqual(expect.arrayContaining([res.body.data.keyId, w.alice.keyId, w.apiId]));
  });

  it("answers 404 when user A tries to roll user B's key, and changes nothing", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const before = await keyRow(w.bob.keyId);
    const keysBefore = await env.DB.prepare("SELECT count(*) AS n FROM keys WHERE workspace_id = ?").bind(w.ws.workspaceId).first<{ n: number }>();
    const res = await portalCall("portal.rerollKey", { keyId: w.bob.keyId, expiration: 0 }, token);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(errorType("unkey/data/key_not_found"));
    expect(res.body.error!.detail).toBe("The specified key was not found.");
    expect(await keyRow(w.bob.keyId)).toEqual(before);
    const keysAfter = await env.DB.prepare("SELECT count(*) AS n FROM keys WHERE workspace_id = ?").bind(w.ws.workspaceId).first<{ n: number }>();
    expect(keysAfter!.n).toBe(keysBefore!.n);
    const audits = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE workspace_id = ? AND event = 'key.reroll'")
      .bind(w.ws.workspaceId)
      .first<{ n: number }>();
    expect(audits!.n).toBe(0);
  });

  it("answers the same 404 for unknown keys, keys of another workspace and keys without an identity", async () => {
    const w = await portalWorld();
    const other = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const anonymous = await call("keys.createKey", { apiId: w.apiId }, w.ws.rootKey);
    for (const keyId of ["key_doesnotexist", other.alice.keyId, anonymous.body.data?.keyId ?? "key_anon"]) {
      const res = await portalCall("portal.rerollKey", { keyId, expiration: 0 }, token);
      expect(res.status, keyId).toBe(404);
      expect(res.body.error!.type).toBe(errorType("unkey/data/key_not_found"));
    }
  });

  it("needs the keys:reroll scope", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice", ["keys:read"]);
    const res = await portalCall("portal.rerollKey", { keyId: w.alice.keyId, expiration: 0 }, token);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
  });

  it("refuses an expired session with 401", async () => {
    const w = await portalWorld();
    const { token, sessionId } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    await env.DB.prepare("UPDATE portal_sessions SET access_token_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, sessionId)
      .run();
    const res = await portalCall("portal.rerollKey", { keyId: w.alice.keyId, expiration: 0 }, token);
    expect(res.status).toBe(401);
    expect(res.body.error!.type).toBe(errorType("unkey/authentication/portal_session_not_found"));
    expect((await keyRow(w.alice.keyId))!.expires).toBeNull();
  });

  it("validates keyId and expiration like keys.rerollKey", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    for (const body of [
      { keyId: w.alice.keyId },
      { keyId: "ab", expiration: 0 },
      { keyId: "key-with-dash", expiration: 0 },
      { keyId: w.alice.keyId, expiration: -1 },
      { keyId: w.alice.keyId, expiration: 4_102_444_800_001 },
      { keyId: w.alice.keyId, expiration: 1.5 },
    ]) {
      const res = await portalCall("portal.rerollKey", body, token);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});
