import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

const item = (o: Record<string, unknown> = {}) => ({ namespace: "multi", identifier: "user_1", limit: 100, duration: 3_600_000, ...o });

describe("ratelimit.multiLimit", () => {
  it("reports each check in order with its own remaining", async () => {
    const ws = await newWorkspace();
    const res = await call(
      "ratelimit.multiLimit",
      [item({ namespace: "a", cost: 1 }), item({ namespace: "b", limit: 50, cost: 3 }), item({ namespace: "c", limit: 200, cost: 10 })],
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.passed).toBe(true);
    expect(res.body.data.limits.map((l: any) => [l.namespace, l.remaining, l.passed])).toEqual([
      ["a", 99, true],
      ["b", 47, true],
      ["c", 190, true],
    ]);
    expect(res.body.data.limits[0]).toEqual({ namespace: "a", identifier: "user_1", limit: 100, remaining: 99, reset: expect.any(Number), passed: true });
  });

  it("charges nothing when one check fails: the fitting ones report as uncharged", async () => {
    const ws = await newWorkspace();
    const batch = [item({ identifier: "x" }), item({ identifier: "y", limit: 1 }), item({ identifier: "z", limit: 300 })];
    expect((await call("ratelimit.multiLimit", batch, ws.rootKey)).body.data.passed).toBe(true);
    const second = await call("ratelimit.multiLimit", batch, ws.rootKey);
    expect(second.body.data.passed).toBe(false);
    expect(second.body.data.limits.map((l: any) => [l.passed, l.remaining, l.limit])).toEqual([
      [true, 99, 100],
      [false, 0, 1],
      [true, 299, 300],
    ]);
    // nothing was taken by the failed batch
    const x = await call("ratelimit.limit", item({ identifier: "x" }), ws.rootKey);
    expect(x.body.data.remaining).toBe(98);
  });

  it("stays all-or-nothing under concurrency across namespaces", async () => {
    const ws = await newWorkspace();
    const batch = [item({ namespace: "wide", identifier: "u", limit: 1000 }), item({ namespace: "narrow", identifier: "u", limit: 5 })];
    await call("ratelimit.multiLimit", batch, ws.rootKey); // create both namespaces first
    const res = await Promise.all(Array.from({ length: 30 }, () => call("ratelimit.multiLimit", batch, ws.rootKey)));
    expect(res.every((r) => r.status === 200)).toBe(true);
    const passed = res.filter((r) => r.body.data.passed).length;
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThanOrEqual(4);
    // the wide limit was charged exactly once per passing batch (+1 for the first call)
    const wide = await call("ratelimit.limit", item({ namespace: "wide", identifier: "u", limit: 1000, cost: 0 }), ws.rootKey);
    expect(wide.body.data.remaining).toBe(1000 - 1 - passed);
  });

  it("creates every missing namespace in one go, or none without create_namespace", async () => {
    const ws = await newWorkspace();
    const limitOnly = await rootKeyWith(ws.rootKey, ["ratelimit.*.limit"]);
    const denied = await call("ratelimit.multiLimit", [item({ namespace: "n1" }), item({ namespace: "n2" })], limitOnly);
    expect(denied.status).toBe(403);
    const count = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM ratelimit_namespaces WHERE workspace_id = ?").bind(ws.workspaceId).first<{ n: number }>())!.n;
    expect(await count()).toBe(0);
    expect(
      (await call("ratelimit.multiLimit", [item({ namespace: "n1" }), item({ namespace: "n2" }), item({ namespace: "n1", identifier: "2" })], ws.rootKey))
        .status,
    ).toBe(200);
    expect(await count()).toBe(2);
  });

  it("needs the limit permission of every namespace involved, or ratelimit.*.limit", async () => {
    const ws = await newWorkspace();
    await call("ratelimit.multiLimit", [item({ namespace: "A" }), item({ namespace: "B" })], ws.rootKey);
    const ids = (
      await env.DB.prepare("SELECT id, name FROM ratelimit_namespaces WHERE workspace_id = ? ORDER BY name").bind(ws.workspaceId).all<{ id: string }>()
    ).results.map((r) => r.id);
    const onlyA = await rootKeyWith(ws.rootKey, [`ratelimit.${ids[0]}.limit`]);
    const res = await call("ratelimit.multiLimit", [item({ namespace: "A" }), item({ namespace: "B" })], onlyA);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    const both = await rootKeyWith(
      ws.rootKey,
      ids.map((id) => `ratelimit.${id}.limit`),
    );
    expect((await call("ratelimit.multiLimit", [item({ namespace: "A" }), item({ namespace: "B" })], both)).status).toBe(200);
  });

  it("answers 410 for the whole request when any namespace was deleted", async () => {
    const ws = await newWorkspace();
    await call("ratelimit.multiLimit", [item({ namespace: "keep" }), item({ namespace: "gone" })], ws.rootKey);
    expect((await call("ratelimit.deleteNamespace", { namespace: "gone" }, ws.rootKey)).status).toBe(200);
    const res = await call("ratelimit.multiLimit", [item({ namespace: "keep" }), item({ namespace: "gone" })], ws.rootKey);
    expect(res.status).toBe(410);
    expect(res.body.error!.type).toBe(errorType("unkey/data/ratelimit_namespace_gone"));
    // a deleted namespace next to a missing one: 410, and the missing one is not created
    const mixed = await call("ratelimit.multiLimit", [item({ namespace: "gone" }), item({ namespace: "brand_new" })], ws.rootKey);
    expect(mixed.status).toBe(410);
    const created = await env.DB.prepare("SELECT COUNT(*) AS n FROM ratelimit_namespaces WHERE workspace_id = ? AND name = 'brand_new'")
      .bind(ws.workspaceId)
      .first<{ n: number }>();
    expect(created!.n).toBe(0);
  });

  it("rejects an empty array, more than 100 items, an object body and unknown fields", async () => {
    const ws = await newWorkspace();
    for (const bad of [[], Array(101).fill(item()), item(), [item({ async: true })], [item({ cost: -1 })]]) {
      const res = await call("ratelimit.multiLimit", bad, ws.rootKey);
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
    }
  });
});
