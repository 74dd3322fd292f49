import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("ratelimit.deleteNamespace (extension)", () => {
  it("after deletion, limit answers 410 by name and by id, and the name is not recreated", async () => {
    const ws = await newWorkspace();
    await call("ratelimit.limit", { namespace: "old", identifier: "u", limit: 5, duration: 1000 }, ws.rootKey);
    const id = (await env.DB.prepare("SELECT id FROM ratelimit_namespaces WHERE workspace_id = ?").bind(ws.workspaceId).first<{ id: string }>())!.id;
    const del = await call("ratelimit.deleteNamespace", { namespace: "old" }, ws.rootKey);
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual({});
    for (const namespace of ["old", id]) {
      const res = await call("ratelimit.limit", { namespace, identifier: "u", limit: 5, duration: 1000 }, ws.rootKey);
      expect(res.status).toBe(410);
      expect(res.body.error!.type).toBe(errorType("unkey/data/ratelimit_namespace_gone"));
      expect(res.body.error!.detail).toBe("This namespace has been deleted. Contact support to restore.");
    }
    const audit = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_logs WHERE workspace_id = ? AND event = 'ratelimitNamespace.delete'")
      .bind(ws.workspaceId)
      .first<{ n: number }>();
    expect(audit!.n).toBe(1);
    expect((await call("ratelimit.deleteNamespace", { namespace: "old" }, ws.rootKey)).status).toBe(404);
  });

  it("410 comes before the limit permission check", async () => {
    const ws = await newWorkspace();
    await call("ratelimit.limit", { namespace: "x", identifier: "u", limit: 5, duration: 1000 }, ws.rootKey);
    await call("ratelimit.deleteNamespace", { namespace: "x" }, ws.rootKey);
    const weak = await rootKeyWith(ws.rootKey, ["ratelimit.*.read_override"]);
    expect((await call("ratelimit.limit", { namespace: "x", identifier: "u", limit: 5, duration: 1000 }, weak)).status).toBe(410);
  });

  it("needs ratelimit.*.delete_namespace and answers 404 for unknown namespaces", async () => {
    const ws = await newWorkspace();
    await call("ratelimit.limit", { namespace: "keep", identifier: "u", limit: 5, duration: 1000 }, ws.rootKey);
    const weak = await rootKeyWith(ws.rootKey, ["ratelimit.*.limit"]);
    const res = await call("ratelimit.deleteNamespace", { namespace: "keep" }, weak);
    expect(res.status).toBe(403);
    expect((await call("ratelimit.deleteNamespace", { namespace: "nope" }, ws.rootKey)).status).toBe(404);
    const ok = await rootKeyWith(ws.rootKey, ["ratelimit.*.delete_namespace"]);
    expect((await call("ratelimit.deleteNamespace", { namespace: "keep" }, ok)).status).toBe(200);
  });
});
