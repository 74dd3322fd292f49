import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function sha256b64(s: string) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  return btoa(String.fromCharCode(...new Uint8Array(d)));
}

describe("keys.createKey", () => {
  it("issues a base58 key with the prefix and stores only its SHA-256 hash and start", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const res = await call("keys.createKey", { apiId, prefix: "sk_live", name: "first" }, ws.rootKey);
    expect(res.status).toBe(200);
    const { keyId, key } = res.body.data;
    expect(keyId).toMatch(/^key_[1-9A-HJ-NP-Za-km-z]+$/);
    expect(key).toMatch(/^sk_live_[1-9A-HJ-NP-Za-km-z]{20,23}$/);
    const row = await env.DB.prepare("SELECT * FROM keys WHERE id = ?").bind(keyId).first<any>();
    expect(row.hash).toBe(await sha256b64(key));
    expect(row.start).toBe(key.slice(0, "sk_live_".length + 4));
    expect(JSON.stringify(row)).not.toContain(key);
    const audit = await env.DB.prepare("SELECT event FROM audit_logs WHERE workspace_id = ? AND event = 'key.create'").bind(ws.workspaceId).all();
    expect(audit.results).toHaveLength(1);
  });

  it("uses the byte length asked for and no prefix by default", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const res = await call("keys.createKey", { apiId, byteLength: 64 }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.key).not.toContain("_");
    expect(res.body.data.key.length).toBeGreaterThanOrEqual(85);
  });

  it("applies the keyspace's default prefix and byte length", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("apis.updateApi", { apiId, defaultPrefix: "dflt", defaultBytes: 32 }, ws.rootKey);
    const res = await call("keys.createKey", { apiId }, ws.rootKey);
    expect(res.body.data.key).toMatch(/^dflt_[1-9A-HJ-NP-Za-km-z]{43,44}$/);
  });

  it("stores every optional field and returns them through getKey", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const role = await call("permissions.createRole", { name: "admin", permissions: ["docs.read"] }, ws.rootKey);
    expect(role.status).toBe(200);
    const expires = Date.now() + 86_400_000;
    const res = await call(
      "keys.createKey",
      {
        apiId,
        name: "full",
        externalId: "user_1",
        meta: { plan: "pro", nested: { a: 1 } },
        roles: ["admin"],
        permissions: ["docs.write", "billing.*"],
        expires,
        credits: { remaining: 100, refill: { interval: "monthly", amount: 100, refillDay: 15 } },
        ratelimits: [{ name: "requests", limit: 10, duration: 60_000, autoApply: true }],
        enabled: false,
      },
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    const got = await call("keys.getKey", { keyId: res.body.data.keyId }, ws.rootKey);
    expect(got.status).toBe(200);
    const k = got.body.data;
    expect(k).toMatchObject({
      keyId: res.body.data.keyId,
      name: "full",
      enabled: false,
      meta: { plan: "pro", nested: { a: 1 } },
      expires,
      roles: ["admin"],
      permissions: ["billing.*", "docs.read", "docs.write"],
      credits: { remaining: 100, refill: { interval: "monthly", amount: 100, refillDay: 15 } },
      identity: { externalId: "user_1" },
    });
    expect(k.identity.id).toMatch(/^id_/);
    expect(k.ratelimits).toEqual([{ id: expect.stringMatching(/^rl_/), name: "requests", limit: 10, duration: 60_000, autoApply: true }]);
    expect(k.plaintext).toBeUndefined();
    // the auto-created permissions have name = slug
    const perm = await env.DB.prepare("SELECT name, slug FROM permissions WHERE workspace_id = ? AND slug = 'docs.write'").bind(ws.workspaceId).first<any>();
    expect(perm).toEqual({ name: "docs.write", slug: "docs.write" });
    const events = await env.DB.prepare("SELECT event FROM audit_logs WHERE workspace_id = ? ORDER BY event").bind(ws.workspaceId).all<any>();
    const names = events.results.map((e) => e.event);
    expect(names).toContain("identity.create");
    expect(names).toContain("authorization.connect_role_and_key");
    expect(names.filter((e) => e === "authorization.connect_permission_and_key")).toHaveLength(2);
  });

  it("treats credits.remaining null as unlimited and ignores refillDay of daily refills", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const a = await call("keys.createKey", { apiId, credits: { remaining: null } }, ws.rootKey);
    expect((await call("keys.getKey", { keyId: a.body.data.keyId }, ws.rootKey)).body.data.credits).toBeUndefined();
    const b = await call("keys.createKey", { apiId, credits: { remaining: 5, refill: { interval: "daily", amount: 10, refillDay: 3 } } }, ws.rootKey);
    expect(b.status).toBe(200);
    expect((await call("keys.getKey", { keyId: b.body.data.keyId }, ws.rootKey)).body.data.credits).toEqual({
      remaining: 5,
      refill: { interval: "daily", amount: 10 },
    });
  });

  it("links every key created concurrently with one externalId to one identity", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const results = await Promise.all(Array.from({ length: 8 }, () => call("keys.createKey", { apiId, externalId: "shared-user" }, ws.rootKey)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const ids = await env.DB.prepare("SELECT id FROM identities WHERE workspace_id = ? AND external_id = 'shared-user'").bind(ws.workspaceId).all();
    expect(ids.results).toHaveLength(1);
    const linked = await env.DB.prepare("SELECT DISTINCT identity_id FROM keys WHERE workspace_id = ?").bind(ws.workspaceId).all<any>();
    expect(linked.results).toEqual([{ identity_id: (ids.results[0] as any).id }]);
    const created = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_logs WHERE workspace_id = ? AND event = 'identity.create'")
      .bind(ws.workspaceId)
      .first<any>();
    expect(created.n).toBe(1);
  });

  it("creates a permission named by concurrent requests only once", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const results = await Promise.all(Array.from({ length: 6 }, () => call("keys.createKey", { apiId, permissions: ["race.perm"] }, ws.rootKey)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const perms = await env.DB.prepare("SELECT COUNT(*) AS n FROM permissions WHERE workspace_id = ?").bind(ws.workspaceId).first<any>();
    expect(perms.n).toBe(1);
    const links = await env.DB.prepare("SELECT COUNT(*) AS n FROM keys_permissions WHERE workspace_id = ?").bind(ws.workspaceId).first<any>();
    expect(links.n).toBe(6);
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_logs WHERE workspace_id = ? AND event = 'permission.create'")
      .bind(ws.workspaceId)
      .first<any>();
    expect(events.n).toBe(1);
  });

  describe("errors", () => {
    it.each([
      ["byteLength below 16", { byteLength: 8 }],
      ["prefix longer than 16", { prefix: "a".repeat(17) }],
      ["prefix with a dash", { prefix: "sk-live" }],
      ["negative expires", { expires: -1 }],
      ["empty role name", { roles: [""] }],
      ["permission with a space", { permissions: ["a b"] }],
      ["unknown field", { environment: "prod" }],
      ["ratelimit duration under 1s", { ratelimits: [{ name: "abc", limit: 1, duration: 10, autoApply: false }] }],
      ["meta with 101 properties", { meta: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) }],
    ])("rejects %s with 400 invalid_input", async (_name, extra) => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const res = await call("keys.createKey", { apiId, ...extra }, ws.rootKey);
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
      expect(Array.isArray(res.body.error!.errors)).toBe(true);
    });

    it("requires credits.remaining when a refill is set", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const res = await call("keys.createKey", { apiId, credits: { remaining: null, refill: { interval: "daily", amount: 1 } } }, ws.rootKey);
      expect(res.status).toBe(400);
      expect(res.body.error!.detail).toBe("`credits.remaining` must be provided when `credits.refill` is set.");
      expect(res.body.error!.errors).toEqual([]);
    });

    it("requires refillDay for monthly refills", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const res = await call("keys.createKey", { apiId, credits: { remaining: 1, refill: { interval: "monthly", amount: 1 } } }, ws.rootKey);
      expect(res.status).toBe(400);
      expect(res.body.error!.detail).toBe("`refillDay` must be provided when the refill interval is `monthly`.");
    });

    it("answers 404 for an unknown API, another workspace's API and a missing grant alike", async () => {
      const ws = await newWorkspace();
      const other = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const otherApi = await newApi(other.rootKey);
      const scoped = await rootKeyWith(ws.rootKey, ["api.*.read_key"]);
      for (const [id, token] of [
        ["api_doesnotexist1", ws.rootKey],
        [otherApi, ws.rootKey],
        [apiId, scoped],
      ] as const) {
        const res = await call("keys.createKey", { apiId: id }, token);
        expect(res.status).toBe(404);
        expect(res.body.error!.type).toBe(errorType("unkey/data/api_not_found"));
        expect(res.body.error!.detail).toBe("The specified API was not found.");
      }
    });

    it("accepts a grant for just this API", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const scoped = await rootKeyWith(ws.rootKey, [`api.${apiId}.create_key`]);
      expect((await call("keys.createKey", { apiId }, scoped)).status).toBe(200);
      const otherApi = await newApi(ws.rootKey);
      expect((await call("keys.createKey", { apiId: otherApi }, scoped)).status).toBe(404);
    });

    it("answers 404 role_not_found for an unknown role and persists nothing", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const res = await call("keys.createKey", { apiId, roles: ["ghost"], permissions: ["new.perm"], externalId: "nobody" }, ws.rootKey);
      expect(res.status).toBe(404);
      expect(res.body.error!.type).toBe(errorType("unkey/data/role_not_found"));
      expect(res.body.error!.detail).toBe("Role 'ghost' was not found.");
      for (const table of ["keys", "permissions", "identities"]) {
        const n = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE workspace_id = ?`).bind(ws.workspaceId).first<any>();
        expect(n.n, table).toBe(0);
      }
    });

    it("refuses recoverable keys where the API does not store encrypted keys (412)", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const res = await call("keys.createKey", { apiId, recoverable: true }, ws.rootKey);
      expect(res.status).toBe(412);
      expect(res.body.error!.type).toBe(errorType("unkey/application/precondition_failed"));
      expect(res.body.error!.detail).toBe("This API does not support key encryption.");
    });

    it("masks a missing encrypt grant for recoverable keys as a missing API", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
      const scoped = await rootKeyWith(ws.rootKey, [`api.${apiId}.create_key`]);
      const res = await call("keys.createKey", { apiId, recoverable: true }, scoped);
      expect(res.status).toBe(404);
      expect(res.body.error!.detail).toBe("The specified API was not found.");
      const both = await rootKeyWith(ws.rootKey, [`api.${apiId}.create_key`, `api.${apiId}.encrypt_key`]);
      expect((await call("keys.createKey", { apiId, recoverable: true }, both)).status).toBe(200);
    });

    it("rejects duplicate ratelimit names", async () => {
      const ws = await newWorkspace();
      const apiId = await newApi(ws.rootKey);
      const rl = { name: "dup", limit: 1, duration: 1000, autoApply: false };
      const res = await call("keys.createKey", { apiId, ratelimits: [rl, rl] }, ws.rootKey);
      expect(res.status).toBe(400);
    });
  });
});
