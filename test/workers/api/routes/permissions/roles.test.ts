import { describe, expect, it } from "vitest";
import { call } from "../../../../helpers/harness";
import { auditEvents, count, createKey, createPermission, createRole, rbacWorld, TYPE, verify } from "./fixtures";

const slugsOf = (perms: { slug: string }[] | undefined) => (perms ?? []).map((p) => p.slug).sort();

describe("permissions.createRole", () => {
  it("creates a role without permissions and records role.create", async () => {
    const w = await rbacWorld();
    const res = await call("permissions.createRole", { name: "support", description: "Helps customers" }, w.root);
    expect(res.status).toBe(200);
    const roleId = res.body.data.roleId;
    expect(roleId).toMatch(/^role_[a-zA-Z0-9]+$/);
    const got = await call("permissions.getRole", { role: roleId }, w.root);
    expect(got.body.data).toEqual({ id: roleId, name: "support", description: "Helps customers" });
    const events = await auditEvents(w.ws.workspaceId, "role.create");
    expect(events.map((e) => e.targets)).toEqual([[{ type: "role", id: roleId, name: "support" }]]);
  });

  it("reuses existing permissions and creates missing ones with the slug as name", async () => {
    const w = await rbacWorld();
    const existing = await createPermission(w.root, "docs.read", { name: "Read docs" });
    const roleId = await createRole(w.root, "editor", ["docs.read", "docs.write", "docs.write"]);
    const role = (await call("permissions.getRole", { role: roleId }, w.root)).body.data;
    expect(slugsOf(role.permissions)).toEqual(["docs.read", "docs.write"]);
    expect(role.permissions.find((p: { slug: string }) => p.slug === "docs.read").id).toBe(existing);
    const created = role.permissions.find((p: { slug: string }) => p.slug === "docs.write");
    expect(created).toMatchObject({ name: "docs.write", slug: "docs.write" });
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(2);
    expect((await auditEvents(w.ws.workspaceId, "permission.create")).length).toBe(2);
    const links = await auditEvents(w.ws.workspaceId, "authorization.connect_role_and_permission");
    expect(links.map((e) => e.targets[1]!.name).sort()).toEqual(["docs.read", "docs.write"]);
  });

  it("does not reuse a permission of another workspace", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    const foreign = await createPermission(a.root, "shared");
    const roleId = await createRole(b.root, "r", ["shared"]);
    const role = (await call("permissions.getRole", { role: roleId }, b.root)).body.data;
    expect(role.permissions[0].id).not.toBe(foreign);
  });

  it("refuses a taken name with 409, writing nothing", async () => {
    const w = await rbacWorld();
    await createRole(w.root, "admin");
    const res = await call("permissions.createRole", { name: "admin", permissions: ["new.perm"] }, w.root);
    expect(res.status).toBe(409);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/role_already_exists"));
    expect(res.body.error!.detail).toBe("A role with name 'admin' already exists in this workspace");
    expect(await count("SELECT count(*) AS n FROM roles WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(0);
  });

  it("lets concurrent creates of one name produce exactly one role", async () => {
    const w = await rbacWorld();
    const results = await Promise.all(Array.from({ length: 4 }, () => call("permissions.createRole", { name: "racer", permissions: ["race.perm"] }, w.root)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect(await count("SELECT count(*) AS n FROM roles WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
    expect(await auditEvents(w.ws.workspaceId, "role.create")).toHaveLength(1);
  });

  it("allows the same name in another workspace", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    await createRole(a.root, "admin");
    expect((await call("permissions.createRole", { name: "admin" }, b.root)).status).toBe(200);
  });

  it("needs rbac.*.create_role", async () => {
    const w = await rbacWorld();
    const weak = await w.scoped(["rbac.*.read_role"]);
    const res = await call("permissions.createRole", { name: "x" }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.create_role");
  });

  it("also needs rbac.*.add_permission_to_role when permissions are given", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "p");
    const weak = await w.scoped(["rbac.*.create_role"]);
    expect((await call("permissions.createRole", { name: "bare" }, weak)).status).toBe(200);
    expect((await call("permissions.createRole", { name: "empty", permissions: [] }, weak)).status).toBe(200);
    const res = await call("permissions.createRole", { name: "x", permissions: ["p"] }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.add_permission_to_role");
  });

  it("also needs rbac.*.create_permission when a permission is missing, and then writes nothing", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "exists");
    const key = await w.scoped(["rbac.*.create_role", "rbac.*.add_permission_to_role"]);
    expect((await call("permissions.createRole", { name: "ok", permissions: ["exists"] }, key)).status).toBe(200);
    const res = await call("permissions.createRole", { name: "nope", permissions: ["exists", "missing"] }, key);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.create_permission");
    expect((await call("permissions.getRole", { role: "nope" }, w.root)).status).toBe(404);
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["an empty name", { name: "" }],
    ["a name over 128 characters", { name: "r".repeat(129) }],
    ["a description over 512 characters", { name: "r", description: "d".repeat(513) }],
    ["a permission slug with spaces", { name: "r", permissions: ["bad slug"] }],
    ["an unknown field", { name: "r", color: "red" }],
  ];
  for (const [what, body] of invalid) {
    it(`rejects ${what} with 400`, async () => {
      const w = await rbacWorld();
      const res = await call("permissions.createRole", body, w.root);
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(TYPE("unkey/application/invalid_input"));
    });
  }

  it("accepts names with spaces and punctuation", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "Billing Manager (EU)");
    expect((await call("permissions.getRole", { role: "Billing Manager (EU)" }, w.root)).body.data.id).toBe(roleId);
  });
});

describe("permissions.getRole", () => {
  it("finds a role by id or by name, with its permissions", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "reader", ["a.read", "b.read"]);
    for (const role of [roleId, "reader"]) {
      const res = await call("permissions.getRole", { role }, w.root);
      expect(res.status).toBe(200);
      expect(res.body.data.id).toBe(roleId);
      expect(slugsOf(res.body.data.permissions)).toEqual(["a.read", "b.read"]);
    }
  });

  it("answers 404 role_not_found for unknown roles and other workspaces' roles", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    const roleId = await createRole(a.root, "private");
    for (const [role, root] of [
      ["ghost", a.root],
      [roleId, b.root],
      ["private", b.root],
    ] as const) {
      const res = await call("permissions.getRole", { role }, root);
      expect(res.status).toBe(404);
      expect(res.body.error!.type).toBe(TYPE("unkey/data/role_not_found"));
      expect(res.body.error!.detail).toBe("The requested role does not exist.");
    }
  });

  it("needs rbac.*.read_role", async () => {
    const w = await rbacWorld();
    const weak = await w.scoped(["rbac.*.read_permission"]);
    const res = await call("permissions.getRole", { role: "x" }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.read_role");
  });
});

