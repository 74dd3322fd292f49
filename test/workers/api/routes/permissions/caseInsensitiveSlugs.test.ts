import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType } from "../../../../helpers/harness";
import { createKey, createPermission, createRole, rbacWorld } from "./fixtures";

const slugsOf = async (workspaceId: string) =>
  (await env.DB.prepare("SELECT slug FROM permissions WHERE workspace_id = ? ORDER BY slug").bind(workspaceId).all<{ slug: string }>()).results.map(
    (r) => r.slug,
  );

/** Permission slugs are one permission whatever their case, as in Unkey; the first stored spelling stays. */
describe("permission slugs are case-insensitive", () => {
  it("createRole reuses an existing permission spelled in another case and dedupes the request", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "documents.write");
    await createRole(w.root, "writer", ["DOCUMENTS.WRITE", "Documents.Write", "reports.READ", "reports.read"]);
    expect(await slugsOf(w.ws.workspaceId)).toEqual(["documents.write", "reports.READ"]);
    const role = await call("permissions.getRole", { role: "writer" }, w.root);
    expect(role.body.data.permissions.map((p: { slug: string }) => p.slug).sort()).toEqual(["documents.write", "reports.READ"]);
  });

  it("setRolePermissions matches existing slugs case-insensitively and writes one link each", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "Docs.Read");
    const roleId = await createRole(w.root, "reader");
    const res = await call("permissions.setRolePermissions", { roleId, permissions: ["docs.read", "DOCS.READ"] }, w.root);
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: { slug: string }) => p.slug)).toEqual(["Docs.Read"]);
    expect(await slugsOf(w.ws.workspaceId)).toEqual(["Docs.Read"]);
  });

  it("keys.addPermissions / setPermissions create nothing for another spelling of an existing slug", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "documents.write");
    const key = await createKey(w.root, w.apiId);
    const add = await call("keys.addPermissions", { keyId: key.keyId, permissions: ["DOCUMENTS.WRITE", "new.perm", "NEW.PERM"] }, w.root);
    expect(add.status).toBe(200);
    expect(await slugsOf(w.ws.workspaceId)).toEqual(["documents.write", "new.perm"]);
    const set = await call("keys.setPermissions", { keyId: key.keyId, permissions: ["Documents.Write"] }, w.root);
    expect(set.status).toBe(200);
    expect(set.body.data.map((p: { slug: string }) => p.slug)).toEqual(["documents.write"]);
  });

  it("createPermission refuses another spelling of an existing slug with 409", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "documents.write");
    const res = await call("permissions.createPermission", { name: "dup", slug: "DOCUMENTS.WRITE" }, w.root);
    expect(res.status).toBe(409);
    expect(res.body.error?.type).toBe(errorType("unkey/data/permission_already_exists"));
  });
});
