import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Unkey } from "@unkey/api";
import { startApi, type TestServer } from "./helpers/server";

/**
 * Key management through the official @unkey/api SDK against `wrangler dev`: the SDK validates
 * every response against its own models, so a field shape, status or error type we get wrong
 * fails here. keys.createMigration is our extension (not in the SDK) and is called over HTTP.
 */
let server: TestServer;
let unkey: Unkey;
let rootKey: string;

beforeAll(async () => {
  server = await startApi();
  const ws = await server.newWorkspace("keys-e2e");
  rootKey = ws.rootKey;
  unkey = new Unkey({ serverURL: server.url, rootKey });
});

afterAll(async () => {
  await server?.stop();
});

async function post(operation: string, body: unknown) {
  const res = await fetch(`${server.url}/v2/${operation}`, {
    method: "POST",
    headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("@unkey/api key management against wrangler dev", () => {
  it("creates, reads, lists, updates, rerolls and deletes keys with every field parsed by the SDK", async () => {
    const { apiId } = (await unkey.apis.createApi({ name: "keys-e2e" })).data;
    await unkey.permissions.createRole({ name: "reader", permissions: ["docs.read"] });
    const created = (
      await unkey.keys.createKey({
        apiId,
        prefix: "sk_test",
        name: "e2e",
        externalId: "e2e-user",
        meta: { plan: "pro" },
        roles: ["reader"],
        permissions: ["docs.write"],
        expires: 4_000_000_000_000,
        credits: { remaining: 10, refill: { interval: "monthly", amount: 10, refillDay: 1 } },
        ratelimits: [{ name: "requests", limit: 5, duration: 60_000, autoApply: true }],
      })
    ).data;
    expect(created.key.startsWith("sk_test_")).toBe(true);

    const got = (await unkey.keys.getKey({ keyId: created.keyId })).data;
    expect(got).toMatchObject({
      keyId: created.keyId,
      start: created.key.slice(0, 12),
      name: "e2e",
      meta: { plan: "pro" },
      roles: ["reader"],
      permissions: ["docs.read", "docs.write"],
      credits: { remaining: 10, refill: { interval: "monthly", amount: 10, refillDay: 1 } },
      identity: { externalId: "e2e-user" },
    });
    expect(got.ratelimits?.[0]).toMatchObject({ name: "requests", limit: 5, duration: 60_000, autoApply: true });

    const me = (await unkey.keys.whoami({ key: created.key })).data;
    expect(me.keyId).toBe(created.keyId);

    const listed = (await unkey.apis.listKeys({ apiId, externalId: "e2e-user" })).result;
    expect(listed.data.map((k) => k.keyId)).toEqual([created.keyId]);
    expect(listed.pagination).toEqual({ hasMore: false });

    await unkey.keys.updateKey({ keyId: created.keyId, name: null, meta: { plan: "team" }, credits: { refill: null } });
    const updated = (await unkey.keys.getKey({ keyId: created.keyId })).data;
    expect(updated.name).toBeUndefined();
    expect(updated.meta).toEqual({ plan: "team" });
    expect(updated.credits).toEqual({ remaining: 10 });

    const rerolled = (await unkey.keys.rerollKey({ keyId: created.keyId, expiration: 60_000 })).data;
    expect(rerolled.key.startsWith("sk_")).toBe(true);
    expect((await unkey.keys.verifyKey({ key: rerolled.key })).data.valid).toBe(true);
    expect((await unkey.keys.verifyKey({ key: created.key })).data.valid).toBe(true);

    await unkey.keys.deleteKey({ keyId: rerolled.keyId, permanent: true });
    expect((await unkey.keys.verifyKey({ key: rerolled.key })).data.code).toBe("NOT_FOUND");
  });

  it("pages through listKeys with the SDK's cursor", async () => {
    const { apiId } = (await unkey.apis.createApi({ name: "paging" })).data;
    for (let i = 0; i < 3; i++) await unkey.keys.createKey({ apiId });
    const first = await unkey.apis.listKeys({ apiId, limit: 2 });
    expect(first.result.data).toHaveLength(2);
    expect(first.result.pagination.hasMore).toBe(true);
    const second = await first.next();
    expect(second?.result.data).toHaveLength(1);
    expect(second?.result.pagination.hasMore).toBe(false);
    const ids = [...first.result.data, ...second!.result.data].map((k) => k.keyId);
    expect(new Set(ids).size).toBe(3);
  });

  it("imports pre-hashed keys that the SDK then verifies and reads with an empty start", async () => {
    const { apiId } = (await unkey.apis.createApi({ name: "migration" })).data;
    const mig = await post("keys.createMigration", { apiId, hash: "sha256_hex" });
    expect(mig.status).toBe(200);
    const secret = "old_system_key_123";
    const hash = createHash("sha256").update(secret).digest("hex");
    const res = (await unkey.keys.migrateKeys({ migrationId: mig.body.data.migrationId, apiId, keys: [{ hash, name: "old" }] })).data;
    expect(res.failed).toEqual([]);
    expect(res.migrated).toEqual([{ hash, keyId: expect.stringMatching(/^key_/) }]);
    const verified = (await unkey.keys.verifyKey({ key: secret })).data;
    expect(verified).toMatchObject({ valid: true, keyId: res.migrated[0]!.keyId });
    const got = (await unkey.keys.getKey({ keyId: res.migrated[0]!.keyId })).data;
    expect(got.start).toBe("");
  });

  it("surfaces not-found, forbidden and bad-request answers as the SDK's typed errors", async () => {
    const { apiId } = (await unkey.apis.createApi({ name: "errors" })).data;
    await expect(unkey.keys.getKey({ keyId: "key_doesnotexist" })).rejects.toMatchObject({
      statusCode: 404,
      data$: { error: { type: "https://unkey.com/docs/errors/unkey/data/key_not_found" } },
    });
    await expect(unkey.keys.createKey({ apiId: "api_doesnotexist" })).rejects.toMatchObject({ statusCode: 404 });
    await expect(unkey.keys.createKey({ apiId, roles: ["nope"] })).rejects.toMatchObject({
      statusCode: 404,
      data$: { error: { detail: "Role 'nope' was not found." } },
    });
    await expect(unkey.keys.createKey({ apiId, credits: { remaining: 1, refill: { interval: "monthly", amount: 1 } } })).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});
