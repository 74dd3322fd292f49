import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function setup(extra: Record<string, unknown> = {}) {
  const ws = await newWorkspace();
  const apiId = await newApi(ws.rootKey);
  const created = await call("keys.createKey", { apiId, ...extra }, ws.rootKey);
  expect(created.status).toBe(200);
  const keyId = created.body.data.keyId as string;
  const get = async () => (await call("keys.getKey", { keyId }, ws.rootKey)).body.data;
  const update = (body: Record<string, unknown>, token = ws.rootKey) => call("keys.updateKey", { keyId, ...body }, token);
  return { ws, apiId, keyId, get, update };
}

describe("keys.updateKey", () => {
  it("keeps omitted fields, clears null ones and sets given ones", async () => {
    const { get, update } = await setup({ name: "old", meta: { a: 1 }, expires: 4_000_000_000_000, externalId: "u1" });
    expect((await update({})).status).toBe(200);
    expect(await get()).toMatchObject({ name: "old", meta: { a: 1 }, expires: 4_000_000_000_000, identity: { externalId: "u1" } });

    const res = await update({ name: "new", meta: { b: 2 }, enabled: false });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({});
    const after = await get();
    expect(after).toMatchObject({ name: "new", meta: { b: 2 }, enabled: false, expires: 4_000_000_000_000 });
    expect(after.updatedAt).toEqual(expect.any(Number));

    expect((await update({ name: null, meta: null, expires: null, externalId: null })).status).toBe(200);
    const cleared = await get();
    expect(cleared.name).toBeUndefined();
    expect(cleared.meta).toBeUndefined();
    expect(cleared.expires).toBeUndefined();
    expect(cleared.identity).toBeUndefined();
  });

  it("links to an existing identity by externalId, and creates a missing one", async () => {
    const { ws, apiId, get, update } = await setup();
    const other = await call("keys.createKey", { apiId, externalId: "shared" }, ws.rootKey);
    const otherIdentity = (await call("keys.getKey", { keyId: other.body.data.keyId }, ws.rootKey)).body.data.identity;
    await update({ externalId: "shared" });
    expect((await get()).identity).toEqual(otherIdentity);
    await update({ externalId: "brand-new" });
    expect((await get()).identity).toMatchObject({ externalId: "brand-new" });
  });

  describe("credits", () => {
    it("sets remaining and refill and bumps the credits version", async () => {
      const { keyId, get, update } = await setup({ credits: { remaining: 10 } });
      const before = await env.DB.prepare("SELECT credits_version FROM keys WHERE id = ?").bind(keyId).first<any>();
      expect((await update({ credits: { remaining: 50, refill: { interval: "daily", amount: 50 } } })).status).toBe(200);
      expect((await get()).credits).toEqual({ remaining: 50, refill: { interval: "daily", amount: 50 } });
      const after = await env.DB.prepare("SELECT credits_version FROM keys WHERE id = ?").bind(keyId).first<any>();
      expect(after.credits_version).toBe(before.credits_version + 1);
    });

    it("stops refilling on refill null and keeps remaining", async () => {
      const { get, update } = await setup({ credits: { remaining: 7, refill: { interval: "monthly", amount: 9, refillDay: 2 } } });
      await update({ credits: { refill: null } });
      expect((await get()).credits).toEqual({ remaining: 7 });
    });

    it("makes the key unlimited on credits null and on remaining null", async () => {
      const a = await setup({ credits: { remaining: 7, refill: { interval: "daily", amount: 9 } } });
      await a.update({ credits: null });
      expect((await a.get()).credits).toBeUndefined();
      const b = await setup({ credits: { remaining: 7 } });
      await b.update({ credits: { remaining: null } });
      expect((await b.get()).credits).toBeUndefined();
    });

    it("refuses refillDay on daily refills and its absence on monthly ones", async () => {
      const { update } = await setup({ credits: { remaining: 1 } });
      const daily = await update({ credits: { refill: { interval: "daily", amount: 1, refillDay: 4 } } });
      expect(daily.status).toBe(400);
      expect(daily.body.error!.detail).toBe("`refillDay` must not be provided when the refill interval is `daily`.");
      const monthly = await update({ credits: { refill: { interval: "monthly", amount: 1 } } });
      expect(monthly.status).toBe(400);
      expect(monthly.body.error!.detail).toBe("`refillDay` must be provided when the refill interval is `monthly`.");
    });
  });

  it("reconciles ratelimits by name, keeping ids, and removes all on []", async () => {
    const { get, update } = await setup({
      ratelimits: [
        { name: "keep", limit: 1, duration: 1000, autoApply: false },
        { name: "drop", limit: 2, duration: 2000, autoApply: true },
      ],
    });
    const before = (await get()).ratelimits as any[];
    const keepId = before.find((r) => r.name === "keep").id;
    await update({
      ratelimits: [
        { name: "keep", limit: 5, duration: 5000, autoApply: true },
        { name: "added", limit: 3, duration: 3000, autoApply: false },
      ],
    });
    const after = (await get()).ratelimits as any[];
    expect(after).toHaveLength(2);
    expect(after.find((r) => r.name === "keep")).toEqual({ id: keepId, name: "keep", limit: 5, duration: 5000, autoApply: true });
    expect(after.find((r) => r.name === "added").id).toMatch(/^rl_/);
    await update({ ratelimits: [] });
    expect((await get()).ratelimits).toBeUndefined();
  });

  it("replaces roles and direct permissions, [] clearing them", async () => {
    const { ws, get, update } = await setup({ permissions: ["p.one", "p.two"] });
    await call("permissions.createRole", { name: "r1" }, ws.rootKey);
    await call("permissions.createRole", { name: "r2" }, ws.rootKey);
    await update({ roles: ["r1"], permissions: ["p.two", "p.three"] });
    expect(await get()).toMatchObject({ roles: ["r1"], permissions: ["p.three", "p.two"] });
    await update({ roles: ["r2"] });
    expect(await get()).toMatchObject({ roles: ["r2"], permissions: ["p.three", "p.two"] });
    await update({ roles: [], permissions: [] });
    const cleared = await get();
    expect(cleared.roles).toBeUndefined();
    expect(cleared.permissions).toBeUndefined();
  });

  it("answers 404 for an unknown role and changes nothing", async () => {
    const { get, update } = await setup({ name: "same" });
    const res = await update({ name: "changed", roles: ["missing"] });
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(errorType("unkey/data/role_not_found"));
    expect((await get()).name).toBe("same");
  });

  it("writes one key.update audit event with the change", async () => {
    const { ws, update } = await setup();
    await update({ enabled: false });
    const rows = await env.DB.prepare("SELECT targets FROM audit_logs WHERE workspace_id = ? AND event = 'key.update'").bind(ws.workspaceId).all<any>();
    expect(rows.results).toHaveLength(1);
  });

  it("answers 404 for unknown and foreign keys, 403 without update grant", async () => {
    const { ws, apiId, keyId, update } = await setup();
    const unknown = await call("keys.updateKey", { keyId: "key_missing1", name: "x" }, ws.rootKey);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.detail).toBe("We could not find the requested key.");
    const other = await newWorkspace();
    const foreign = await call("keys.updateKey", { keyId, name: "x" }, other.rootKey);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error!.detail).toBe("The specified key was not found.");
    const scoped = await rootKeyWith(ws.rootKey, ["api.*.read_key"]);
    const denied = await update({ name: "x" }, scoped);
    expect(denied.status).toBe(403);
    expect(denied.body.error!.detail).toBe(`Missing one of these permissions: api.*.update_key or api.${apiId}.update_key`);
  });

  it("rejects bad input with 400", async () => {
    const { update } = await setup();
    expect((await update({ externalId: "has space" })).status).toBe(400);
    expect((await update({ enabled: null })).status).toBe(400);
    expect((await update({ unknownField: 1 })).status).toBe(400);
  });
});

