import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, newApi, newWorkspace } from "../../../helpers/harness";

type Row = { namespace_id: string; identifier: string; passed: number; cost: number; max_requests: number; remaining: number; override_id: string };

/** Events travel through the analytics Queue; wait (bounded) until `n` rows of the workspace arrived. */
async function ratelimitRows(workspaceId: string, n: number): Promise<Row[]> {
  const deadline = Date.now() + 20_000;
  let rows: Row[] = [];
  while (Date.now() < deadline) {
    rows = (await env.ANALYTICS_DB.prepare("SELECT * FROM ratelimits_v1 WHERE workspace_id = ? ORDER BY time, remaining DESC").bind(workspaceId).all<Row>())
      .results;
    if (rows.length >= n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return rows;
}

describe("rate-limit events", () => {
  it("every ratelimit.limit and multiLimit decision produces one event", async () => {
    const ws = await newWorkspace();
    const body = { namespace: "events", identifier: "u", limit: 1, duration: 3_600_000 };
    await call("ratelimit.limit", body, ws.rootKey);
    await call("ratelimit.limit", body, ws.rootKey);
    await call(
      "ratelimit.multiLimit",
      [
        { ...body, identifier: "m1" },
        { ...body, identifier: "m2", cost: 0 },
      ],
      ws.rootKey,
    );
    const rows = await ratelimitRows(ws.workspaceId, 4);
    expect(rows).toHaveLength(4);
    const byId = (id: string) => rows.filter((r) => r.identifier === id);
    expect(
      byId("u")
        .map((r) => r.passed)
        .sort(),
    ).toEqual([0, 1]);
    expect(byId("m1")[0]).toMatchObject({ passed: 1, cost: 1, max_requests: 1 });
    expect(byId("m2")[0]).toMatchObject({ passed: 1, cost: 0 });
    expect(rows.every((r) => r.namespace_id.startsWith("rlns_"))).toBe(true);
  });

  it("verifyKey records one event per limit it evaluated", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const key = (await call("keys.createKey", { apiId, ratelimits: [{ name: "auto", limit: 5, duration: 3_600_000, autoApply: true }] }, ws.rootKey)).body.data;
    await call("keys.verifyKey", { key: key.key, ratelimits: [{ name: "adhoc", limit: 3, duration: 3_600_000 }] }, ws.rootKey);
    const rows = await ratelimitRows(ws.workspaceId, 2);
    expect(rows.map((r) => r.identifier)).toEqual([key.keyId, key.keyId]);
    expect(rows.map((r) => r.max_requests).sort()).toEqual([3, 5]);
  });
});