describe("permissions.listRoles", () => {
  it("pages through roles in id order, each with its permissions", async () => {
    const w = await rbacWorld();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createRole(w.root, `role-${i}`, i % 2 ? [`perm.${i}`] : undefined));
    ids.sort();
    const seen: { id: string; permissions?: { slug: string }[] }[] = [];
    let cursor: string | undefined;
    do {
      const res = await call("permissions.listRoles", cursor ? { limit: 2, cursor } : { limit: 2 }, w.root);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data);
      cursor = res.body.pagination!.hasMore ? res.body.pagination!.cursor : undefined;
    } while (cursor);
    expect(seen.map((r) => r.id)).toEqual(ids);
    expect(seen.filter((r) => r.permissions).length).toBe(2);
  });

  it("searches id, name and description without regard to case", async () => {
    const w = await rbacWorld();
    const a = await createRole(w.root, "Admin");
    const b = await createRole(w.root, "support", undefined, "Customer ADMINISTRATION tasks");
    await createRole(w.root, "viewer", ["admin.perm"]);
    const res = await call("permissions.listRoles", { search: "admin" }, w.root);
    expect(res.body.data.map((r: { id: string }) => r.id).sort()).toEqual([a, b].sort());
  });

  it("lists only the caller's workspace", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    await createRole(a.root, "theirs");
    expect((await call("permissions.listRoles", {}, b.root)).body.data).toEqual([]);
  });

  it("needs rbac.*.read_role and rejects bad limits", async () => {
    const w = await rbacWorld();
    const weak = await w.scoped(["rbac.*.read_permission"]);
    expect((await call("permissions.listRoles", {}, weak)).status).toBe(403);
    expect((await call("permissions.listRoles", { limit: 0 }, w.root)).status).toBe(400);
    expect((await call("permissions.listRoles", { limit: 101 }, w.root)).status).toBe(400);
  });
});

