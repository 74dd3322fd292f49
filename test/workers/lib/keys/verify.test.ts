import { describe, expect, it } from "vitest";
import { env, listDurableObjectIds } from "cloudflare:test";
import { call, newApi, newWorkspace, ADMIN_KEY } from "../../../helpers/harness";
import { verifyKey, type VerifyDeps } from "../../../../workers/lib/keys/verify";
import { newCache } from "../../../../workers/lib/services";
import { queryKeyByHash } from "../../../../workers/lib/keys/loader";
import { sha256Base64 } from "../../../../workers/lib/crypto";

/** Calls the verification logic directly, collecting what it hands to waitUntil. */
function deps(overrides: Partial<VerifyDeps> = {}) {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
  const d: VerifyDeps = {
    env,
    waitUntil: ctx.waitUntil,
    cache: newCache(env, ctx),
    requestId: "req_test",
    callerIp: null,
    ...overrides,
  };
  return { deps: d, settle: () => Promise.all(pending) };
}

async function setup(body: Record<string, unknown> = {}) {
  const ws = await newWorkspace("lib");
  const apiId = await newApi(ws.rootKey);
  const res = await call<{ keyId: string; key: string }>("keys.createKey", { apiId, ...body }, ws.rootKey);
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return { ...ws, apiId, ...res.body.data, caller: { workspaceId: ws.workspaceId, fullAccess: true, permissions: new Set<string>() } };
}

describe("verifyKey (library)", () => {
  it("answers FORBIDDEN with the key's data once its workspace is disabled", async () => {
    const t = await setup({ name: "ws-off" });
    const { deps: d } = deps();
    expect((await verifyKey(d, t.caller, { key: t.key })).code).toBe("VALID");
    const off = await call("workspaces.updateWorkspace", { workspaceId: t.workspaceId, enabled: false }, ADMIN_KEY);
    expect(off.status).toBe(200);
    // same cache as the first call: updateWorkspace's invalidation must have reached it
    expect(await verifyKey(d, t.caller, { key: t.key })).toMatchObject({ valid: false, code: "FORBIDDEN", keyId: t.keyId, name: "ws-off" });
  });

  it("loads everything verification needs in one query", async () => {
    const t = await setup({ externalId: "ext_1", permissions: ["p.one"], credits: { remaining: 4, refill: { interval: "daily", amount: 9 } } });
    const found = await queryKeyByHash(env.DB, await sha256Base64(t.key));
    expect(found).not.toBeNull();
    expect(found!.key).toMatchObject({
      id: t.keyId,
      workspaceId: t.workspaceId,
      remaining: 4,
      refill: { interval: "daily", amount: 9, refillDay: null },
      permissions: ["p.one"],
      roles: [],
      deleted: false,
    });
    expect(found!.key.identity).toMatchObject({ externalId: "ext_1", ratelimits: [] });
    expect(found!.keyspace).toMatchObject({ apiId: t.apiId, deleted: false, workspaceEnabled: true, ipWhitelist: null });
    expect(await queryKeyByHash(env.DB, await sha256Base64("unknown"))).toBeNull();
  });

  it("records last use of a key without waiting for it", async () => {
    const t = await setup();
    const { deps: d, settle } = deps();
    const before = Date.now();
    expect((await verifyKey(d, t.caller, { key: t.key })).code).toBe("VALID");
    await settle();
    const row = await env.DB.prepare("SELECT last_used_at FROM keys WHERE id = ?").bind(t.keyId).first<{ last_used_at: number | null }>();
    expect(row!.last_used_at).toBeGreaterThanOrEqual(before);
  });

  it("touches no credit counter for a key with unlimited credits and no rate limits", async () => {
    const t = await setup();
    const limited = await call<{ keyId: string; key: string }>("keys.createKey", { apiId: t.apiId, credits: { remaining: 5 } }, t.rootKey);
    const { deps: d } = deps();
    for (let i = 0; i < 3; i++) expect((await verifyKey(d, t.caller, { key: t.key, credits: { cost: 2 } })).code).toBe("VALID");
    expect((await verifyKey(d, t.caller, { key: limited.body.data.key })).code).toBe("VALID");
    const ids = (await listDurableObjectIds(env.USAGE_LIMITER)).map((id) => id.toString());
    expect(ids).toContain(env.USAGE_LIMITER.idFromName(limited.body.data.keyId).toString());
    expect(ids).not.toContain(env.USAGE_LIMITER.idFromName(t.keyId).toString());
  });
});
