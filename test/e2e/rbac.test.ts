import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Unkey } from "@unkey/api";
import { startApi, type TestServer } from "./helpers/server";

/**
 * Roles, permissions and permission queries through the official SDK (@unkey/api) against
 * `wrangler dev`: the SDK validates every response, so a shape we get wrong fails here.
 */
let server: TestServer;
let unkey: Unkey;

beforeAll(async () => {
  server = await startApi();
  const ws = await server.newWorkspace("rbac-sdk");
  unkey = new Unkey({ serverURL: server.url, rootKey: ws.rootKey });
});

afterAll(async () => {
  await server?.stop();
});

describe("@unkey/api: RBAC", () => {
  it("permissions and roles: create, read, list, replace, delete", async () => {
    const created = await unkey.permissions.createPermission({ name: "Read documents", slug: "documents.read", description: "read" });
    const permissionId = created.data.permissionId;
    expect(permissionId).toMatch(/^perm_/);
    const got = await unkey.permissions.getPermission({ permission: "documents.read" });
    expect(got.data).toEqual({ id: permissionId, name: "Read documents", slug: "documents.read", description: "read" });
    await expect(unkey.permissions.createPermission({ name: "dup", slug: "documents.read" })).rejects.toMatchObject({ statusCode: 409 });

    const role = await unkey.permissions.createRole({ name: "editor", description: "edits", permissions: ["documents.read", "documents.write"] });
    const roleId = role.data.roleId;
    const gotRole = await unkey.permissions.getRole({ role: "editor" });
    expect(gotRole.data.id).toBe(roleId);
    expect(gotRole.data.permissions?.map((p) => p.slug).sort()).toEqual(["documents.read", "documents.write"]);

    for (let i = 0; i < 3; i++) await unkey.permissions.createPermission({ name: `p${i}`, slug: `extra.${i}` });
    const firstPage = (await unkey.permissions.listPermissions({ limit: 2 })).result;
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.pagination.hasMore).toBe(true);
    const seen: string[] = [];
    for await (const page of await unkey.permissions.listPermissions({ limit: 2 })) {
      seen.push(...page.result.data.map((p) => p.slug));
    }
    expect(seen.sort()).toEqual(["documents.read", "documents.write", "extra.0", "extra.1", "extra.2"]);

    const roles = (await unkey.permissions.listRoles({ search: "EDIT" })).result;
    expect(roles.data.map((r) => r.name)).toEqual(["editor"]);

    const replaced = await unkey.permissions.setRolePermissions({ roleId, permissions: ["documents.read", "documents.archive"] });
    expect(replaced.data.map((p) => p.slug).sort()).toEqual(["documents.archive", "documents.read"]);

    await unkey.permissions.deletePermission({ permission: permissionId });
    await expect(unkey.permissions.getPermission({ permission: permissionId })).rejects.toMatchObject({ statusCode: 404 });
    await unkey.permissions.deleteRole({ role: roleId });
    await expect(unkey.permissions.getRole({ role: roleId })).rejects.toMatchObject({ statusCode: 404 });
  });

  it("key assignments and permission queries in verifyKey", async () => {
    const api = await unkey.apis.createApi({ name: "rbac-e2e" });
    await unkey.permissions.createRole({ name: "billing", permissions: ["invoices.read", "invoices.export"] });
    const { keyId, key } = (await unkey.keys.createKey({ apiId: api.data.apiId })).data;

    const added = await unkey.keys.addPermissions({ keyId, permissions: ["reports.read", "reports.write"] });
    expect(added.data.map((p) => p.slug).sort()).toEqual(["reports.read", "reports.write"]);
    const roles = await unkey.keys.addRoles({ keyId, roles: ["billing"] });
    expect(roles.data[0]).toMatchObject({ name: "billing" });
    expect(roles.data[0]!.permissions?.length).toBe(2);

    const ok = await unkey.keys.verifyKey({ key, permissions: "reports.read AND (invoices.export OR admin)" });
    expect(ok.data).toMatchObject({ valid: true, code: "VALID", roles: ["billing"] });
    expect(ok.data.permissions).toEqual(["invoices.export", "invoices.read", "reports.read", "reports.write"]);

    const removed = await unkey.keys.removePermissions({ keyId, permissions: ["reports.read"] });
    expect(removed.data.map((p) => p.slug)).toEqual(["reports.write"]);
    const denied = await unkey.keys.verifyKey({ key, permissions: "reports.read" });
    expect(denied.data).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });

    const set = await unkey.keys.setPermissions({ keyId, permissions: [] });
    expect(set.data).toEqual([]);
    await unkey.keys.removeRoles({ keyId, roles: ["billing"] });
    const cleared = await unkey.keys.setRoles({ keyId, roles: [] });
    expect(cleared.data).toEqual([]);
    const none = await unkey.keys.verifyKey({ key, permissions: "invoices.read" });
    expect(none.data.code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(none.data.permissions).toBeUndefined();

    await expect(unkey.keys.verifyKey({ key, permissions: "(invoices.read" })).rejects.toMatchObject({
      statusCode: 400,
      error: { type: "https://unkey.com/docs/errors/user/bad_request/permissions_query_syntax_error" },
    });
    await expect(unkey.keys.addRoles({ keyId, roles: ["nope"] })).rejects.toMatchObject({ statusCode: 404 });
  });
});
