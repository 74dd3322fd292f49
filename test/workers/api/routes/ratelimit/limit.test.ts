import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

const body = (o: Record<string, unknown> = {}) => ({ namespace: "api.requests", identifier: "user_1", limit: 100, duration: 3_600_000, ...o });

describe("ratelimit.limit", () => {
  it("counts tokens: limit 100 leaves 99, cost 5 leaves 94", async () => {
    const ws = await newWorkspace();
    const a = await call("ratelimit.limit", body(), ws.rootKey);
    expect(a.status).toBe(200);
    expect(a.body.data).toMatchObject({ success: true, limit: 100, remaining: 99 });
    expect(a.body.data.overrideId).toBeUndefined();
    expect(a.body.data.reset % 3_600_000).toBe(0);
    expect(a.body.data.reset).toBeGreaterThan(Date.now());
    const b = await call("ratelimit.limit", body({ cost: 5 }), ws.rootKey);
    expect(b.body.data.remaining).toBe(94);
  });

  it("answers 200 with success false once the limit is reached, and a denial consumes nothing", async () => {
    const ws = await newWorkspace();
    expect((await call("ratelimit.limit", body({ limit: 1 }), ws.rootKey)).body.data).toMatchObject({ success: true, remaining: 0 });
    const denied = await call("ratelimit.limit", body({ limit: 1 }), ws.rootKey);
    expect(denied.status).toBe(200);
    expect(denied.body.data).toMatchObject({ success: false, remaining: 0, limit: 1 });
    expect((await call("ratelimit.limit", body({ limit: 2 }), ws.rootKey)).body.data).toMatchObject({ success: true, remaining: 0 });
  });

  it("cost 0 checks without spending; on a full bucket it still succeeds with 0 left", async () => {
    const ws = await newWorkspace();
    await call("ratelimit.limit", body({ limit: 3, cost: 3 }), ws.rootKey);
    expect((await call("ratelimit.limit", body({ limit: 3, cost: 0 }), ws.rootKey)).body.data).toMatchObject({ success: true, remaining: 0 });
  });

  it("passes exactly `limit` of many concurrent requests", async () => {
    const ws = await newWorkspace();
    const res = await Promise.all(Array.from({ length: 40 }, () => call("ratelimit.limit", body({ limit: 15, identifier: "burst" }), ws.rootKey)));
    expect(res.every((r) => r.status === 200)).toBe(true);
    expect(res.filter((r) => r.body.data.success)).toHaveLength(15);
  });

  it("creates a missing namespace named after the string sent, once, even under concurrency", async () => {
    const ws = await newWorkspace();
    const res = await Promise.all(Array.from({ length: 8 }, () => call("ratelimit.limit", body({ namespace: "fresh ns ✓" }), ws.rootKey)));
    expect(res.map((r) => r.status)).toEqual(Array(8).fill(200));
    const rows = await env.DB.prepare("SELECT id, name FROM ratelimit_namespaces WHERE workspace_id = ?").bind(ws.workspaceId).all();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({ name: "fresh ns ✓" });
    const audits = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_logs WHERE workspace_id = ? AND event = 'ratelimitNamespace.create'")
      .bind(ws.workspaceId)
      .first<{ n: number }>();
    expect(audits!.n).toBe(1);
    // the id works as well as the name and shares the counters
    const id = rows.results[0]!.id as string;
    expect((await call("ratelimit.limit", body({ namespace: id }), ws.rootKey)).body.data.remaining).toBe(91);
  });

  it("refuses to create a namespace without ratelimit.*.create_namespace, and creates nothing", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, ["ratelimit.*.limit"]);
    const res = await call("ratelimit.limit", body({ namespace: "nope" }), key);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    expect(res.body.error!.detail).toContain("create_namespace");
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM ratelimit_namespaces WHERE workspace_id = ?").bind(ws.workspaceId).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("may create a namespace but not use it: refused before anything is written", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, ["ratelimit.*.create_namespace"]);
    const res = await call("ratelimit.limit", body({ namespace: "half" }), key);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: ratelimit.*.limit");
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM ratelimit_namespaces WHERE workspace_id = ?").bind(ws.workspaceId).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("needs ratelimit.*.limit or the namespace's own limit permission", async () => {
    const ws = await newWorkspace();
    await call("ratelimit.limit", body(), ws.rootKey);
    const nsId = (await env.DB.prepare("SELECT id FROM ratelimit_namespaces WHERE workspace_id = ?").bind(ws.workspaceId).first<{ id: string }>())!.id;
    const none = await rootKeyWith(ws.rootKey, ["ratelimit.*.read_override"]);
    const denied = await call("ratelimit.limit", body(), none);
    expect(denied.status).toBe(403);
    expect(denied.body.error!.detail).toBe(`Missing one of these permissions: ratelimit.${nsId}.limit or ratelimit.*.limit`);
    const scoped = await rootKeyWith(ws.rootKey, [`ratelimit.${nsId}.limit`]);
    expect((await call("ratelimit.limit", body(), scoped)).status).toBe(200);
  });

  it("keeps workspaces apart: the same namespace name in another workspace is another namespace", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    await call("ratelimit.limit", body({ limit: 1 }), a.rootKey);
    expect((await call("ratelimit.limit", body({ limit: 1 }), b.rootKey)).body.data.success).toBe(true);
  });

  it("rejects bad bodies with 400 invalid_input", async () => {
    const ws = await newWorkspace();
    for (const bad of [
      body({ cost: -1 }),
      body({ limit: 0 }),
      body({ duration: 999 }),
      body({ duration: 2_592_000_001 }),
      body({ identifier: "" }),
      body({ namespace: "x".repeat(513) }),
      body({ async: true }),
      { identifier: "a", limit: 1, duration: 1000 },
      body({ limit: 1.5 }),
    ]) {
      const res = await call("ratelimit.limit", bad, ws.rootKey);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
    }
  });

  it("asks for a root key", async () => {
    expect((await call("ratelimit.limit", body(), null)).status).toBe(400);
    expect((await call("ratelimit.limit", body(), "unkey_doesnotexist")).status).toBe(401);
  });
});
