import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";
import { rerollExpiry, rerollPrefix } from "../../../../../workers/lib/keys/reroll";

describe("keys.rerollKey", () => {
  it("issues a new key with the old configuration and new ratelimit ids", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("permissions.createRole", { name: "ops" }, ws.rootKey);
    const created = await call(
      "keys.createKey",
      {
        apiId,
        prefix: "pk",
        name: "n",
        meta: { m: true },
        externalId: "ext",
        roles: ["ops"],
        permissions: ["do.it"],
        expires: 4_000_000_000_000,
        credits: { remaining: 3, refill: { interval: "daily", amount: 3 } },
        ratelimits: [{ name: "rate", limit: 9, duration: 9000, autoApply: true }],
        enabled: false,
      },
      ws.rootKey,
    );
    const oldId = created.body.data.keyId;
    const old = (await call("keys.getKey", { keyId: oldId }, ws.rootKey)).body.data;
    const res = await call("keys.rerollKey", { keyId: oldId, expiration: 0 }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.keyId).not.toBe(oldId);
    expect(res.body.data.key).toMatch(/^pk_/);
    const fresh = (await call("keys.getKey", { keyId: res.body.data.keyId }, ws.rootKey)).body.data;
    const { keyId: _a, start: _b, createdAt: _c, updatedAt: _d, ratelimits: oldLimits, ...oldRest } = old;
    const { keyId: _e, start, createdAt: _g, updatedAt: _h, ratelimits: newLimits, ...newRest } = fresh;
    expect(newRest).toEqual({ ...oldRest, expires: 4_000_000_000_000 });
    expect(start).toBe(res.body.data.key.slice(0, 7));
    expect(newLimits).toHaveLength(1);
    expect(newLimits[0]).toMatchObject({ name: "rate", limit: 9, duration: 9000, autoApply: true });
    expect(newLimits[0].id).not.toBe(oldLimits[0].id);
    const audit = await env.DB.prepare("SELECT description FROM audit_logs WHERE workspace_id = ? AND event = 'key.reroll'").bind(ws.workspaceId).first<any>();
    expect(audit.description).toBe(`Rerolled key (${oldId}) to (${res.body.data.keyId})`);
  });

  it("lets the old key expire after the grace period rounded up to the minute", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const created = await call("keys.createKey", { apiId }, ws.rootKey);
    const before = Date.now();
    const res = await call("keys.rerollKey", { keyId: created.body.data.keyId, expiration: 90_000 }, ws.rootKey);
    expect(res.status).toBe(200);
    const old = (await call("keys.getKey", { keyId: created.body.data.keyId }, ws.rootKey)).body.data;
    expect(old.expires % 60_000).toBe(0);
    expect(old.expires).toBeGreaterThanOrEqual(before + 90_000);
    expect(old.expires).toBeLessThan(Date.now() + 90_000 + 60_000);
  });

  it("expires the old key at once when the grace period is 0", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const created = await call("keys.createKey", { apiId, expires: 4_000_000_000_000 }, ws.rootKey);
    const before = Date.now();
    await call("keys.rerollKey", { keyId: created.body.data.keyId, expiration: 0 }, ws.rootKey);
    const old = (await call("keys.getKey", { keyId: created.body.data.keyId }, ws.rootKey)).body.data;
    expect(old.expires).toBeGreaterThanOrEqual(before);
    expect(old.expires).toBeLessThanOrEqual(Date.now());
  });

  it("computes expiry and prefix as Unkey does", () => {
    expect(rerollExpiry(1_000, 0)).toBe(1_000);
    expect(rerollExpiry(60_000, 1)).toBe(120_000);
    expect(rerollExpiry(10_000, 50_000)).toBe(60_000);
    expect(rerollPrefix("sk_live_abcd", null)).toBe("sk");
    expect(rerollPrefix("abcd", "dflt")).toBe("dflt");
    expect(rerollPrefix("abcd", null)).toBeNull();
  });

  it("keeps recoverable keys recoverable", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
    const created = await call("keys.createKey", { apiId, recoverable: true }, ws.rootKey);
    const res = await call("keys.rerollKey", { keyId: created.body.data.keyId, expiration: 0 }, ws.rootKey);
    const got = await call("keys.getKey", { keyId: res.body.data.keyId, decrypt: true }, ws.rootKey);
    expect(got.body.data.plaintext).toBe(res.body.data.key);

    const noEncrypt = await rootKeyWith(ws.rootKey, [`api.${apiId}.create_key`]);
    const denied = await call("keys.rerollKey", { keyId: res.body.data.keyId, expiration: 0 }, noEncrypt);
    expect(denied.status).toBe(403);
    expect(denied.body.error!.detail).toBe(`Missing one of these permissions: api.*.encrypt_key or api.${apiId}.encrypt_key`);

    await call("apis.updateApi", { apiId, storeEncryptedKeys: false }, ws.rootKey);
    const off = await call("keys.rerollKey", { keyId: res.body.data.keyId, expiration: 0 }, ws.rootKey);
    expect(off.status).toBe(412);
    expect(off.body.error!.type).toBe(errorType("unkey/application/precondition_failed"));
  });

  it("answers 404 for unknown, deleted and foreign keys and 403 without create grant", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const created = await call("keys.createKey", { apiId }, ws.rootKey);
    const keyId = created.body.data.keyId;
    const unknown = await call("keys.rerollKey", { keyId: "key_nope1234", expiration: 0 }, ws.rootKey);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.detail).toBe("The specified key was not found.");
    const other = await newWorkspace();
    expect((await call("keys.rerollKey", { keyId, expiration: 0 }, other.rootKey)).status).toBe(404);
    const scoped = await rootKeyWith(ws.rootKey, ["api.*.read_key"]);
    const denied = await call("keys.rerollKey", { keyId, expiration: 0 }, scoped);
    expect(denied.status).toBe(403);
    expect(denied.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    await call("keys.deleteKey", { keyId }, ws.rootKey);
    expect((await call("keys.rerollKey", { keyId, expiration: 0 }, ws.rootKey)).status).toBe(404);
    expect((await call("keys.rerollKey", { keyId, expiration: -1 }, ws.rootKey)).status).toBe(400);
  });
});

describe("keys.rerollKey as seen by verification", () => {
  it("keeps the old key valid during the grace period, the new one valid, and carries the live balance over", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const old = (await call("keys.createKey", { apiId, credits: { remaining: 10 } }, ws.rootKey)).body.data;
    await call("keys.verifyKey", { key: old.key, credits: { cost: 3 } }, ws.rootKey);
    const fresh = (await call("keys.rerollKey", { keyId: old.keyId, expiration: 3_600_000 }, ws.rootKey)).body.data;
    expect((await call("keys.verifyKey", { key: old.key, credits: { cost: 0 } }, ws.rootKey)).body.data.code).toBe("VALID");
    expect((await call("keys.verifyKey", { key: fresh.key }, ws.rootKey)).body.data).toMatchObject({ code: "VALID", credits: 6 });
  });

  it("makes the old key verify as EXPIRED when the grace period is 0", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const old = (await call("keys.createKey", { apiId }, ws.rootKey)).body.data;
    expect((await call("keys.verifyKey", { key: old.key }, ws.rootKey)).body.data.code).toBe("VALID");
    await call("keys.rerollKey", { keyId: old.keyId, expiration: 0 }, ws.rootKey);
    await new Promise((r) => setTimeout(r, 5));
    expect((await call("keys.verifyKey", { key: old.key }, ws.rootKey)).body.data.code).toBe("EXPIRED");
  });
});
