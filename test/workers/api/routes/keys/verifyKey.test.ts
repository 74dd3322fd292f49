import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { call, errorType, newApi, newWorkspace, rootKeyWith, ADMIN_KEY } from "../../../../helpers/harness";
import { sha256Hex } from "../../../../../workers/lib/crypto";

type VerifyData = {
  valid: boolean;
  code: string;
  keyId?: string;
  name?: string;
  meta?: Record<string, unknown>;
  expires?: number;
  credits?: number;
  enabled?: boolean;
  permissions?: string[];
  roles?: string[];
  identity?: { id: string; externalId: string; meta?: Record<string, unknown>; ratelimits?: unknown[] };
  ratelimits?: unknown[];
};

async function setup() {
  const ws = await newWorkspace("verify");
  const apiId = await newApi(ws.rootKey, "verify api");
  return { ...ws, apiId };
}

async function createKey(rootKey: string, body: Record<string, unknown>) {
  const res = await call<{ keyId: string; key: string }>("keys.createKey", body, rootKey);
  if (res.status !== 200) throw new Error(`createKey failed: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

const verify = (rootKey: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call<VerifyData>("keys.verifyKey", body, rootKey, headers);

async function verifyOk(rootKey: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await verify(rootKey, body, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

describe("keys.verifyKey outcomes", () => {
  it("answers VALID with every field of the key", async () => {
    const t = await setup();
    const expires = Date.now() + 3_600_000;
    const { keyId, key } = await createKey(t.rootKey, {
      apiId: t.apiId,
      name: "primary",
      meta: { plan: "pro" },
      externalId: "user_42",
      expires,
      permissions: ["docs.read", "docs.write"],
      credits: { remaining: 10 },
    });
    const data = await verifyOk(t.rootKey, { key });
    expect(data).toMatchObject({
      valid: true,
      code: "VALID",
      keyId,
      name: "primary",
      meta: { plan: "pro" },
      expires,
      credits: 9,
      enabled: true,
      permissions: ["docs.read", "docs.write"],
    });
    expect(data.identity).toMatchObject({ externalId: "user_42" });
    expect(data.identity!.id).toMatch(/^id_/);
    expect(data.roles).toBeUndefined();
    expect(data.ratelimits).toBeUndefined();
  });

  it("omits empty optional fields for a bare key", async () => {
    const t = await setup();
    const { keyId, key } = await createKey(t.rootKey, { apiId: t.apiId });
    expect(await verifyOk(t.rootKey, { key })).toEqual({ valid: true, code: "VALID", keyId, enabled: true });
  });

  it("answers an unknown key with exactly {valid:false, code:NOT_FOUND}", async () => {
    const t = await setup();
    const res = await verify(t.rootKey, { key: "sk_does_not_exist" });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("answers DISABLED with the key's data", async () => {
    const t = await setup();
    const { keyId, key } = await createKey(t.rootKey, { apiId: t.apiId, enabled: false, name: "off" });
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ valid: false, code: "DISABLED", keyId, enabled: false, name: "off" });
  });

  it("answers EXPIRED for a key past its expiry", async () => {
    const t = await setup();
    const expires = Date.now() - 1000;
    const { keyId, key } = await createKey(t.rootKey, { apiId: t.apiId, expires });
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ valid: false, code: "EXPIRED", keyId, expires });
  });

  it("answers INSUFFICIENT_PERMISSIONS when the query is not satisfied, VALID when it is", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, permissions: ["docs.read", "docs.write"] });
    expect((await verifyOk(t.rootKey, { key, permissions: "docs.read AND docs.write" })).code).toBe("VALID");
    expect((await verifyOk(t.rootKey, { key, permissions: "docs.delete OR (docs.read AND docs.write)" })).code).toBe("VALID");
    const denied = await verifyOk(t.rootKey, { key, permissions: "docs.delete" });
    expect(denied).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS", permissions: ["docs.read", "docs.write"] });
  });

  it("reports role names and role-inherited permissions", async () => {
    const t = await setup();
    const role = await call("permissions.createRole", { name: "editor" }, t.rootKey);
    expect(role.status, JSON.stringify(role.body)).toBe(200);
    const perm = await call("permissions.createPermission", { name: "posts.edit", slug: "posts.edit" }, t.rootKey);
    expect(perm.status, JSON.stringify(perm.body)).toBe(200);
    const link = await call("permissions.setRolePermissions", { role: "editor", permissions: ["posts.edit"] }, t.rootKey);
    if (link.status !== 200) {
      // fall back to linking the rows directly when the RBAC route takes another shape
      await env.DB.prepare("INSERT INTO roles_permissions (role_id, permission_id, workspace_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(role.body.data.roleId, perm.body.data.permissionId, t.workspaceId, Date.now())
        .run();
    }
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, roles: ["editor"], permissions: ["posts.read"] });
    const data = await verifyOk(t.rootKey, { key, permissions: "posts.edit" });
    expect(data).toMatchObject({ code: "VALID", roles: ["editor"], permissions: ["posts.edit", "posts.read"] });
  });

  it("answers a malformed permission query with HTTP 400, even for a disabled key", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, enabled: false });
    const res = await verify(t.rootKey, { key, permissions: "docs.read AND (" });
    expect(res.status).toBe(400);
    expect(res.body.error!.type).toBe(errorType("user/bad_request/permissions_query_syntax_error"));
  });
});

describe("keys.verifyKey root-key scope (steps 6–7)", () => {
  it("hides keys of another workspace as NOT_FOUND", async () => {
    const a = await setup();
    const b = await setup();
    const { key } = await createKey(a.rootKey, { apiId: a.apiId });
    expect((await verify(b.rootKey, { key })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("answers NOT_FOUND to a root key without any verify permission", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    const reader = await rootKeyWith(t.rootKey, ["api.*.read_key"]);
    const res = await verify(reader, { key });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("answers NOT_FOUND to a root key that may verify only another API's keys", async () => {
    const t = await setup();
    const other = await newApi(t.rootKey, "other");
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    const scoped = await rootKeyWith(t.rootKey, [`api.${other}.verify_key`]);
    expect((await verify(scoped, { key })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
    const own = await rootKeyWith(t.rootKey, [`api.${t.apiId}.verify_key`]);
    expect((await verifyOk(own, { key })).code).toBe("VALID");
  });

  it("lets steps 6–7 override a disabled or expired key", async () => {
    const t = await setup();
    const disabled = await createKey(t.rootKey, { apiId: t.apiId, enabled: false });
    const expired = await createKey(t.rootKey, { apiId: t.apiId, expires: Date.now() - 1000 });
    const reader = await rootKeyWith(t.rootKey, ["api.*.read_key"]);
    expect((await verify(reader, { key: disabled.key })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
    expect((await verify(reader, { key: expired.key })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
    const stranger = await setup();
    expect((await verify(stranger.rootKey, { key: disabled.key })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });
});

describe("keys.verifyKey request validation and root-key errors", () => {
  it("rejects schema violations with 400 invalid_input", async () => {
    const t = await setup();
    const cases: unknown[] = [
      {},
      { key: "" },
      { key: "x".repeat(513) },
      { key: "k", unknown: 1 },
      { key: "k", credits: { cost: -1 } },
      { key: "k", credits: {} },
      { key: "k", credits: { cost: 1, extra: true } },
      { key: "k", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { key: "k", tags: [""] },
      { key: "k", permissions: "" },
      { key: "k", ratelimits: [{ name: "ab" }] },
      { key: "k", migrationId: "m".repeat(257) },
    ];
    for (const body of cases) {
      const res = await call("keys.verifyKey", body, t.rootKey);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
      expect(Array.isArray(res.body.error!.errors)).toBe(true);
    }
  });

  it("answers root-key failures with the usual HTTP errors", async () => {
    expect((await call("keys.verifyKey", { key: "k" })).status).toBe(400);
    const bad = await call("keys.verifyKey", { key: "k" }, "unkey_nope");
    expect(bad.status).toBe(401);
    expect(bad.body.error!.type).toBe(errorType("unkey/authentication/key_not_found"));
  });

  it("accepts up to 20 tags of any characters", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    const tags = Array.from({ length: 20 }, (_, i) => `path=/v1/ü/${i} ${"x".repeat(i)}`);
    expect((await verifyOk(t.rootKey, { key, tags })).code).toBe("VALID");
  });
});

describe("keys.verifyKey credits", () => {
  it("spends one credit by default and reports the balance after the call", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 2 } });
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ code: "VALID", credits: 1 });
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ code: "VALID", credits: 0 });
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ valid: false, code: "USAGE_EXCEEDED", credits: 0 });
  });

  it("refuses a cost above the balance without spending anything", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 5 } });
    expect(await verifyOk(t.rootKey, { key, credits: { cost: 15 } })).toMatchObject({ code: "USAGE_EXCEEDED", credits: 5 });
    expect(await verifyOk(t.rootKey, { key, credits: { cost: 5 } })).toMatchObject({ code: "VALID", credits: 0 });
  });

  it("lets cost 0 pass at a zero balance", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 0 } });
    expect(await verifyOk(t.rootKey, { key, credits: { cost: 0 } })).toMatchObject({ valid: true, code: "VALID", credits: 0 });
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ code: "USAGE_EXCEEDED", credits: 0 });
  });

  it("ignores cost on unlimited keys and reports no credits", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    const data = await verifyOk(t.rootKey, { key, credits: { cost: 1000 } });
    expect(data.code).toBe("VALID");
    expect(data.credits).toBeUndefined();
  });

  it("spends no credits when an earlier check fails", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 3 }, permissions: ["a.b"] });
    expect((await verifyOk(t.rootKey, { key, permissions: "c.d" })).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ code: "VALID", credits: 2 });
  });
});

describe("keys.verifyKey IP allowlist", () => {
  async function withAllowlist(list: string) {
    const t = await setup();
    const upd = await call("apis.updateApi", { apiId: t.apiId, ipWhitelist: list }, t.rootKey);
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    return { ...t, key };
  }

  it("allows exactly listed addresses from CF-Connecting-IP and refuses others with FORBIDDEN", async () => {
    const t = await withAllowlist(" 203.0.113.7 , 198.51.100.1");
    expect((await verifyOk(t.rootKey, { key: t.key }, { "cf-connecting-ip": "203.0.113.7" })).code).toBe("VALID");
    expect((await verifyOk(t.rootKey, { key: t.key }, { "cf-connecting-ip": "198.51.100.1" })).code).toBe("VALID");
    const denied = await verifyOk(t.rootKey, { key: t.key }, { "cf-connecting-ip": "203.0.113.8" });
    expect(denied).toMatchObject({ valid: false, code: "FORBIDDEN" });
    expect(denied.keyId).toBeDefined();
  });

  it("ignores a client's X-Forwarded-For without TRUSTED_PROXIES, so a forged one cannot pass the allowlist", async () => {
    const t = await withAllowlist("203.0.113.7");
    expect((await verifyOk(t.rootKey, { key: t.key }, { "x-forwarded-for": "203.0.113.7" })).code).toBe("FORBIDDEN");
    expect((await verifyOk(t.rootKey, { key: t.key }, { "x-forwarded-for": "203.0.113.7", "cf-connecting-ip": "198.51.100.9" })).code).toBe("FORBIDDEN");
    expect((await verifyOk(t.rootKey, { key: t.key })).code).toBe("FORBIDDEN");
  });

  it("accepts IPv4 and IPv6 CIDR ranges", async () => {
    const t = await withAllowlist("10.0.0.0/8,2001:db8::/32");
    for (const ip of ["10.1.2.3", "10.255.255.255", "2001:db8::1", "2001:0db8:ffff::abcd"]) {
      expect((await verifyOk(t.rootKey, { key: t.key }, { "cf-connecting-ip": ip })).code, ip).toBe("VALID");
    }
    for (const ip of ["11.0.0.1", "2001:db9::1", "not-an-ip"]) {
      expect((await verifyOk(t.rootKey, { key: t.key }, { "cf-connecting-ip": ip })).code, ip).toBe("FORBIDDEN");
    }
  });

  it("applies an allowlist change to the very next verification", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    expect((await verifyOk(t.rootKey, { key }, { "cf-connecting-ip": "192.0.2.1" })).code).toBe("VALID");
    await call("apis.updateApi", { apiId: t.apiId, ipWhitelist: "192.0.2.2" }, t.rootKey);
    expect((await verifyOk(t.rootKey, { key }, { "cf-connecting-ip": "192.0.2.1" })).code).toBe("FORBIDDEN");
    await call("apis.updateApi", { apiId: t.apiId, ipWhitelist: null }, t.rootKey);
    expect((await verifyOk(t.rootKey, { key }, { "cf-connecting-ip": "192.0.2.1" })).code).toBe("VALID");
  });
});

describe("keys.verifyKey sees mutations at once (cache invalidation)", () => {
  it("sees updateKey(enabled:false) and re-enabling", async () => {
    const t = await setup();
    const { keyId, key } = await createKey(t.rootKey, { apiId: t.apiId });
    expect((await verifyOk(t.rootKey, { key })).code).toBe("VALID");
    expect((await call("keys.updateKey", { keyId, enabled: false }, t.rootKey)).status).toBe(200);
    expect((await verifyOk(t.rootKey, { key })).code).toBe("DISABLED");
    expect((await call("keys.updateKey", { keyId, enabled: true }, t.rootKey)).status).toBe(200);
    expect((await verifyOk(t.rootKey, { key })).code).toBe("VALID");
  });

  it("sees soft and permanent deleteKey", async () => {
    const t = await setup();
    const soft = await createKey(t.rootKey, { apiId: t.apiId });
    const hard = await createKey(t.rootKey, { apiId: t.apiId });
    for (const k of [soft, hard]) expect((await verifyOk(t.rootKey, { key: k.key })).code).toBe("VALID");
    expect((await call("keys.deleteKey", { keyId: soft.keyId }, t.rootKey)).status).toBe(200);
    expect((await call("keys.deleteKey", { keyId: hard.keyId, permanent: true }, t.rootKey)).status).toBe(200);
    for (const k of [soft, hard]) expect((await verify(t.rootKey, { key: k.key })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("sees apis.deleteApi: every key of the API is NOT_FOUND", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    expect((await verifyOk(t.rootKey, { key })).code).toBe("VALID");
    expect((await call("apis.deleteApi", { apiId: t.apiId }, t.rootKey)).status).toBe(200);
    expect((await verify(t.rootKey, { key })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("sees expiry and credit changes made with updateKey", async () => {
    const t = await setup();
    const { keyId, key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 1 } });
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ code: "VALID", credits: 0 });
    expect((await call("keys.updateKey", { keyId, credits: { remaining: 5 } }, t.rootKey)).status).toBe(200);
    expect(await verifyOk(t.rootKey, { key })).toMatchObject({ code: "VALID", credits: 4 });
    expect((await call("keys.updateKey", { keyId, credits: null }, t.rootKey)).status).toBe(200);
    const unlimited = await verifyOk(t.rootKey, { key });
    expect(unlimited.code).toBe("VALID");
    expect(unlimited.credits).toBeUndefined();
    expect((await call("keys.updateKey", { keyId, expires: Date.now() - 1 }, t.rootKey)).status).toBe(200);
    expect((await verifyOk(t.rootKey, { key })).code).toBe("EXPIRED");
  });

  it("refuses verification once the workspace is disabled", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    expect((await verifyOk(t.rootKey, { key })).code).toBe("VALID");
    expect((await call("workspaces.updateWorkspace", { workspaceId: t.workspaceId, enabled: false }, ADMIN_KEY)).status).toBe(200);
    const res = await verify(t.rootKey, { key });
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/workspace_disabled"));
  });
});

describe("keys.verifyKey idempotent retries", () => {
  it("replays the first answer for a retried Idempotency-Key without spending again", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 10 } });
    const h = { "idempotency-key": "order-1234" };
    const first = await verifyOk(t.rootKey, { key, credits: { cost: 3 } }, h);
    expect(first).toMatchObject({ code: "VALID", credits: 7 });
    const retry = await verifyOk(t.rootKey, { key, credits: { cost: 3 } }, h);
    expect(retry).toEqual(first);
    const other = await verifyOk(t.rootKey, { key, credits: { cost: 3 } }, { "idempotency-key": "order-1235" });
    expect(other).toMatchObject({ code: "VALID", credits: 4 });
    expect(await verifyOk(t.rootKey, { key, credits: { cost: 0 } })).toMatchObject({ credits: 4 });
  });

  it("spends once when the same Idempotency-Key arrives many times at once", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 100 } });
    const answers = await Promise.all(Array.from({ length: 20 }, () => verifyOk(t.rootKey, { key }, { "idempotency-key": "burst" })));
    for (const a of answers) expect(a).toMatchObject({ code: "VALID", credits: 99 });
    expect(await verifyOk(t.rootKey, { key, credits: { cost: 0 } })).toMatchObject({ credits: 99 });
  });

  it("replays failures too, and unlimited keys' answers", async () => {
    const t = await setup();
    const limited = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 1 } });
    const h = { "idempotency-key": "once" };
    expect(await verifyOk(t.rootKey, { key: limited.key, credits: { cost: 2 } }, h)).toMatchObject({ code: "USAGE_EXCEEDED", credits: 1 });
    expect(await verifyOk(t.rootKey, { key: limited.key, credits: { cost: 2 } }, h)).toMatchObject({ code: "USAGE_EXCEEDED", credits: 1 });
    const unlimited = await createKey(t.rootKey, { apiId: t.apiId });
    const a = await verifyOk(t.rootKey, { key: unlimited.key }, h);
    expect(await verifyOk(t.rootKey, { key: unlimited.key }, h)).toEqual(a);
  });

  it("refuses an Idempotency-Key longer than 255 characters", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    const res = await verify(t.rootKey, { key }, { "idempotency-key": "x".repeat(256) });
    expect(res.status).toBe(400);
    expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
  });

  it("refuses an Idempotency-Key reused for a different request", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId, credits: { remaining: 10 } });
    const h = { "idempotency-key": "dup" };
    await verifyOk(t.rootKey, { key, credits: { cost: 1 } }, h);
    const res = await verify(t.rootKey, { key, credits: { cost: 2 } }, h);
    expect(res.status).toBe(400);
    expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
  });
});

describe("keys.verifyKey with a migration of pre-hashed keys", () => {
  it("rewrites a seam-format key to native form on first verification", async () => {
    const t = await setup();
    const mig = await call<{ migrationId: string }>("keys.createMigration", { apiId: t.apiId, hash: "github.com/seamapi/prefixed-api-key" }, t.rootKey);
    expect(mig.status, JSON.stringify(mig.body)).toBe(200);
    const migrationId = mig.body.data.migrationId;
    const plaintext = "acme_live_short123_longtokenABCDEFGHIJ";
    const imported = await call<{ migrated: { hash: string; keyId: string }[]; failed: string[] }>(
      "keys.migrateKeys",
      { migrationId, apiId: t.apiId, keys: [{ hash: await sha256Hex("longtokenABCDEFGHIJ"), name: "legacy" }] },
      t.rootKey,
    );
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const keyId = imported.body.data.migrated[0]!.keyId;

    expect((await verify(t.rootKey, { key: plaintext })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
    expect(await verifyOk(t.rootKey, { key: plaintext, migrationId })).toMatchObject({ valid: true, code: "VALID", keyId, name: "legacy" });
    // migrated: no migrationId needed any more
    expect(await verifyOk(t.rootKey, { key: plaintext })).toMatchObject({ code: "VALID", keyId });
    const got = await call<{ start: string }>("keys.getKey", { keyId }, t.rootKey);
    expect(got.body.data.start).toBe("acme_live_shor");
  });

  it("answers a malformed seam key with 400 and an unknown migration with NOT_FOUND", async () => {
    const t = await setup();
    const mig = await call<{ migrationId: string }>("keys.createMigration", { apiId: t.apiId, hash: "github.com/seamapi/prefixed-api-key" }, t.rootKey);
    const res = await verify(t.rootKey, { key: "only_two", migrationId: mig.body.data.migrationId });
    expect(res.status).toBe(400);
    expect(res.body.error!.type).toBe(errorType("unkey/authentication/malformed"));
    expect((await verify(t.rootKey, { key: "a_b_c", migrationId: "mig_unknown" })).body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });
});

describe("keys.verifyKey rate limits", () => {
  it("applies auto-apply limits, answers RATE_LIMITED without spending credits", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, {
      apiId: t.apiId,
      credits: { remaining: 10 },
      ratelimits: [{ name: "requests", limit: 2, duration: 60_000, autoApply: true }],
    });
    const first = await verifyOk(t.rootKey, { key });
    expect(first).toMatchObject({ code: "VALID", credits: 9 });
    expect(first.ratelimits).toEqual([
      expect.objectContaining({ name: "requests", limit: 2, duration: 60_000, autoApply: true, exceeded: false, remaining: 1 }),
    ]);
    expect((await verifyOk(t.rootKey, { key })).code).toBe("VALID");
    const limited = await verifyOk(t.rootKey, { key });
    expect(limited).toMatchObject({ valid: false, code: "RATE_LIMITED", credits: 8 });
    expect(limited.ratelimits).toEqual([expect.objectContaining({ name: "requests", exceeded: true, remaining: 0 })]);
  });

  it("answers HTTP 412 for a requested limit the key and its identity don't have", async () => {
    const t = await setup();
    const { keyId, key } = await createKey(t.rootKey, { apiId: t.apiId });
    const res = await verify(t.rootKey, { key, ratelimits: [{ name: "missing" }] });
    expect(res.status).toBe(412);
    expect(res.body.error!.type).toBe(errorType("unkey/application/precondition_failed"));
    expect(res.body.error!.detail).toContain(keyId);
  });

  it("evaluates an inline limit given with limit and duration", async () => {
    const t = await setup();
    const { key } = await createKey(t.rootKey, { apiId: t.apiId });
    const data = await verifyOk(t.rootKey, { key, ratelimits: [{ name: "burst", limit: 10, duration: 60_000, cost: 3 }] });
    expect(data.code).toBe("VALID");
    expect(data.ratelimits).toEqual([expect.objectContaining({ id: "", name: "burst", limit: 10, remaining: 7, exceeded: false })]);
  });
});
