import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function setup() {
  const ws = await newWorkspace();
  const apiId = await newApi(ws.rootKey);
  await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
  const created = await call(
    "keys.createKey",
    { apiId, permissions: ["x.y"], ratelimits: [{ name: "rl1", limit: 1, duration: 1000, autoApply: true }], recoverable: true },
    ws.rootKey,
  );
  return { ws, apiId, keyId: created.body.data.keyId as string, key: created.body.data.key as string };
}

const count = async (sql: string, id: string) => (await env.DB.prepare(sql).bind(id).first<any>()).n as number;

describe("keys.deleteKey", () => {
  it("soft-deletes: the key disappears but its hash stays reserved", async () => {
    const { ws, apiId, keyId } = await setup();
    const res = await call("keys.deleteKey", { keyId }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({});
    expect((await call("keys.getKey", { keyId }, ws.rootKey)).status).toBe(404);
    const list = await call("apis.listKeys", { apiId }, ws.rootKey);
    expect(list.body.data).toEqual([]);
    const row = await env.DB.prepare("SELECT deleted_at FROM keys WHERE id = ?").bind(keyId).first<any>();
    expect(row.deleted_at).toEqual(expect.any(Number));
    expect(await count("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'key.delete' AND workspace_id = ?", ws.workspaceId)).toBe(1);
    // a second delete is a 404
    const again = await call("keys.deleteKey", { keyId }, ws.rootKey);
    expect(again.status).toBe(404);
    expect(again.body.error!.detail).toBe("We could not find the requested key.");
  });

  it("permanently removes the key with its links, limits and ciphertext", async () => {
    const { ws, keyId } = await setup();
    const res = await call("keys.deleteKey", { keyId, permanent: true }, ws.rootKey);
    expect(res.status).toBe(200);
    for (const sql of [
      "SELECT COUNT(*) AS n FROM keys WHERE id = ?",
      "SELECT COUNT(*) AS n FROM keys_permissions WHERE key_id = ?",
      "SELECT COUNT(*) AS n FROM ratelimits WHERE key_id = ?",
      "SELECT COUNT(*) AS n FROM encrypted_keys WHERE key_id = ?",
    ]) {
      expect(await count(sql, keyId), sql).toBe(0);
    }
  });

  it("answers 404 for foreign keys and 403 without the delete grant", async () => {
    const { ws, apiId, keyId } = await setup();
    const other = await newWorkspace();
    const foreign = await call("keys.deleteKey", { keyId }, other.rootKey);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error!.type).toBe(errorType("unkey/data/key_not_found"));
    expect(foreign.body.error!.detail).toBe("The specified key was not found.");
    const otherApi = await newApi(ws.rootKey);
    const scoped = await rootKeyWith(ws.rootKey, [`api.${otherApi}.delete_key`]);
    const denied = await call("keys.deleteKey", { keyId }, scoped);
    expect(denied.status).toBe(403);
    expect(denied.body.error!.detail).toBe(`Missing one of these permissions: api.*.delete_key or api.${apiId}.delete_key`);
    expect((await call("keys.getKey", { keyId }, ws.rootKey)).status).toBe(200);
  });
});

describe("keys.deleteKey as seen by verification", () => {
  it("makes soft- and permanently deleted keys verify as NOT_FOUND at once", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    for (const permanent of [false, true]) {
      const { keyId, key } = (await call("keys.createKey", { apiId }, ws.rootKey)).body.data;
      expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data.code).toBe("VALID");
      await call("keys.deleteKey", { keyId, permanent }, ws.rootKey);
      expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
    }
  });
});
