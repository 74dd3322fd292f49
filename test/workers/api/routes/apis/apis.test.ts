import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("apis.createApi", () => {
  it("creates an API with its keyspace and audits both", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.createApi", { name: "payments" }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.apiId).toMatch(/^api_/);
    const audit = await env.DB.prepare("SELECT event, targets, actor_id FROM audit_logs WHERE workspace_id = ? AND event = 'api.create'")
      .bind(ws.workspaceId)
      .first<any>();
    expect(audit.actor_id).toBe(ws.rootKeyId);
    expect(JSON.parse(audit.targets).map((t: any) => t.type)).toEqual(["api", "keySpace"]);
  });

  it("rejects names outside 3..256", async () => {
    const ws = await newWorkspace();
    for (const name of ["ab", "x".repeat(257)]) {
      const res = await call("apis.createApi", { name }, ws.rootKey);
      expect(res.status).toBe(400);
      expect(res.body.error?.detail).toBe("POST request body for '/v2/apis.createApi' failed to validate schema");
    }
  });

  it("does not require unique names", async () => {
    const ws = await newWorkspace();
    expect((await call("apis.createApi", { name: "same" }, ws.rootKey)).status).toBe(200);
    expect((await call("apis.createApi", { name: "same" }, ws.rootKey)).status).toBe(200);
  });

  it("needs api.*.create_api (a per-API grant does not count)", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, ["api.api_x.create_api"]);
    const res = await call("apis.createApi", { name: "abc" }, key);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ title: "Insufficient Permissions", detail: "Missing permission: 'api.*.create_api'" });
  });
});

describe("apis.getApi", () => {
  it("returns id, name and keySpaceId", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey, "orders");
    const res = await call("apis.getApi", { apiId }, ws.rootKey);
    expect(res.body.data).toMatchObject({ id: apiId, name: "orders" });
    expect(res.body.data.keySpaceId).toMatch(/^ks_/);
  });

  it("checks the permission before the lookup (403 beats 404)", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, []);
    const res = await call("apis.getApi", { apiId: "api_doesnotexist" }, key);
    expect(res.status).toBe(403);
    expect(res.body.error?.detail).toBe("Missing one of these permissions: api.*.read_api or api.api_doesnotexist.read_api");
  });

  it("a per-API grant reads that API only", async () => {
    const ws = await newWorkspace();
    const a = await newApi(ws.rootKey);
    const b = await newApi(ws.rootKey);
    const key = await rootKeyWith(ws.rootKey, [`api.${a}.read_api`]);
    expect((await call("apis.getApi", { apiId: a }, key)).status).toBe(200);
    expect((await call("apis.getApi", { apiId: b }, key)).status).toBe(403);
  });

  it("404s for unknown ids with the digest's detail", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.getApi", { apiId: "api_unknown1" }, ws.rootKey);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      type: errorType("unkey/data/api_not_found"),
      detail: "The requested API does not exist or has been deleted.",
    });
  });

  it("rejects ids shorter than 8 characters or with bad characters", async () => {
    const ws = await newWorkspace();
    expect((await call("apis.getApi", { apiId: "api_1" }, ws.rootKey)).status).toBe(400);
    expect((await call("apis.getApi", { apiId: "api_1234-5678" }, ws.rootKey)).status).toBe(400);
  });
});

describe("apis.deleteApi", () => {
  it("soft-deletes; a second delete is 404", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    expect((await call("apis.deleteApi", { apiId }, ws.rootKey)).body.data).toEqual({});
    expect((await call("apis.deleteApi", { apiId }, ws.rootKey)).status).toBe(404);
    expect((await call("apis.getApi", { apiId }, ws.rootKey)).status).toBe(404);
    const row = await env.DB.prepare("SELECT deleted_at FROM apis WHERE id = ?").bind(apiId).first<any>();
    expect(row.deleted_at).toBeGreaterThan(0);
  });

  it("refuses with 412 protected_resource while delete protection is on", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    expect((await call("apis.updateApi", { apiId, deleteProtection: true }, ws.rootKey)).status).toBe(200);
    const res = await call("apis.deleteApi", { apiId }, ws.rootKey);
    expect(res.status).toBe(412);
    expect(res.body.error).toMatchObject({
      title: "Resource is protected",
      type: errorType("unkey/application/protected_resource"),
      detail: "This API has delete protection enabled. Disable it before attempting to delete.",
    });
    await call("apis.updateApi", { apiId, deleteProtection: false }, ws.rootKey);
    expect((await call("apis.deleteApi", { apiId }, ws.rootKey)).status).toBe(200);
  });

  it("checks the permission first (403 for a missing API too)", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, ["api.*.read_api"]);
    expect((await call("apis.deleteApi", { apiId: "api_unknown1" }, key)).status).toBe(403);
  });
});

