import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, errorType } from "../../../../helpers/harness";

describe("workspaces.createWorkspace (operator)", () => {
  it("creates a workspace with a full-access root key and audits it", async () => {
    const res = await call("workspaces.createWorkspace", { name: "acme" }, ADMIN_KEY);
    expect(res.status).toBe(200);
    expect(res.body.data.workspaceId).toMatch(/^ws_/);
    expect(res.body.data.rootKey).toMatch(/^unkey_/);
    const row = await env.DB.prepare("SELECT full_access, permissions, hash FROM root_keys WHERE id = ?").bind(res.body.data.rootKeyId).first<any>();
    expect(row.full_access).toBe(1);
    expect(row.hash).not.toContain(res.body.data.rootKey);
    const events = await env.DB.prepare("SELECT event FROM audit_logs WHERE workspace_id = ? ORDER BY event").bind(res.body.data.workspaceId).all<any>();
    expect(events.results.map((r) => r.event)).toEqual(["rootKey.create", "workspace.create"]);
  });

  it("the first root key passes permission checks of later features", async () => {
    const ws = (await call("workspaces.createWorkspace", { name: "acme" }, ADMIN_KEY)).body.data;
    expect((await call("rootKeys.listRootKeys", {}, ws.rootKey)).status).toBe(200);
  });

  it("a wrong ADMIN_KEY is 401", async () => {
    const res = await call("workspaces.createWorkspace", { name: "acme" }, "wrong");
    expect(res.status).toBe(401);
  });

  it("validates the name", async () => {
    const res = await call("workspaces.createWorkspace", {}, ADMIN_KEY);
    expect(res.status).toBe(400);
  });
});

describe("workspaces.updateWorkspace (operator)", () => {
  it("404s for an unknown workspace", async () => {
    const res = await call("workspaces.updateWorkspace", { workspaceId: "ws_nope", enabled: false }, ADMIN_KEY);
    expect(res.status).toBe(404);
    expect(res.body.error?.type).toBe(errorType("unkey/data/workspace_not_found"));
  });

  it("apiRateLimitPerMinute 0 rejects every authenticated request with 429, null lifts it", async () => {
    const ws = (await call("workspaces.createWorkspace", { name: "acme" }, ADMIN_KEY)).body.data;
    await call("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, apiRateLimitPerMinute: 0 }, ADMIN_KEY);
    const res = await call("apis.createApi", { name: "abc" }, ws.rootKey);
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({
      type: errorType("user/too_many_requests/workspace_rate_limited"),
      detail: "This workspace has exceeded its API rate limit of 0/1m0s. Please try again later.",
    });
    await call("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, apiRateLimitPerMinute: null }, ADMIN_KEY);
    const ok = await call("apis.createApi", { name: "abc" }, ws.rootKey);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("RateLimit-Limit")).toBeNull();
  });
});