describe("permissions.deleteRole", () => {
  it("deletes a role by id or name, unlinking it from keys and permissions but keeping the permissions", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "temp", ["kept.perm"]);
    await createRole(w.root, "other");
    const key = await createKey(w.root, w.apiId, { roles: ["temp", "other"] });
    expect((await call("permissions.deleteRole", { role: "temp" }, w.root)).body.data).toEqual({});
    expect(await count("SELECT count(*) AS n FROM keys_roles WHERE role_id = ?", roleId)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM roles_permissions WHERE role_id = ?", roleId)).toBe(0);
    expect((await call("permissions.getPermission", { permission: "kept.perm" }, w.root)).status).toBe(200);
    const got = await call("keys.getKey", { keyId: key.keyId }, w.root);
    expect(got.body.data.roles).toEqual(["other"]);
    expect(got.body.data.permissions).toBeUndefined();
    const events = await auditEvents(w.ws.workspaceId, "role.delete");
    expect(events.map((e) => e.targets)).toEqual([[{ type: "role", id: roleId, name: "temp" }]]);
    const byId = await createRole(w.root, "by-id");
    expect((await call("permissions.deleteRole", { role: byId }, w.root)).status).toBe(200);
  });

  it("makes verification stop granting the role's permissions at once", async () => {
    const w = await rbacWorld();
    await createRole(w.root, "writer", ["docs.write"]);
    const key = await createKey(w.root, w.apiId, { roles: ["writer"] });
    expect((await verify(w.root, key.key, "docs.write")).body.data.valid).toBe(true);
    expect((await call("permissions.deleteRole", { role: "writer" }, w.root)).status).toBe(200);
    const after = await verify(w.root, key.key, "docs.write");
    expect(after.body.data).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    expect(after.body.data.roles).toBeUndefined();
  });

  it("answers 404 for unknown roles and other workspaces' roles", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    const roleId = await createRole(a.root, "mine");
    expect((await call("permissions.deleteRole", { role: roleId }, b.root)).status).toBe(404);
    expect((await call("permissions.deleteRole", { role: "ghost" }, a.root)).body.error!.type).toBe(TYPE("unkey/data/role_not_found"));
    expect((await call("permissions.getRole", { role: roleId }, a.root)).status).toBe(200);
  });

  it("needs rbac.*.delete_role", async () => {
    const w = await rbacWorld();
    await createRole(w.root, "x");
    const weak = await w.scoped(["rbac.*.read_role", "rbac.*.create_role"]);
    const res = await call("permissions.deleteRole", { role: "x" }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.delete_role");
  });
});

