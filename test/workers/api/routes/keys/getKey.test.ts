import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function setup() {
  const ws = await newWorkspace();
  const apiId = await newApi(ws.rootKey);
  const created = await call("keys.createKey", { apiId, name: "k" }, ws.rootKey);
  return { ws, apiId, keyId: created.body.data.keyId as string, key: created.body.data.key as string };
}

async function recoverableSetup() {
  const ws = await newWorkspace();
  const apiId = await newApi(ws.rootKey);
  await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
  const created = await call("keys.createKey", { apiId, recoverable: true }, ws.rootKey);
  expect(created.status).toBe(200);
  return { ws, apiId, keyId: created.body.data.keyId as string, key: created.body.data.key as string };
}

describe("keys.getKey", () => {
  it("returns the key's data, omitting empty optional fields", async () => {
    const { ws, keyId, key } = await setup();
    const res = await call("keys.getKey", { keyId }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ keyId, start: key.slice(0, 4), enabled: true, name: "k", createdAt: expect.any(Number) });
  });

  it("includes permissions inherited through roles, deduplicated with direct ones", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("permissions.createRole", { name: "reader", permissions: ["a.read", "b.read"] }, ws.rootKey);
    const created = await call("keys.createKey", { apiId, roles: ["reader"], permissions: ["a.read", "c.write"] }, ws.rootKey);
    const res = await call("keys.getKey", { keyId: created.body.data.keyId }, ws.rootKey);
    expect(res.body.data.permissions).toEqual(["a.read", "b.read", "c.write"]);
    expect(res.body.data.roles).toEqual(["reader"]);
  });

  it("reports an unknown key as not found", async () => {
    const { ws } = await setup();
    const res = await call("keys.getKey", { keyId: "key_unknown123" }, ws.rootKey);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(errorType("unkey/data/key_not_found"));
    expect(res.body.error!.detail).toBe("We could not find the requested key.");
  });

  it("reports another workspace's key as not found", async () => {
    const { keyId } = await setup();
    const other = await newWorkspace();
    const res = await call("keys.getKey", { keyId }, other.rootKey);
    expect(res.status).toBe(404);
    expect(res.body.error!.detail).toBe("The specified key was not found.");
  });

  it("reports deleted keys and keys of deleted APIs as not found", async () => {
    const { ws, apiId, keyId } = await setup();
    const second = await call("keys.createKey", { apiId }, ws.rootKey);
    await call("keys.deleteKey", { keyId }, ws.rootKey);
    expect((await call("keys.getKey", { keyId }, ws.rootKey)).status).toBe(404);
    await call("apis.deleteApi", { apiId }, ws.rootKey);
    const res = await call("keys.getKey", { keyId: second.body.data.keyId }, ws.rootKey);
    expect(res.status).toBe(404);
    expect(res.body.error!.detail).toBe("We could not find the requested key.");
  });

  it("answers 403 without a read grant for the key's API", async () => {
    const { ws, apiId, keyId } = await setup();
    const otherApi = await newApi(ws.rootKey);
    const scoped = await rootKeyWith(ws.rootKey, [`api.${otherApi}.read_key`]);
    const res = await call("keys.getKey", { keyId }, scoped);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    expect(res.body.error!.detail).toBe(`Missing one of these permissions: api.*.read_key or api.${apiId}.read_key`);
    const ok = await rootKeyWith(ws.rootKey, [`api.${apiId}.read_key`]);
    expect((await call("keys.getKey", { keyId }, ok)).status).toBe(200);
  });

  it("rejects a malformed keyId with 400", async () => {
    const { ws } = await setup();
    const res = await call("keys.getKey", { keyId: "key-with-dash" }, ws.rootKey);
    expect(res.status).toBe(400);
  });

  describe("decrypt", () => {
    it("reveals the plaintext of a recoverable key", async () => {
      const { ws, keyId, key } = await recoverableSetup();
      const res = await call("keys.getKey", { keyId, decrypt: true }, ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data.plaintext).toBe(key);
      const stored = await env.DB.prepare("SELECT encrypted FROM encrypted_keys WHERE key_id = ?").bind(keyId).first<any>();
      expect(stored.encrypted).not.toContain(key);
      // without decrypt there is no plaintext
      expect((await call("keys.getKey", { keyId }, ws.rootKey)).body.data.plaintext).toBeUndefined();
    });

    it("returns keys without a ciphertext without plaintext and without error", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const created = await call("keys.createKey", { apiId }, ws.rootKey);
      await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
      const res = await call("keys.getKey", { keyId: created.body.data.keyId, decrypt: true }, ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data.plaintext).toBeUndefined();
    });

    it("answers 403 without the decrypt grant", async () => {
      const { ws, apiId, keyId } = await recoverableSetup();
      const scoped = await rootKeyWith(ws.rootKey, [`api.${apiId}.read_key`]);
      const res = await call("keys.getKey", { keyId, decrypt: true }, scoped);
      expect(res.status).toBe(403);
      expect(res.body.error!.detail).toBe(`Missing one of these permissions: api.*.decrypt_key or api.${apiId}.decrypt_key`);
    });

    it("answers 412 when the API no longer stores encrypted keys", async () => {
      const { ws, apiId, keyId } = await recoverableSetup();
      await call("apis.updateApi", { apiId, storeEncryptedKeys: false }, ws.rootKey);
      const res = await call("keys.getKey", { keyId, decrypt: true }, ws.rootKey);
      expect(res.status).toBe(412);
      expect(res.body.error!.type).toBe(errorType("unkey/application/precondition_failed"));
      expect(res.body.error!.detail).toBe("The API for this key does not support key encryption.");
    });
  });
});
