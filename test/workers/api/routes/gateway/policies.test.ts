import { describe, expect, it } from "vitest";
import { call, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function env() {
  const { rootKey } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey);
  const apiId = await newApi(rootKey);
  return { rootKey, apiId, where: { project: "proj", app: "web", environment: "production" } };
}

describe("gateway.*", () => {
  it("replaces policies in order with fresh ids and lists them back", async () => {
    const { rootKey, apiId, where } = await env();
    const policies = [
      { name: "fw", enabled: true, match: [{ path: { path: { prefix: "/admin" } } }], firewall: { action: "ACTION_DENY" } },
      { name: "keys", enabled: true, keyauth: { keyspaces: [apiId], locations: [{ bearer: {} }], permissionQuery: "a.read OR b.read" } },
      { name: "rl", enabled: false, ratelimit: { limit: 10, windowMs: 60000, identifier: { remoteIp: {} } } },
      { name: "log", enabled: true, logging: { requestHeaders: true } },
      { name: "spec", enabled: true, match: [], openapi: {} },
    ];
    const set = await call("gateway.setPolicies", { ...where, policies }, rootKey);
    expect(set.status).toBe(200);
    expect(set.body.data).toEqual({});
    const list = await call("gateway.listPolicies", where, rootKey);
    const data = list.body.data;
    expect(data.map((p: { name: string }) => p.name)).toEqual(["fw", "keys", "rl", "log", "spec"]);
    expect(data.every((p: { id: string }) => /^pol_/.test(p.id))).toBe(true);
    // deprecated single identifier is returned as identifiers; empty match omitted; keyspaces echoed
    expect(data[2].ratelimit).toEqual({ limit: 10, windowMs: 60000, identifiers: [{ remoteIp: {} }] });
    expect(data[4].match).toBeUndefined();
    expect(data[1].keyauth).toEqual({ keyspaces: [apiId], locations: [{ bearer: {} }], permissionQuery: "a.read OR b.read" });
    const again = await call("gateway.setPolicies", { ...where, policies }, rootKey);
    expect(again.status).toBe(200);
    const ids2 = (await call("gateway.listPolicies", where, rootKey)).body.data.map((p: { id: string }) => p.id);
    expect(ids2).not.toContain(data[0].id);
    expect((await call("gateway.setPolicies", { ...where, policies: [] }, rootKey)).status).toBe(200);
    expect((await call("gateway.listPolicies", where, rootKey)).body.data).toEqual([]);
  });

  it("writes nothing when any policy is invalid", async () => {
    const { rootKey, where } = await env();
    const good = { name: "ok", enabled: true, firewall: { action: "ACTION_DENY" } };
    await call("gateway.setPolicies", { ...where, policies: [good] }, rootKey);
    const cases = [
      { name: "two rules", enabled: true, firewall: { action: "ACTION_DENY" }, openapi: {} },
      { name: "no rule", enabled: true },
      { name: "bad regex", enabled: true, match: [{ path: { path: { regex: "(unclosed" } } }], firewall: { action: "ACTION_DENY" } },
      { name: "lookaround", enabled: true, match: [{ path: { path: { regex: "(?=x)" } } }], firewall: { action: "ACTION_DENY" } },
      { name: "two matchers", enabled: true, match: [{ path: { path: { exact: "/" } }, method: { methods: ["GET"] } }], firewall: { action: "ACTION_DENY" } },
      { name: "both", enabled: true, ratelimit: { limit: 1, windowMs: 1000, identifier: { path: {} }, identifiers: [{ path: {} }] } },
      { name: "bad method", enabled: true, match: [{ method: { methods: ["FETCH"] } }], firewall: { action: "ACTION_DENY" } },
      { name: "no enabled", firewall: { action: "ACTION_DENY" } },
    ];
    for (const bad of cases) {
      const res = await call("gateway.setPolicies", { ...where, policies: [good, bad] }, rootKey);
      expect(res.status, bad.name).toBe(400);
      // the handler's own checks report field paths (policies[1]…), schema keywords their keyword location
      expect(res.body.error!.errors![0]!.location, bad.name).toMatch(/^policies\[1\]|^\/properties\/policies\/items\//);
    }
    const query = await call(
      "gateway.setPolicies",
      { ...where, policies: [{ name: "q", enabled: true, keyauth: { keyspaces: ["ks_x"], permissionQuery: "a AND (" } }] },
      rootKey,
    );
    expect(query.status).toBe(400);
    const unknownKs = await call(
      "gateway.setPolicies",
      { ...where, policies: [{ name: "k", enabled: true, keyauth: { keyspaces: ["ks_unknown"] } }] },
      rootKey,
    );
    expect(unknownKs.status).toBe(404);
    const list = await call("gateway.listPolicies", where, rootKey);
    expect(list.body.data.map((p: { name: string }) => p.name)).toEqual(["ok"]);
  });

  it("updates one policy in place: fields, match clearing, rule replacement", async () => {
    const { rootKey, where } = await env();
    await call(
      "gateway.setPolicies",
      {
        ...where,
        policies: [
          { name: "a", enabled: true, match: [{ method: { methods: ["POST"] } }], firewall: { action: "ACTION_DENY" } },
          { name: "b", enabled: true, logging: { query: true } },
        ],
      },
      rootKey,
    );
    const [a, b] = (await call("gateway.listPolicies", where, rootKey)).body.data;
    expect((await call("gateway.updatePolicy", { ...where, policyId: a.id, name: "renamed", match: null }, rootKey)).status).toBe(200);
    expect(
      (await call("gateway.updatePolicy", { ...where, policyId: b.id, ratelimit: { limit: 5, windowMs: 1000, identifiers: [{ path: {} }] } }, rootKey)).status,
    ).toBe(200);
    const after = (await call("gateway.listPolicies", where, rootKey)).body.data;
    expect(after[0]).toEqual({ id: a.id, name: "renamed", enabled: true, firewall: { action: "ACTION_DENY" } });
    expect(after[1]).toEqual({ id: b.id, name: "b", enabled: true, ratelimit: { limit: 5, windowMs: 1000, identifiers: [{ path: {} }] } });
    expect((await call("gateway.updatePolicy", { ...where, policyId: a.id }, rootKey)).status).toBe(400);
    expect((await call("gateway.updatePolicy", { ...where, policyId: a.id, firewall: { action: "ACTION_DENY" }, openapi: {} }, rootKey)).status).toBe(400);
    expect((await call("gateway.updatePolicy", { ...where, policyId: "pol_missing", enabled: false }, rootKey)).status).toBe(404);
  });

  it("checks environment permissions", async () => {
    const { rootKey, where } = await env();
    const reader = await rootKeyWith(rootKey, ["environment.*.read_policies"]);
    expect((await call("gateway.listPolicies", where, reader)).status).toBe(200);
    expect((await call("gateway.setPolicies", { ...where, policies: [] }, reader)).status).toBe(403);
    expect((await call("gateway.listPolicies", { ...where, environment: "staging" }, reader)).status).toBe(404);
  });
});