describe("keys.updateKey as seen by verification", () => {
  it("disables a key for the very next verification", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const { keyId, key } = (await call("keys.createKey", { apiId }, ws.rootKey)).body.data;
    expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data.code).toBe("VALID");
    await call("keys.updateKey", { keyId, enabled: false }, ws.rootKey);
    expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data).toMatchObject({ valid: false, code: "DISABLED" });
    await call("keys.updateKey", { keyId, enabled: true }, ws.rootKey);
    expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data.code).toBe("VALID");
  });

  it("resets the live credit counter when credits are set", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const { keyId, key } = (await call("keys.createKey", { apiId, credits: { remaining: 1 } }, ws.rootKey)).body.data;
    expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data).toMatchObject({ code: "VALID", credits: 0 });
    expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data.code).toBe("USAGE_EXCEEDED");
    await call("keys.updateKey", { keyId, credits: { remaining: 5 } }, ws.rootKey);
    expect((await call("keys.verifyKey", { key }, ws.rootKey)).body.data).toMatchObject({ code: "VALID", credits: 4 });
    expect((await call("keys.getKey", { keyId }, ws.rootKey)).body.data.credits).toEqual({ remaining: 4 });
    await call("keys.updateKey", { keyId, credits: null }, ws.rootKey);
    const unlimited = (await call("keys.verifyKey", { key }, ws.rootKey)).body.data;
    expect(unlimited.code).toBe("VALID");
    expect(unlimited.credits).toBeUndefined();
  });

  it("applies new permissions and identity to the next verification", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const { keyId, key } = (await call("keys.createKey", { apiId }, ws.rootKey)).body.data;
    expect((await call("keys.verifyKey", { key, permissions: "docs.read" }, ws.rootKey)).body.data.code).toBe("INSUFFICIENT_PERMISSIONS");
    await call("keys.updateKey", { keyId, permissions: ["docs.read"], externalId: "who" }, ws.rootKey);
    const after = (await call("keys.verifyKey", { key, permissions: "docs.read" }, ws.rootKey)).body.data;
    expect(after).toMatchObject({ code: "VALID", identity: { externalId: "who" } });
  });
});

describe("keys.updateKey under concurrency", () => {
  it("converges on one ratelimit per name when updates race", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const { keyId } = (await call("keys.createKey", { apiId }, ws.rootKey)).body.data;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call("keys.updateKey", { keyId, ratelimits: [{ name: "same", limit: i + 1, duration: 1000, autoApply: false }] }, ws.rootKey),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(200));
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM ratelimits WHERE key_id = ?").bind(keyId).first<any>();
    expect(rows.n).toBe(1);
  });
});
