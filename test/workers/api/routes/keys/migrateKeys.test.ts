import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

const bytesOf = async (s: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
const b64 = async (s: string) => btoa(String.fromCharCode(...(await bytesOf(s))));
const hex = async (s: string) => [...(await bytesOf(s))].map((b) => b.toString(16).padStart(2, "0")).join("");

async function setup(hash: string) {
  const ws = await newWorkspace();
  const apiId = await newApi(ws.rootKey);
  const mig = await call("keys.createMigration", { apiId, hash }, ws.rootKey);
  expect(mig.status).toBe(200);
  expect(mig.body.data.migrationId).toMatch(/^mig_/);
  return { ws, apiId, migrationId: mig.body.data.migrationId as string };
}

describe("keys.createMigration", () => {
  it("stores the migration with its algorithm", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_hex");
    const row = await env.DB.prepare("SELECT * FROM key_migrations WHERE id = ?").bind(migrationId).first<any>();
    expect(row).toMatchObject({ workspace_id: ws.workspaceId, api_id: apiId, algorithm: "sha256_hex" });
  });

  it("rejects unknown algorithms, unknown APIs and missing grants", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    expect((await call("keys.createMigration", { apiId, hash: "md5" }, ws.rootKey)).status).toBe(400);
    const unknown = await call("keys.createMigration", { apiId: "api_missing12", hash: "sha256" }, ws.rootKey);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.type).toBe(errorType("unkey/data/api_not_found"));
    const scoped = await rootKeyWith(ws.rootKey, ["api.*.read_key"]);
    const denied = await call("keys.createMigration", { apiId, hash: "sha256" }, scoped);
    expect(denied.status).toBe(403);
    const perApi = await rootKeyWith(ws.rootKey, [`api.${apiId}.create_key`]);
    expect((await call("keys.createMigration", { apiId, hash: "sha256" }, perApi)).status).toBe(200);
  });
});

describe("keys.getMigration", () => {
  it("answers the migration's API and algorithm to a key that may migrate into that API", async () => {
    const { ws, apiId, migrationId } = await setup("github.com/seamapi/prefixed-api-key");
    const res = await call("keys.getMigration", { migrationId }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ migrationId, apiId, hash: "github.com/seamapi/prefixed-api-key" });
    const perApi = await rootKeyWith(ws.rootKey, [`api.${apiId}.create_key`]);
    expect((await call("keys.getMigration", { migrationId }, perApi)).body.data.hash).toBe("github.com/seamapi/prefixed-api-key");
  });

  it("answers the same 404 for an unknown migration, another workspace's, and one the key may not use", async () => {
    const { ws, migrationId } = await setup("sha256");
    const other = await newWorkspace();
    const scoped = await rootKeyWith(ws.rootKey, ["api.*.read_key", "api.api_other123.create_key"]);
    for (const [id, key] of [
      ["mig_doesnotexist1", ws.rootKey],
      [migrationId, other.rootKey],
      [migrationId, scoped],
    ] as const) {
      const res = await call("keys.getMigration", { migrationId: id }, key);
      expect(res.status).toBe(404);
      expect(res.body.error!.type).toBe(errorType("unkey/data/migration_not_found"));
    }
  });
});

