import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("apis.listKeys", () => {
  it("pages through live keys by id with an inclusive cursor", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call("keys.createKey", { apiId, name: `k${i}` }, ws.rootKey)).body.data.keyId);
    await call("keys.deleteKey", { keyId: ids[4] }, ws.rootKey);
    const live = ids.slice(0, 4).sort();
    const first = await call("apis.listKeys", { apiId, limit: 3 }, ws.rootKey);
    expect(first.status).toBe(200);
    expect(first.body.data.map((k: any) => k.keyId)).toEqual(live.slice(0, 3));
    expect(first.body.pagination).toEqual({ hasMore: true, cursor: live[3] });
    const second = await call("apis.listKeys", { apiId, limit: 3, cursor: first.body.pagination!.cursor }, ws.rootKey);
    expect(second.body.data.map((k: any) => k.keyId)).toEqual([live[3]]);
    expect(second.body.pagination).toEqual({ hasMore: false });
  });

  it("returns full key data: identity with its limits, key limits, permissions from roles, credits", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("permissions.createRole", { name: "viewer", permissions: ["v.read"] }, ws.rootKey);
    // the identity and its own limit, written directly (identities.* routes are tested on their own)
    const identityId = "id_acme_test";
    await env.DB.batch([
      env.DB.prepare("INSERT INTO identities (id, workspace_id, external_id, meta, created_at) VALUES (?, ?, 'acme', ?, ?)").bind(
        identityId,
        ws.workspaceId,
        JSON.stringify({ tier: "gold" }),
        Date.now(),
      ),
      env.DB.prepare(
        "INSERT INTO ratelimits (id, workspace_id, identity_id, name, \"limit\", duration, auto_apply, created_at) VALUES ('rl_org_test', ?, ?, 'org', 100, 60000, 1, ?)",
      ).bind(ws.workspaceId, identityId, Date.now()),
    ]);
    const created = await call(
      "keys.createKey",
      {
        apiId,
        externalId: "acme",
        roles: ["viewer"],
        permissions: ["d.write"],
        credits: { remaining: 10 },
        ratelimits: [{ name: "key", limit: 5, duration: 1000, autoApply: false }],
      },
      ws.rootKey,
    );
    await call("keys.createKey", { apiId }, ws.rootKey);
    const res = await call("apis.listKeys", { apiId, externalId: "acme" }, ws.rootKey);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      keyId: created.body.data.keyId,
      permissions: ["d.write", "v.read"],
      roles: ["viewer"],
      credits: { remaining: 10 },
      identity: {
        id: identityId,
        externalId: "acme",
        meta: { tier: "gold" },
        ratelimits: [{ id: expect.stringMatching(/^rl_/), name: "org", limit: 100, duration: 60_000, autoApply: true }],
      },
      ratelimits: [{ id: expect.stringMatching(/^rl_/), name: "key", limit: 5, duration: 1000, autoApply: false }],
    });
  });

  it("answers an empty page for an unknown externalId", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("keys.createKey", { apiId }, ws.rootKey);
    const res = await call("apis.listKeys", { apiId, externalId: "nobody" }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.pagination).toEqual({ hasMore: false });
  });

  it("decrypts recoverable keys with decrypt: true", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
    const a = await call("keys.createKey", { apiId, recoverable: true }, ws.rootKey);
    const b = await call("keys.createKey", { apiId }, ws.rootKey);
    const res = await call("apis.listKeys", { apiId, decrypt: true }, ws.rootKey);
    const byId = new Map(res.body.data.map((k: any) => [k.keyId, k]));
    expect((byId.get(a.body.data.keyId) as any).plaintext).toBe(a.body.data.key);
    expect((byId.get(b.body.data.keyId) as any).plaintext).toBeUndefined();
    const plain = await call("apis.listKeys", { apiId }, ws.rootKey);
    expect(plain.body.data.every((k: any) => k.plaintext === undefined)).toBe(true);
  });

  it("refuses decrypt without the grant (403) and when the API stores no encrypted keys (412)", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const off = await call("apis.listKeys", { apiId, decrypt: true }, ws.rootKey);
    expect(off.status).toBe(412);
    expect(off.body.error!.detail).toBe("The requested API does not support key encryption.");
    const reader = await rootKeyWith(ws.rootKey, [`api.${apiId}.read_key`, `api.${apiId}.read_api`]);
    const denied = await call("apis.listKeys", { apiId, decrypt: true }, reader);
    expect(denied.status).toBe(403);
    expect(denied.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
  });

  it("masks missing read grants and other workspaces' APIs as not found", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const onlyKeys = await rootKeyWith(ws.rootKey, [`api.${apiId}.read_key`]);
    for (const [id, token] of [
      [apiId, onlyKeys],
      [apiId, (await newWorkspace()).rootKey],
    ] as const) {
      const res = await call("apis.listKeys", { apiId: id }, token);
      expect(res.status).toBe(404);
      expect(res.body.error!.type).toBe(errorType("unkey/data/api_not_found"));
      expect(res.body.error!.detail).toBe("The requested API does not exist or has been deleted.");
    }
  });
});
