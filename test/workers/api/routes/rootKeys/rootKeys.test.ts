import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("rootKeys.createRootKey", () => {
  it("mints a key holding exactly the given permissions, stored as given", async () => {
    const ws = await newWorkspace();
    const res = await call("rootKeys.createRootKey", { name: "ci", permissions: ["api.*.create_api", "api.*.create_api", "*"] }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.key).toMatch(/^unkey_/);
    const row = await env.DB.prepare("SELECT permissions, full_access FROM root_keys WHERE id = ?").bind(res.body.data.keyId).first<any>();
    expect(JSON.parse(row.permissions)).toEqual(["api.*.create_api", "*"]);
    expect(row.full_access).toBe(0);
    // a bare * grants nothing
    expect((await call("apis.getApi", { apiId: "api_12345678" }, res.body.data.key)).status).toBe(403);
    expect((await call("apis.createApi", { name: "ok!" }, res.body.data.key)).status).toBe(200);
  });

  it("accepts an empty permission list (a key that can do nothing)", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, []);
    const res = await call("apis.createApi", { name: "abc" }, key);
    expect(res.status).toBe(403);
    expect(res.body.error?.detail).toBe("Missing permission: 'api.*.create_api'");
  });

  it("rejects empty and overlong permission strings", async () => {
    const ws = await newWorkspace();
    expect((await call("rootKeys.createRootKey", { name: "x", permissions: [""] }, ws.rootKey)).status).toBe(400);
    expect((await call("rootKeys.createRootKey", { name: "x", permissions: ["a".repeat(513)] }, ws.rootKey)).status).toBe(400);
  });

  it("needs workspace.*.create_root_key", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, ["api.*.create_api"]);
    const res = await call("rootKeys.createRootKey", { name: "x", permissions: [] }, key);
    expect(res.status).toBe(403);
    expect(res.body.error?.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
  });

  it("cannot escalate: a scoped key cannot mint permissions it lacks", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, ["workspace.*.create_root_key", "api.api_1.read_api"]);
    for (const permissions of [["api.*.read_api"], ["api.*.create_api"], ["workspace.*.delete_root_key"]]) {
      const res = await call("rootKeys.createRootKey", { name: "x", permissions }, key);
      expect(res.status).toBe(403);
    }
    const ok = await call("rootKeys.createRootKey", { name: "x", permissions: ["api.api_1.read_api", "workspace.*.create_root_key"] }, key);
    expect(ok.status).toBe(200);
  });
});

describe("rootKeys.listRootKeys", () => {
  it("lists keys without secrets, paginated", async () => {
    const ws = await newWorkspace();
    for (let i = 0; i < 3; i++) await rootKeyWith(ws.rootKey, [`api.*.read_api`]);
    const first = await call("rootKeys.listRootKeys", { limit: 2 }, ws.rootKey);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.pagination).toMatchObject({ hasMore: true });
    const second = await call("rootKeys.listRootKeys", { limit: 2, cursor: first.body.pagination!.cursor }, ws.rootKey);
    expect(second.body.data).toHaveLength(2);
    expect(second.body.pagination).toEqual({ hasMore: false });
    const all = [...first.body.data, ...second.body.data];
    expect(new Set(all.map((k: any) => k.keyId)).size).toBe(4);
    expect(JSON.stringify(all)).not.toMatch(/unkey_[A-Za-z0-9]{10,}/);
    expect(all.some((k: any) => k.fullAccess)).toBe(true);
  });

  it("needs workspace.*.read_root_key and only shows its own workspace", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const scoped = await rootKeyWith(a.rootKey, []);
    expect((await call("rootKeys.listRootKeys", {}, scoped)).status).toBe(403);
    const listB = await call("rootKeys.listRootKeys", {}, b.rootKey);
    expect(listB.body.data.map((k: any) => k.keyId)).toEqual([b.rootKeyId]);
  });
});

describe("rootKeys.deleteRootKey", () => {
  it("404s for another workspace's root key", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const res = await call("rootKeys.deleteRootKey", { keyId: b.rootKeyId }, a.rootKey);
    expect(res.status).toBe(404);
    expect((await call("rootKeys.listRootKeys", {}, b.rootKey)).status).toBe(200);
  });

  it("needs workspace.*.delete_root_key", async () => {
    const ws = await newWorkspace();
    const key = await rootKeyWith(ws.rootKey, ["workspace.*.read_root_key"]);
    expect((await call("rootKeys.deleteRootKey", { keyId: ws.rootKeyId }, key)).status).toBe(403);
  });
});

describe("rootKeys.whoami", () => {
  it("tells any valid root key, even one without permissions, its id, workspace and permissions", async () => {
    const ws = await newWorkspace("acme production");
    const scoped = await call("rootKeys.createRootKey", { name: "ci", permissions: ["api.*.read_api", "api.*.create_key"] }, ws.rootKey);
    const res = await call("rootKeys.whoami", {}, scoped.body.data.key);
    expect(res.status).toBe(200);
    expect(res.body.meta.requestId).toMatch(/^req_/);
    expect(res.body.data).toEqual({
      keyId: scoped.body.data.keyId,
      name: "ci",
      workspaceId: ws.workspaceId,
      workspaceName: "acme production",
      fullAccess: false,
      permissions: ["api.*.create_key", "api.*.read_api"],
    });
    const empty = await call("rootKeys.whoami", {}, await rootKeyWith(ws.rootKey, []));
    expect(empty.status).toBe(200);
    expect(empty.body.data.permissions).toEqual([]);
    const first = await call("rootKeys.whoami", {}, ws.rootKey);
    expect(first.body.data).toMatchObject({ keyId: ws.rootKeyId, workspaceId: ws.workspaceId, fullAccess: true });
  });

  it("refuses unknown, revoked and missing keys with the usual auth errors", async () => {
    const ws = await newWorkspace();
    expect((await call("rootKeys.whoami", {}, "unkey_notarealkey0000000")).status).toBe(401);
    const minted = await call("rootKeys.createRootKey", { name: "gone", permissions: [] }, ws.rootKey);
    await call("rootKeys.deleteRootKey", { keyId: minted.body.data.keyId }, ws.rootKey);
    expect((await call("rootKeys.whoami", {}, minted.body.data.key)).status).toBe(401);
    expect((await call("rootKeys.whoami", {}, null)).status).toBe(400);
    expect((await call("rootKeys.whoami", { extra: 1 }, ws.rootKey)).status).toBe(400);
  });

  it("is listed in /openapi.json", async () => {
    const doc = (await (await SELF.fetch("http://api.test/openapi.json")).json()) as any;
    expect(doc.paths["/v2/rootKeys.whoami"].post.operationId).toBe("rootKeys.whoami");
  });
});