describe("keys.migrateKeys", () => {
  it("imports base64 SHA-256 hashes that then verify directly, with an empty start", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_base64");
    const secret = "legacy_key_0001";
    const hash = await b64(secret);
    const res = await call(
      "keys.migrateKeys",
      {
        migrationId,
        apiId,
        keys: [{ hash, name: "imported", externalId: "cust 1", roles: ["legacy-role"], permissions: ["legacy.read"], credits: { remaining: 5 } }],
      },
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.failed).toEqual([]);
    expect(res.body.data.migrated).toEqual([{ hash, keyId: expect.stringMatching(/^key_/) }]);
    const keyId = res.body.data.migrated[0].keyId;
    const got = (await call("keys.getKey", { keyId }, ws.rootKey)).body.data;
    expect(got).toMatchObject({
      start: "",
      name: "imported",
      identity: { externalId: "cust 1" },
      roles: ["legacy-role"],
      permissions: ["legacy.read"],
      credits: { remaining: 5 },
    });
    const verify = await call("keys.verifyKey", { key: secret }, ws.rootKey);
    expect(verify.body.data).toMatchObject({ valid: true, code: "VALID", keyId });
  });

  it("converts hex SHA-256 hashes of the whole key to the native form", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_hex");
    const secret = "hexy_secret_42";
    const hash = await hex(secret);
    const res = await call("keys.migrateKeys", { migrationId, apiId, keys: [{ hash }] }, ws.rootKey);
    expect(res.body.data.migrated).toHaveLength(1);
    const row = await env.DB.prepare("SELECT hash FROM keys WHERE id = ?").bind(res.body.data.migrated[0].keyId).first<any>();
    expect(row.hash).toBe(await b64(secret));
    expect((await call("keys.verifyKey", { key: secret }, ws.rootKey)).body.data.valid).toBe(true);
  });

  it("imports seam prefixed-api-key hashes that are rewritten on first verification with the migration id", async () => {
    const { ws, apiId, migrationId } = await setup("github.com/seamapi/prefixed-api-key");
    const secret = "my_app_BRTRKFsL_51FwqftsmMDHHbJAMEXXHCgG";
    const hash = await hex("51FwqftsmMDHHbJAMEXXHCgG");
    const res = await call("keys.migrateKeys", { migrationId, apiId, keys: [{ hash }] }, ws.rootKey);
    const keyId = res.body.data.migrated[0].keyId;
    const pending = await env.DB.prepare("SELECT pending_migration_id, start FROM keys WHERE id = ?").bind(keyId).first<any>();
    expect(pending).toEqual({ pending_migration_id: migrationId, start: "" });
    expect((await call("keys.verifyKey", { key: secret }, ws.rootKey)).body.data.code).toBe("NOT_FOUND");
    const first = await call("keys.verifyKey", { key: secret, migrationId }, ws.rootKey);
    expect(first.body.data).toMatchObject({ valid: true, keyId });
    const later = await call("keys.verifyKey", { key: secret }, ws.rootKey);
    expect(later.body.data).toMatchObject({ valid: true, keyId });
  });

  it("lists invalid, repeated and already stored hashes in failed and imports the rest", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_base64");
    const existing = await call("keys.createKey", { apiId }, ws.rootKey);
    const existingHash = await b64(existing.body.data.key);
    const fresh = await b64("fresh-one");
    const res = await call(
      "keys.migrateKeys",
      { migrationId, apiId, keys: [{ hash: fresh }, { hash: fresh }, { hash: "not-a-hash" }, { hash: existingHash }] },
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.migrated.map((m: any) => m.hash)).toEqual([fresh]);
    expect(res.body.data.failed.sort()).toEqual([fresh, "not-a-hash", existingHash].sort());
  });

  it("imports a hash sent by concurrent requests exactly once", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_base64");
    const hash = await b64("raced");
    const results = await Promise.all(Array.from({ length: 6 }, () => call("keys.migrateKeys", { migrationId, apiId, keys: [{ hash }] }, ws.rootKey)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(results.flatMap((r) => r.body.data.migrated)).toHaveLength(1);
    expect(results.flatMap((r) => r.body.data.failed)).toEqual(Array(5).fill(hash));
  });

  it("imports many keys sharing one identity and one auto-created role", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_base64");
    const keys = await Promise.all(Array.from({ length: 45 }, async (_, i) => ({ hash: await b64(`bulk-${i}`), externalId: "org-1", roles: ["bulk"] })));
    const res = await call("keys.migrateKeys", { migrationId, apiId, keys }, ws.rootKey);
    expect(res.body.data.migrated).toHaveLength(45);
    const identities = await env.DB.prepare("SELECT COUNT(*) AS n FROM identities WHERE workspace_id = ?").bind(ws.workspaceId).first<any>();
    expect(identities.n).toBe(1);
    const roles = await env.DB.prepare("SELECT COUNT(*) AS n FROM roles WHERE workspace_id = ?").bind(ws.workspaceId).first<any>();
    expect(roles.n).toBe(1);
    const list = await call("apis.listKeys", { apiId, externalId: "org-1", limit: 100 }, ws.rootKey);
    expect(list.body.data).toHaveLength(45);
  });

  it("checks the grant before the API, then the API, then the migration", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_base64");
    const hash = await b64("x");
    const scoped = await rootKeyWith(ws.rootKey, ["api.*.read_key"]);
    const denied = await call("keys.migrateKeys", { migrationId, apiId: "api_missing12", keys: [{ hash }] }, scoped);
    expect(denied.status).toBe(403);
    const noApi = await call("keys.migrateKeys", { migrationId, apiId: "api_missing12", keys: [{ hash }] }, ws.rootKey);
    expect(noApi.status).toBe(404);
    expect(noApi.body.error!.detail).toBe("The requested API does not exist or has been deleted.");
    const noMig = await call("keys.migrateKeys", { migrationId: "mig_unknown", apiId, keys: [{ hash }] }, ws.rootKey);
    expect(noMig.status).toBe(404);
    expect(noMig.body.error!.type).toBe(errorType("unkey/data/migration_not_found"));
    expect(noMig.body.error!.detail).toBe("The requested Migration does not exist or has been deleted.");
    const other = await newWorkspace();
    const otherApi = await newApi(other.rootKey);
    const foreign = await call("keys.migrateKeys", { migrationId, apiId: otherApi, keys: [{ hash }] }, other.rootKey);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error!.type).toBe(errorType("unkey/data/migration_not_found"));
  });

  it("rejects monthly refills without refillDay and empty key lists with 400", async () => {
    const { ws, apiId, migrationId } = await setup("sha256_base64");
    const bad = await call(
      "keys.migrateKeys",
      { migrationId, apiId, keys: [{ hash: await b64("m"), credits: { remaining: 1, refill: { interval: "monthly", amount: 1 } } }] },
      ws.rootKey,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error!.detail).toBe("`refillDay` must be provided when the refill interval is `monthly`.");
    expect((await call("keys.migrateKeys", { migrationId, apiId, keys: [] }, ws.rootKey)).status).toBe(400);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM keys WHERE workspace_id = ?").bind(ws.workspaceId).first<any>();
    expect(n.n).toBe(0);
  });
});
