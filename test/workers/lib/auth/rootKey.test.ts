import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, errorType, newWorkspace } from "../../../helpers/harness";

describe("root-key authentication (keys-and-apis §7.3)", () => {
  it("a missing Authorization header is 400 invalid_input with a fix", async () => {
    const res = await call("apis.createApi", { name: "abc" }, null);
    expect(res.status).toBe(400);
    expect(res.body.error?.type).toBe(errorType("unkey/application/invalid_input"));
    expect(res.body.error?.detail).toBe("Authorization header for 'bearer' scheme");
    expect(res.body.error?.errors?.[0]?.fix).toBeTruthy();
  });

  it("schema validation wins over a missing header", async () => {
    const res = await call("apis.createApi", { name: "a" }, null);
    expect(res.status).toBe(400);
    expect(res.body.error?.detail).toContain("failed to validate schema");
  });

  it("a header without the Bearer prefix is 400 malformed", async () => {
    const res = await call("apis.createApi", { name: "abc" }, null, { authorization: "Basic abc" });
    expect(res.status).toBe(400);
    expect(res.body.error?.type).toBe(errorType("unkey/authentication/malformed"));
  });

  it("an unknown root key is 401 key_not_found", async () => {
    const res = await call("apis.createApi", { name: "abc" }, "unkey_doesnotexist");
    expect(res.status).toBe(401);
    expect(res.body.error?.type).toBe(errorType("unkey/authentication/key_not_found"));
    expect(res.body.error?.detail).toBe("The provided root key is invalid. We could not find the requested key.");
  });

  it("ADMIN_KEY is not a root key", async () => {
    const res = await call("apis.createApi", { name: "abc" }, ADMIN_KEY);
    expect(res.status).toBe(401);
  });

  it("a root key is not the ADMIN_KEY", async () => {
    const ws = await newWorkspace();
    const res = await call("workspaces.createWorkspace", { name: "evil" }, ws.rootKey);
    expect(res.status).toBe(401);
    const upd = await call("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, enabled: false }, ws.rootKey);
    expect(upd.status).toBe(401);
  });

  it("a disabled workspace refuses its root keys with 403 workspace_disabled, and re-enabling restores them", async () => {
    const ws = await newWorkspace();
    expect((await call("apis.createApi", { name: "before" }, ws.rootKey)).status).toBe(200);
    expect((await call("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, enabled: false }, ADMIN_KEY)).status).toBe(200);
    const res = await call("apis.createApi", { name: "after" }, ws.rootKey);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ title: "Workspace is disabled", type: errorType("unkey/authorization/workspace_disabled") });
    await call("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, enabled: true }, ADMIN_KEY);
    expect((await call("apis.createApi", { name: "again" }, ws.rootKey)).status).toBe(200);
  });

  it("an expired root key is 403 forbidden; a disabled one 403 key_disabled", async () => {
    const ws = await newWorkspace();
    const expiring = await call("rootKeys.createRootKey", { name: "short", permissions: [], expires: Date.now() - 1000 }, ws.rootKey);
    const res = await call("apis.createApi", { name: "abc" }, expiring.body.data.key);
    expect(res.status).toBe(403);
    expect(res.body.error?.type).toBe(errorType("unkey/authorization/forbidden"));
    expect(res.body.error?.detail).toMatch(/^The provided root key is invalid\. the key has expired on /);

    const other = await call("rootKeys.createRootKey", { name: "off", permissions: [] }, ws.rootKey);
    await env.DB.prepare("UPDATE root_keys SET enabled = 0 WHERE id = ?").bind(other.body.data.keyId).run();
    const res2 = await call("apis.createApi", { name: "abc" }, other.body.data.key);
    expect(res2.status).toBe(403);
    expect(res2.body.error?.type).toBe(errorType("unkey/authorization/key_disabled"));
  });

  it("a deleted root key stops working immediately", async () => {
    const ws = await newWorkspace();
    const k = await call("rootKeys.createRootKey", { name: "temp", permissions: ["api.*.create_api"] }, ws.rootKey);
    expect((await call("apis.createApi", { name: "ok1" }, k.body.data.key)).status).toBe(200);
    expect((await call("rootKeys.deleteRootKey", { keyId: k.body.data.keyId }, ws.rootKey)).status).toBe(200);
    expect((await call("apis.createApi", { name: "ok2" }, k.body.data.key)).status).toBe(401);
  });
});
