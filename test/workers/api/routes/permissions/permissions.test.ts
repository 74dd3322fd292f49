import { describe, expect, it } from "vitest";
import { call } from "../../../../helpers/harness";
import { auditEvents, count, createKey, createPermission, createRole, rbacWorld, TYPE, verify } from "./fixtures";

describe("permissions.createPermission", () => {
  it("creates a permission that getPermission returns, and records a permission.create event", async () => {
    const w = await rbacWorld();
    const res = await call(
      "permissions.createPermission",
      { name: "Read documents", slug: "documents.read", description: "Lets a key read documents" },
      w.root,
    );
    expect(res.status).toBe(200);
    const id = res.body.data.permissionId;
    expect(id).toMatch(/^perm_[a-zA-Z0-9]+$/);
    const got = await call("permissions.getPermission", { permission: id }, w.root);
    expect(got.body.data).toEqual({ id, name: "Read documents", slug: "documents.read", description: "Lets a key read documents" });
    const events = await auditEvents(w.ws.workspaceId, "permission.create");
    expect(events).toHaveLength(1);
    expect(events[0]!.targets).toEqual([{ type: "permission", id, name: "documents.read" }]);
  });

  it("accepts every character the slug rules allow", async () => {
    const w = await rbacWorld();
    for (const slug of ["a", "system:admin:*", "api_v2-test.read", "X".repeat(128)]) {
      expect((await call("permissions.createPermission", { name: slug, slug }, w.root)).status).toBe(200);
    }
  });

  it("omits an empty description", async () => {
    const w = await rbacWorld();
    const id = await createPermission(w.root, "plain");
    const got = await call("permissions.getPermission", { permission: id }, w.root);
    expect(got.body.data).toEqual({ id, name: "plain", slug: "plain" });
  });

  it("refuses a slug that already exists in the workspace with 409, writing nothing", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "documents.read");
    const res = await call("permissions.createPermission", { name: "again", slug: "documents.read" }, w.root);
    expect(res.status).toBe(409);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/permission_already_exists"));
    expect(res.body.error!.title).toBe("Conflicting Resource");
    expect(res.body.error!.detail).toBe("A permission with slug 'documents.read' already exists in this workspace");
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
    expect(await auditEvents(w.ws.workspaceId, "permission.create")).toHaveLength(1);
  });

  it("lets concurrent creates of one slug produce exactly one permission and 409s for the rest", async () => {
    const w = await rbacWorld();
    const results = await Promise.all(Array.from({ length: 5 }, () => call("permissions.createPermission", { name: "race", slug: "race.slug" }, w.root)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
  });

  it("allows the same slug in two workspaces", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    await createPermission(a.root, "shared.slug");
    expect((await call("permissions.createPermission", { name: "x", slug: "shared.slug" }, b.root)).status).toBe(200);
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["an empty name", { name: "", slug: "ok" }],
    ["a name over 512 characters", { name: "n".repeat(513), slug: "ok" }],
    ["an empty slug", { name: "ok", slug: "" }],
    ["a slug with spaces", { name: "ok", slug: "has space" }],
    ["a slug with @#$%", { name: "ok", slug: "a@b#c$d%" }],
    ["a slug over 128 characters", { name: "ok", slug: "s".repeat(129) }],
    ["a description over 512 characters", { name: "ok", slug: "ok", description: "d".repeat(513) }],
    ["a missing slug", { name: "ok" }],
    ["an unknown field", { name: "ok", slug: "ok", extra: true }],
  ];
  for (const [what, body] of invalid) {
    it(`rejects ${what} with 400 invalid_input`, async () => {
      const w = await rbacWorld();
      const res = await call("permissions.createPermission", body, w.root);
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(TYPE("unkey/application/invalid_input"));
      expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(0);
    });
  }

  it("needs rbac.*.create_permission", async () => {
    const w = await rbacWorld();
    const weak = await w.scoped(["rbac.*.read_permission"]);
    const res = await call("permissions.createPermission", { name: "x", slug: "x" }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(TYPE("unkey/authorization/insufficient_permissions"));
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.create_permission");
    const ok = await w.scoped(["rbac.*.create_permission"]);
    expect((await call("permissions.createPermission", { name: "x", slug: "x" }, ok)).status).toBe(200);
  });

  it("rejects an unknown root key with 401", async () => {
    const res = await call("permissions.createPermission", { name: "x", slug: "x" }, "unkey_doesnotexist");
    expect(res.status).toBe(401);
  });
});

describe("permissions.getPermission", () => {
  it("finds a permission by id and by slug", async () => {
    const w = await rbacWorld();
    const id = await createPermission(w.root, "documents.read");
    for (const permission of [id, "documents.read"]) {
      const res = await call("permissions.getPermission", { permission }, w.root);
      expect(res.status).toBe(200);
      expect(res.body.data.id).toBe(id);
    }
  });

  it("answers 404 permission_not_found for an unknown permission", async () => {
    const w = await rbacWorld();
    const res = await call("permissions.getPermission", { permission: "nope" }, w.root);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/permission_not_found"));
    expect(res.body.error!.detail).toBe("The requested permission does not exist.");
  });

  it("does not see another workspace's permission, by id or slug", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    const id = await createPermission(a.root, "secret.perm");
    for (const permission of [id, "secret.perm"]) {
      expect((await call("permissions.getPermission", { permission }, b.root)).status).toBe(404);
    }
  });

  it("needs rbac.*.read_permission, checked before the lookup", async () => {
    const w = await rbacWorld();
    const weak = await w.scoped(["rbac.*.create_permission"]);
    const res = await call("permissions.getPermission", { permission: "does-not-exist" }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.read_permission");
  });

  it("rejects a value that is not a slug or id with 400", async () => {
    const w = await rbacWorld();
    expect((await call("permissions.getPermission", { permission: "a b" }, w.root)).status).toBe(400);
    expect((await call("permissions.getPermission", {}, w.root)).status).toBe(400);
  });
});

describe("permissions.listPermissions", () => {
  it("pages through every permission in id order with an inclusive cursor", async () => {
    const w = await rbacWorld();
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await createPermission(w.root, `perm.${i}`));
    ids.sort();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pageNo = 0; pageNo < 10; pageNo++) {
      const res = await call("permissions.listPermissions", cursor ? { limit: 3, cursor } : { limit: 3 }, w.root);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((p: { id: string }) => p.id));
      if (!res.body.pagination!.hasMore) {
        expect(res.body.pagination!.cursor).toBeUndefined();
        break;
      }
      cursor = res.body.pagination!.cursor;
      expect(cursor).toBe(ids[seen.length]);
    }
    expect(seen).toEqual(ids);
  });

  it("lists 100 by default and answers an empty page for an empty workspace", async () => {
    const w = await rbacWorld();
    const res = await call("permissions.listPermissions", {}, w.root);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.pagination).toEqual({ hasMore: false });
  });

  it("searches id, name, slug and description without regard to case", async () => {
    const w = await rbacWorld();
    const a = await createPermission(w.root, "documents.read");
    const b = await createPermission(w.root, "billing.write", { name: "Write Invoices" });
    const c = await createPermission(w.root, "other", { description: "touches the DOCUMENT store" });
    await createPermission(w.root, "unrelated");
    const ids = async (search: string) =>
      ((await call("permissions.listPermissions", { search }, w.root)).body.data as { id: string }[]).map((p) => p.id).sort();
    expect(await ids("DOCUMENT")).toEqual([a, c].sort());
    expect(await ids("invoices")).toEqual([b]);
    expect(await ids(b.slice(5, 15))).toEqual([b]);
    expect(await ids("%")).toEqual([]);
  });

  it("lists only the caller's workspace", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    await createPermission(a.root, "mine");
    const res = await call("permissions.listPermissions", {}, b.root);
    expect(res.body.data).toEqual([]);
  });

  it("rejects limits outside 1–100 with 400", async () => {
    const w = await rbacWorld();
    for (const limit of [0, 101, 1.5]) {
      expect((await call("permissions.listPermissions", { limit }, w.root)).status).toBe(400);
    }
  });

  it("needs rbac.*.read_permission", async () => {
    const w = await rbacWorld();
    const weak = await w.scoped(["rbac.*.read_role"]);
    expect((await call("permissions.listPermissions", {}, weak)).status).toBe(403);
  });
});

