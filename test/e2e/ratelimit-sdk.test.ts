import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Overrides, Ratelimit } from "@unkey/ratelimit";
import { Unkey } from "@unkey/api";
import { startApi, type TestServer } from "./helpers/server";

/**
 * Unkey's own rate-limit SDK (@unkey/ratelimit) and the identities/ratelimit groups of @unkey/api
 * against `wrangler dev`. The SDKs validate every response, so a wrong field or status fails here.
 */
let server: TestServer;
let rootKey: string;
let unkey: Unkey;

beforeAll(async () => {
  server = await startApi();
  rootKey = (await server.newWorkspace("ratelimit-sdk")).rootKey;
  unkey = new Unkey({ serverURL: server.url, rootKey });
});

afterAll(async () => {
  await server?.stop();
});

/**
 * Windows are aligned to multiples of their duration; a short test that straddles a boundary
 * would see the previous window's weight drop. Start such tests well inside a minute.
 */
async function awayFromMinuteBoundary() {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((r) => setTimeout(r, left + 100));
}

describe("@unkey/ratelimit against wrangler dev", () => {
  it("limits an identifier: 3 per minute, then denies, with Unix-ms resets", async () => {
    await awayFromMinuteBoundary();
    const rl = new Ratelimit({ rootKey, namespace: "e2e.requests", limit: 3, duration: "1m", baseUrl: server.url });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await rl.limit("user_1"));
    expect(results.map((r) => [r.success, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(results[0]!.limit).toBe(3);
    expect(results[0]!.reset % 60_000).toBe(0);
    expect(results[0]!.reset).toBeGreaterThan(Date.now() - 60_000);
    // another identifier has its own counter; cost and per-call limits are sent through
    expect(await rl.limit("user_2", { cost: 2 })).toMatchObject({ success: true, remaining: 1 });
    expect(await rl.limit("user_3", { limit: { limit: 10, duration: 60_000 } })).toMatchObject({ success: true, limit: 10, remaining: 9 });
  });

  it("overrides set through the SDK apply to limit calls and can be listed, read and deleted", async () => {
    const overrides = new Overrides({ rootKey, baseUrl: server.url });
    const rl = new Ratelimit({ rootKey, namespace: "e2e.overrides", limit: 1, duration: 60_000, baseUrl: server.url });
    await rl.limit("seed"); // creates the namespace
    const set = await overrides.setOverride({ namespace: "e2e.overrides", identifier: "vip_*", limit: 50, duration: 60_000 });
    const overrideId = set.data.overrideId;
    expect(await rl.limit("vip_1")).toMatchObject({ success: true, limit: 50, remaining: 49, overrideId });
    const got = await overrides.getOverride({ namespace: "e2e.overrides", identifier: "vip_1" });
    expect(got.data).toEqual({ overrideId, identifier: "vip_*", limit: 50, duration: 60_000 });
    const page = await overrides.listOverrides({ namespace: "e2e.overrides" });
    expect(page.data.map((o) => o.overrideId)).toEqual([overrideId]);
    await overrides.deleteOverride({ namespace: "e2e.overrides", identifier: "vip_*" });
    expect(await rl.limit("vip_2")).toMatchObject({ success: true, limit: 1, remaining: 0 });
  });

  it("errors from the server reach onError", async () => {
    const errors: Error[] = [];
    const rl = new Ratelimit({
      rootKey: "unkey_not_a_real_key",
      namespace: "e2e.denied",
      limit: 1,
      duration: 1000,
      baseUrl: server.url,
      onError: async (err) => {
        errors.push(err);
        return { success: true, limit: 0, remaining: 0, reset: 0 };
      },
    });
    expect((await rl.limit("x")).success).toBe(true);
    expect(errors).toHaveLength(1);
  });
});

describe("@unkey/api ratelimit and identities groups against wrangler dev", () => {
  it("multiLimit is all-or-nothing", async () => {
    await awayFromMinuteBoundary();
    const batch = [
      { namespace: "e2e.multi", identifier: "a", limit: 10, duration: 60_000 },
      { namespace: "e2e.multi", identifier: "b", limit: 1, duration: 60_000 },
    ];
    expect((await unkey.ratelimit.multiLimit(batch)).data.passed).toBe(true);
    const second = await unkey.ratelimit.multiLimit(batch);
    expect(second.data.passed).toBe(false);
    expect(second.data.limits.map((l) => [l.identifier, l.passed, l.remaining])).toEqual([
      ["a", true, 9],
      ["b", false, 0],
    ]);
  });

  it("identities: create, get, list, update, delete, and shared limits through verifyKey", async () => {
    await awayFromMinuteBoundary();
    const created = await unkey.identities.createIdentity({
      externalId: "e2e_org",
      meta: { plan: "team" },
      ratelimits: [{ name: "requests", limit: 2, duration: 60_000, autoApply: true }],
    });
    const identityId = created.data.identityId;
    const got = await unkey.identities.getIdentity({ identity: "e2e_org" });
    expect(got.data).toMatchObject({ id: identityId, externalId: "e2e_org", meta: { plan: "team" } });
    const list = await unkey.identities.listIdentities({});
    expect(list.result.data.map((i) => i.id)).toContain(identityId);

    const apiId = (await unkey.apis.createApi({ name: "e2e-identities" })).data.apiId;
    const k1 = (await unkey.keys.createKey({ apiId, externalId: "e2e_org" })).data.key;
    const k2 = (await unkey.keys.createKey({ apiId, externalId: "e2e_org" })).data.key;
    const codes = [];
    for (const key of [k1, k2, k1]) codes.push((await unkey.keys.verifyKey({ key })).data.code);
    expect(codes).toEqual(["VALID", "VALID", "RATE_LIMITED"]);

    const updated = await unkey.identities.updateIdentity({
      identity: identityId,
      ratelimits: [{ name: "requests", limit: 100, duration: 60_000, autoApply: true }],
    });
    expect(updated.data.ratelimits?.[0]).toMatchObject({ name: "requests", limit: 100 });
    expect((await unkey.keys.verifyKey({ key: k2 })).data.code).toBe("VALID");

    await unkey.identities.deleteIdentity({ identity: identityId });
    await expect(unkey.identities.getIdentity({ identity: identityId })).rejects.toThrow();
  });
});