describe("apis.updateApi", () => {
  it("sets settings, keeps omitted ones and clears with null", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("apis.updateApi", { apiId, ipWhitelist: "1.2.3.4, 10.0.0.0/8", defaultPrefix: "sk", defaultBytes: 24, storeEncryptedKeys: true }, ws.rootKey);
    await call("apis.updateApi", { apiId, defaultPrefix: null }, ws.rootKey);
    const row = await env.DB.prepare(
      "SELECT a.ip_whitelist, k.default_prefix, k.default_bytes, k.store_encrypted_keys FROM apis a JOIN keyspaces k ON k.id = a.keyspace_id WHERE a.id = ?",
    )
      .bind(apiId)
      .first<any>();
    expect(row).toEqual({ ip_whitelist: "1.2.3.4, 10.0.0.0/8", default_prefix: null, default_bytes: 24, store_encrypted_keys: 1 });
  });

  it("needs update_api and validates input", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const key = await rootKeyWith(ws.rootKey, [`api.${apiId}.read_api`]);
    expect((await call("apis.updateApi", { apiId, deleteProtection: true }, key)).status).toBe(403);
    expect((await call("apis.updateApi", { apiId, defaultBytes: 8 }, ws.rootKey)).status).toBe(400);
    expect((await call("apis.updateApi", { apiId, defaultPrefix: "too-long-prefix" }, ws.rootKey)).status).toBe(400);
  });
});

describe("apis.listKeys", () => {
  it("lists an empty API", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const res = await call("apis.listKeys", { apiId }, ws.rootKey);
    expect(res.body).toMatchObject({ data: [], pagination: { hasMore: false } });
  });

  it("pages by key id with an inclusive cursor", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const { keySpaceId } = (await call("apis.getApi", { apiId }, ws.rootKey)).body.data;
    const ids = ["key_a1", "key_a2", "key_a3", "key_a4", "key_a5"];
    for (const id of ids) {
      await env.DB.prepare("INSERT INTO keys (id, workspace_id, keyspace_id, hash, start, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(id, ws.workspaceId, keySpaceId, `hash-${id}-${Math.random()}`, "sk_abcd", Date.now())
        .run();
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 3; i++) {
      const res = await call("apis.listKeys", { apiId, limit: 2, ...(cursor ? { cursor } : {}) }, ws.rootKey);
      seen.push(...res.body.data.map((k: any) => k.keyId));
      cursor = res.body.pagination?.cursor;
      if (!res.body.pagination?.hasMore) break;
    }
    expect(seen).toEqual(ids);
  });

  it("masks missing read grants as not-found", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const onlyKeys = await rootKeyWith(ws.rootKey, ["api.*.read_key"]);
    const res = await call("apis.listKeys", { apiId }, onlyKeys);
    expect(res.status).toBe(404);
    expect(res.body.error?.type).toBe(errorType("unkey/data/api_not_found"));
    const both = await rootKeyWith(ws.rootKey, ["api.*.read_key", `api.${apiId}.read_api`]);
    expect((await call("apis.listKeys", { apiId }, both)).status).toBe(200);
  });
});

describe("tenant isolation", () => {
  it("a root key of workspace A gets not-found for everything of workspace B", async () => {
    const a = await newWorkspace("a");
    const b = await newWorkspace("b");
    const apiB = await newApi(b.rootKey);
    for (const op of ["apis.getApi", "apis.deleteApi", "apis.listKeys", "apis.updateApi"]) {
      const res = await call(op, { apiId: apiB }, a.rootKey);
      expect(res.status, op).toBe(404);
      expect(res.body.error?.type, op).toBe(errorType("unkey/data/api_not_found"));
    }
    expect((await call("apis.getApi", { apiId: apiB }, b.rootKey)).status).toBe(200);
  });
});