describe("permissions.setRolePermissions", () => {
  it("replaces the role's permissions and returns the new set", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "r", ["a", "b"]);
    const res = await call("permissions.setRolePermissions", { roleId, permissions: ["b", "c"] }, w.root);
    expect(res.status).toBe(200);
    expect(slugsOf(res.body.data)).toEqual(["b", "c"]);
    expect(res.body.data.find((p: { slug: string }) => p.slug === "c")).toMatchObject({ name: "c" });
    expect(slugsOf((await call("permissions.getRole", { role: roleId }, w.root)).body.data.permissions)).toEqual(["b", "c"]);
    expect((await call("permissions.getPermission", { permission: "a" }, w.root)).status).toBe(200);
    const connected = await auditEvents(w.ws.workspaceId, "authorization.connect_role_and_permission");
    expect(connected.map((e) => e.targets[1]!.name).sort()).toEqual(["a", "b", "c"]);
    const disconnected = await auditEvents(w.ws.workspaceId, "authorization.disconnect_role_and_permissions");
    expect(disconnected.map((e) => e.targets[1]!.name)).toEqual(["a"]);
  });

  it("clears the role with an empty list", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "r", ["a", "b"]);
    const res = await call("permissions.setRolePermissions", { roleId, permissions: [] }, w.root);
    expect(res.body.data).toEqual([]);
    expect((await call("permissions.getRole", { role: roleId }, w.root)).body.data.permissions).toBeUndefined();
  });

  it("is seen by the next verification of every key holding the role", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "r", ["old.perm"]);
    const k1 = await createKey(w.root, w.apiId, { roles: ["r"] });
    const k2 = await createKey(w.root, w.apiId, { roles: ["r"] });
    for (const k of [k1, k2]) expect((await verify(w.root, k.key, "old.perm")).body.data.valid).toBe(true);
    await call("permissions.setRolePermissions", { roleId, permissions: ["new.perm"] }, w.root);
    for (const k of [k1, k2]) {
      expect((await verify(w.root, k.key, "old.perm")).body.data.code).toBe("INSUFFICIENT_PERMISSIONS");
      const ok = await verify(w.root, k.key, "new.perm");
      expect(ok.body.data).toMatchObject({ valid: true, permissions: ["new.perm"], roles: ["r"] });
    }
  });

  it("needs both add_permission_to_role and remove_permission_from_role", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "r");
    const addOnly = await w.scoped(["rbac.*.add_permission_to_role"]);
    const removeOnly = await w.scoped(["rbac.*.remove_permission_from_role"]);
    const r1 = await call("permissions.setRolePermissions", { roleId, permissions: [] }, addOnly);
    expect(r1.status).toBe(403);
    expect(r1.body.error!.detail).toBe("Missing permission: 'rbac.*.remove_permission_from_role'");
    const r2 = await call("permissions.setRolePermissions", { roleId, permissions: [] }, removeOnly);
    expect(r2.body.error!.detail).toBe("Missing permission: 'rbac.*.add_permission_to_role'");
  });

  it("needs create_permission for missing slugs and then changes nothing", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "exists");
    const roleId = await createRole(w.root, "r", ["exists"]);
    const key = await w.scoped(["rbac.*.add_permission_to_role", "rbac.*.remove_permission_from_role"]);
    const res = await call("permissions.setRolePermissions", { roleId, permissions: ["brand.new"] }, key);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.create_permission");
    expect(slugsOf((await call("permissions.getRole", { role: roleId }, w.root)).body.data.permissions)).toEqual(["exists"]);
    const withCreate = await w.scoped(["rbac.*.add_permission_to_role", "rbac.*.remove_permission_from_role", "rbac.*.create_permission"]);
    expect((await call("permissions.setRolePermissions", { roleId, permissions: ["brand.new"] }, withCreate)).status).toBe(200);
  });

  it("answers 404 for an unknown role or another workspace's role", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    const roleId = await createRole(a.root, "r", ["p"]);
    const res = await call("permissions.setRolePermissions", { roleId, permissions: [] }, b.root);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/role_not_found"));
    expect((await call("permissions.setRolePermissions", { roleId: "role_missing", permissions: [] }, a.root)).status).toBe(404);
    expect(slugsOf((await call("permissions.getRole", { role: roleId }, a.root)).body.data.permissions)).toEqual(["p"]);
  });

  it("rejects malformed input with 400", async () => {
    const w = await rbacWorld();
    const roleId = await createRole(w.root, "r");
    for (const body of [
      { roleId },
      { roleId: "ro", permissions: [] },
      { roleId: "role with space", permissions: [] },
      { roleId, permissions: ["no spaces allowed"] },
      { roleId, permissions: [""] },
    ]) {
      expect((await call("permissions.setRolePermissions", body, w.root)).status).toBe(400);
    }
  });
});