describe("permissions.deletePermission", () => {
  it("deletes by id or slug and records a permission.delete event", async () => {
    const w = await rbacWorld();
    const a = await createPermission(w.root, "by.id");
    await createPermission(w.root, "by.slug");
    expect((await call("permissions.deletePermission", { permission: a }, w.root)).body.data).toEqual({});
    expect((await call("permissions.deletePermission", { permission: "by.slug" }, w.root)).status).toBe(200);
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(0);
    const events = await auditEvents(w.ws.workspaceId, "permission.delete");
    expect(events.map((e) => e.targets[0]!.name).sort()).toEqual(["by.id", "by.slug"]);
  });

  it("removes the permission from every key and every role in the same step", async () => {
    const w = await rbacWorld();
    const permId = await createPermission(w.root, "doomed");
    await createPermission(w.root, "kept");
    const roleId = await createRole(w.root, "holder", ["doomed", "kept"]);
    const k1 = await createKey(w.root, w.apiId, { permissions: ["doomed", "kept"] });
    const k2 = await createKey(w.root, w.apiId, { permissions: ["doomed"] });
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE permission_id = ?", permId)).toBe(2);
    expect((await call("permissions.deletePermission", { permission: "doomed" }, w.root)).status).toBe(200);
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE permission_id = ?", permId)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM roles_permissions WHERE permission_id = ?", permId)).toBe(0);
    const role = await call("permissions.getRole", { role: roleId }, w.root);
    expect(role.body.data.permissions.map((p: { slug: string }) => p.slug)).toEqual(["kept"]);
    const key = await call("keys.getKey", { keyId: k1.keyId }, w.root);
    expect(key.body.data.permissions).toEqual(["kept"]);
    const key2 = await call("keys.getKey", { keyId: k2.keyId }, w.root);
    expect(key2.body.data.permissions).toBeUndefined();
  });

  it("makes the next verification of every affected key see the deletion", async () => {
    const w = await rbacWorld();
    await createRole(w.root, "holder", ["doomed"]);
    const direct = await createKey(w.root, w.apiId, { permissions: ["doomed"] });
    const viaRole = await createKey(w.root, w.apiId, { roles: ["holder"] });
    for (const k of [direct, viaRole]) expect((await verify(w.root, k.key, "doomed")).body.data.valid).toBe(true);
    expect((await call("permissions.deletePermission", { permission: "doomed" }, w.root)).status).toBe(200);
    for (const k of [direct, viaRole]) {
      const res = await verify(w.root, k.key, "doomed");
      expect(res.body.data).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });
      expect(res.body.data.permissions).toBeUndefined();
    }
  });

  it("answers 404 for an unknown permission, and for one deleted already", async () => {
    const w = await rbacWorld();
    const id = await createPermission(w.root, "once");
    expect((await call("permissions.deletePermission", { permission: id }, w.root)).status).toBe(200);
    const again = await call("permissions.deletePermission", { permission: id }, w.root);
    expect(again.status).toBe(404);
    expect(again.body.error!.type).toBe(TYPE("unkey/data/permission_not_found"));
  });

  it("cannot delete another workspace's permission", async () => {
    const a = await rbacWorld("a");
    const b = await rbacWorld("b");
    const id = await createPermission(a.root, "theirs");
    expect((await call("permissions.deletePermission", { permission: id }, b.root)).status).toBe(404);
    expect((await call("permissions.getPermission", { permission: id }, a.root)).status).toBe(200);
  });

  it("needs rbac.*.delete_permission", async () => {
    const w = await rbacWorld();
    const id = await createPermission(w.root, "guarded");
    const weak = await w.scoped(["rbac.*.create_permission", "rbac.*.read_permission"]);
    const res = await call("permissions.deletePermission", { permission: id }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.delete_permission");
  });
});
