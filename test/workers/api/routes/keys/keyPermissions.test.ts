import { describe, expect, it } from "vitest";
import { call } from "../../../../helpers/harness";
import { auditEvents, count, createKey, createPermission, createRole, rbacWorld, TYPE, verify } from "../permissions/fixtures";

const slugsOf = (perms: { slug: string }[]) => perms.map((p) => p.slug).sort();

async function world() {
  const w = await rbacWorld();
  const key = await createKey(w.root, w.apiId);
  const keySpaceId: string = (await call("apis.getApi", { apiId: w.apiId }, w.root)).body.data.keySpaceId;
  return { ...w, key, keySpaceId };
}

describe("keys.addPermissions", () => {
  it("attaches permissions and returns every direct permission of the key", async () => {
    const w = await world();
    const readId = await createPermission(w.root, "docs.read");
    await createPermission(w.root, "docs.write");
    const first = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["docs.read"] }, w.root);
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([{ id: readId, name: "docs.read", slug: "docs.read" }]);
    const second = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["docs.write", "docs.read"] }, w.root);
    expect(slugsOf(second.body.data)).toEqual(["docs.read", "docs.write"]);
    const events = await auditEvents(w.ws.workspaceId, "authorization.connect_permission_and_key");
    expect(events.map((e) => e.targets[1]!.name).sort()).toEqual(["docs.read", "docs.write"]);
    expect(events[0]!.targets[0]).toEqual({ type: "key", id: w.key.keyId });
  });

  it("is idempotent for permissions the key already holds", async () => {
    const w = await world();
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["p"] }, w.root);
    const again = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["p", "p"] }, w.root);
    expect(slugsOf(again.body.data)).toEqual(["p"]);
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE key_id = ?", w.key.keyId)).toBe(1);
    expect(await auditEvents(w.ws.workspaceId, "authorization.connect_permission_and_key")).toHaveLength(1);
  });

  it("creates missing permissions (slug as name) when the root key may create permissions", async () => {
    const w = await world();
    const res = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["auto.created"] }, w.root);
    expect(res.body.data[0]).toMatchObject({ name: "auto.created", slug: "auto.created" });
    expect((await auditEvents(w.ws.workspaceId, "permission.create")).map((e) => e.targets[0]!.name)).toEqual(["auto.created"]);
  });

  it("converges on one permission when concurrent calls create the same slug", async () => {
    const w = await world();
    const keys = [w.key, ...(await Promise.all([1, 2, 3].map(() => createKey(w.root, w.apiId))))];
    const results = await Promise.all(keys.map((k) => call("keys.addPermissions", { keyId: k.keyId, permissions: ["contended"] }, w.root)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.body.data[0].id)).size).toBe(1);
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
    expect(await auditEvents(w.ws.workspaceId, "permission.create")).toHaveLength(1);
  });

  it("refuses to create missing permissions without rbac.*.create_permission, writing nothing", async () => {
    const w = await world();
    await createPermission(w.root, "exists");
    const key = await w.scoped(["api.*.update_key", "rbac.*.add_permission_to_key"]);
    const res = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["exists", "missing"] }, key);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(TYPE("unkey/authorization/insufficient_permissions"));
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.create_permission");
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE key_id = ?", w.key.keyId)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM permissions WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
    const ok = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["exists"] }, key);
    expect(ok.status).toBe(200);
  });

  it("accepts the resource grant for creating permissions", async () => {
    const w = await world();
    const key = await w.scoped(["api.*.update_key", "rbac.*.add_permission_to_key", `unkey:v1:${w.ws.workspaceId}:rbac/permissions/*#create_permission`]);
    expect((await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["via.urn"] }, key)).status).toBe(200);
  });

  it("needs update_key on the key's API and rbac.*.add_permission_to_key", async () => {
    const w = await world();
    await createPermission(w.root, "p");
    const body = { keyId: w.key.keyId, permissions: ["p"] };
    const noRbac = await w.scoped(["api.*.update_key"]);
    const r1 = await call("keys.addPermissions", body, noRbac);
    expect(r1.status).toBe(403);
    expect(r1.body.error!.detail).toContain("rbac.*.add_permission_to_key");
    expect(r1.body.error!.detail).toContain(`unkey:v1:${w.ws.workspaceId}:keyspaces/${w.keySpaceId}/keys/${w.key.keyId}#update_key`);
    const otherApi = await w.scoped(["api.api_someotherapi.update_key", "rbac.*.add_permission_to_key"]);
    expect((await call("keys.addPermissions", body, otherApi)).status).toBe(403);
    const thisApi = await w.scoped([`api.${w.apiId}.update_key`, "rbac.*.add_permission_to_key"]);
    expect((await call("keys.addPermissions", body, thisApi)).status).toBe(200);
  });

  it("accepts the key's update_key resource grant on its own", async () => {
    const w = await world();
    await createPermission(w.root, "p");
    for (const grant of [
      `unkey:v1:${w.ws.workspaceId}:keyspaces/${w.keySpaceId}/keys/${w.key.keyId}#update_key`,
      `unkey:v1:${w.ws.workspaceId}:keyspaces/*/keys/*#update_key`,
      `unkey:v1:${w.ws.workspaceId}:keyspaces/${w.keySpaceId}/**#update_key`,
      `unkey:v1:${w.ws.workspaceId}:**#*`,
    ]) {
      const key = await w.scoped([grant]);
      expect((await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["p"] }, key)).status).toBe(200);
    }
    for (const grant of [
      `unkey:v1:ws_other:keyspaces/${w.keySpaceId}/keys/${w.key.keyId}#update_key`,
      `unkey:v1:${w.ws.workspaceId}:keyspaces/${w.keySpaceId}/keys/${w.key.keyId}#read_key`,
      `unkey:v1:${w.ws.workspaceId}:keyspaces/*#update_key`,
    ]) {
      const key = await w.scoped([grant]);
      expect((await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["p"] }, key)).status).toBe(403);
    }
  });

  it("answers 404 key_not_found for unknown, deleted and foreign keys, before checking permissions", async () => {
    const w = await world();
    const other = await rbacWorld("other");
    const foreignKey = await createKey(other.root, other.apiId);
    const deleted = await createKey(w.root, w.apiId);
    expect((await call("keys.deleteKey", { keyId: deleted.keyId }, w.root)).status).toBe(200);
    const powerless = await w.scoped(["rbac.*.read_role"]);
    for (const [keyId, root] of [
      ["key_doesnotexist", w.root],
      [foreignKey.keyId, w.root],
      [deleted.keyId, w.root],
      ["key_doesnotexist", powerless],
    ] as const) {
      const res = await call("keys.addPermissions", { keyId, permissions: ["p"] }, root);
      expect(res.status).toBe(404);
      expect(res.body.error!.type).toBe(TYPE("unkey/data/key_not_found"));
      expect(res.body.error!.detail).toBe("The specified key was not found.");
    }
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE key_id = ?", foreignKey.keyId)).toBe(0);
  });

  it("rejects malformed input with 400", async () => {
    const w = await world();
    for (const body of [
      { keyId: w.key.keyId, permissions: [] },
      { keyId: w.key.keyId, permissions: Array.from({ length: 1001 }, (_, i) => `p${i}`) },
      { keyId: w.key.keyId, permissions: ["has space"] },
      { keyId: w.key.keyId, permissions: ["x".repeat(129)] },
      { keyId: "key-with-dash", permissions: ["p"] },
      { keyId: "ke", permissions: ["p"] },
      { permissions: ["p"] },
    ]) {
      const res = await call("keys.addPermissions", body, w.root);
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(TYPE("unkey/application/invalid_input"));
    }
  });

  it("leaves role-granted permissions out of its answer and untouched", async () => {
    const w = await world();
    await createRole(w.root, "r", ["from.role"]);
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["r"] }, w.root);
    const res = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["direct"] }, w.root);
    expect(slugsOf(res.body.data)).toEqual(["direct"]);
    expect((await call("keys.getKey", { keyId: w.key.keyId }, w.root)).body.data.permissions).toEqual(["direct", "from.role"]);
  });

  it("handles the maximum of 1000 permissions in one call", async () => {
    const w = await world();
    const slugs = Array.from({ length: 1000 }, (_, i) => `bulk.${String(i).padStart(4, "0")}.${"x".repeat(100)}`);
    const res = await call("keys.addPermissions", { keyId: w.key.keyId, permissions: slugs }, w.root);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1000);
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE key_id = ?", w.key.keyId)).toBe(1000);
    expect(await auditEvents(w.ws.workspaceId, "authorization.connect_permission_and_key")).toHaveLength(1000);
    const removed = await call("keys.removePermissions", { keyId: w.key.keyId, permissions: slugs.slice(0, 999) }, w.root);
    expect(removed.body.data.map((p: { slug: string }) => p.slug)).toEqual([slugs[999]]);
  });

  it("is seen by the next verification", async () => {
    const w = await world();
    expect((await verify(w.root, w.key.key, "docs.read")).body.data.code).toBe("INSUFFICIENT_PERMISSIONS");
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["docs.read"] }, w.root);
    expect((await verify(w.root, w.key.key, "docs.read")).body.data).toMatchObject({ valid: true, permissions: ["docs.read"] });
  });
});

describe("keys.removePermissions", () => {
  it("detaches the named permissions and returns the ones left; absent ones are a no-op", async () => {
    const w = await world();
    await createPermission(w.root, "not.held");
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["a", "b", "c"] }, w.root);
    const res = await call("keys.removePermissions", { keyId: w.key.keyId, permissions: ["a", "c", "not.held"] }, w.root);
    expect(res.status).toBe(200);
    expect(slugsOf(res.body.data)).toEqual(["b"]);
    const events = await auditEvents(w.ws.workspaceId, "authorization.disconnect_permission_and_key");
    expect(events.map((e) => e.targets[1]!.name).sort()).toEqual(["a", "c"]);
    expect((await call("permissions.getPermission", { permission: "a" }, w.root)).status).toBe(200);
  });

  it("answers 404 permission_not_found for a slug the workspace does not have, changing nothing", async () => {
    const w = await world();
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["a"] }, w.root);
    const res = await call("keys.removePermissions", { keyId: w.key.keyId, permissions: ["a", "ghost"] }, w.root);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/permission_not_found"));
    expect(res.body.error!.detail).toBe("Permission 'ghost' was not found.");
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE key_id = ?", w.key.keyId)).toBe(1);
  });

  it("does not match permissions by id", async () => {
    const w = await world();
    const id = await createPermission(w.root, "by.slug.only");
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["by.slug.only"] }, w.root);
    const res = await call("keys.removePermissions", { keyId: w.key.keyId, permissions: [id] }, w.root);
    expect(res.status).toBe(404);
  });

  it("does not see another workspace's permission", async () => {
    const w = await world();
    const other = await rbacWorld("other");
    await createPermission(other.root, "theirs");
    expect((await call("keys.removePermissions", { keyId: w.key.keyId, permissions: ["theirs"] }, w.root)).status).toBe(404);
  });

  it("keeps permissions granted through roles", async () => {
    const w = await world();
    await createRole(w.root, "r", ["shared"]);
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["r"] }, w.root);
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["shared"] }, w.root);
    const res = await call("keys.removePermissions", { keyId: w.key.keyId, permissions: ["shared"] }, w.root);
    expect(res.body.data).toEqual([]);
    expect((await verify(w.root, w.key.key, "shared")).body.data.valid).toBe(true);
  });

  it("is seen by the very next verification, even right after a cached one", async () => {
    const w = await world();
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["docs.read", "docs.write"] }, w.root);
    expect((await verify(w.root, w.key.key, "docs.read AND docs.write")).body.data.valid).toBe(true);
    expect((await verify(w.root, w.key.key, "docs.read")).body.data.valid).toBe(true);
    await call("keys.removePermissions", { keyId: w.key.keyId, permissions: ["docs.read"] }, w.root);
    const after = await verify(w.root, w.key.key, "docs.read");
    expect(after.body.data).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS", permissions: ["docs.write"] });
  });

  it("needs update_key and rbac.*.remove_permission_from_key", async () => {
    const w = await world();
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["a"] }, w.root);
    const weak = await w.scoped(["api.*.update_key", "rbac.*.add_permission_to_key"]);
    const res = await call("keys.removePermissions", { keyId: w.key.keyId, permissions: ["a"] }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toContain("rbac.*.remove_permission_from_key");
    const ok = await w.scoped([`api.${w.apiId}.update_key`, "rbac.*.remove_permission_from_key"]);
    expect((await call("keys.removePermissions", { keyId: w.key.keyId, permissions: ["a"] }, ok)).status).toBe(200);
  });

  it("answers 404 for another workspace's key and rejects an empty list with 400", async () => {
    const w = await world();
    const other = await rbacWorld("other");
    const foreign = await createKey(other.root, other.apiId, { permissions: ["x"] });
    await createPermission(w.root, "x");
    expect((await call("keys.removePermissions", { keyId: foreign.keyId, permissions: ["x"] }, w.root)).status).toBe(404);
    expect(await count("SELECT count(*) AS n FROM keys_permissions WHERE key_id = ?", foreign.keyId)).toBe(1);
    expect((await call("keys.removePermissions", { keyId: w.key.keyId, permissions: [] }, w.root)).status).toBe(400);
  });
});

describe("keys.setPermissions", () => {
  it("replaces the direct permissions, creating missing ones", async () => {
    const w = await world();
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["a", "b"] }, w.root);
    const res = await call("keys.setPermissions", { keyId: w.key.keyId, permissions: ["b", "brand.new"] }, w.root);
    expect(res.status).toBe(200);
    expect(slugsOf(res.body.data)).toEqual(["b", "brand.new"]);
    expect((await auditEvents(w.ws.workspaceId, "authorization.disconnect_permission_and_key")).map((e) => e.targets[1]!.name)).toEqual(["a"]);
    expect((await verify(w.root, w.key.key, "a")).body.data.valid).toBe(false);
    expect((await verify(w.root, w.key.key, "brand.new AND b")).body.data.valid).toBe(true);
  });

  it("clears the direct permissions with an empty list, leaving role permissions", async () => {
    const w = await world();
    await createRole(w.root, "r", ["via.role"]);
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["r"] }, w.root);
    await call("keys.addPermissions", { keyId: w.key.keyId, permissions: ["a"] }, w.root);
    const res = await call("keys.setPermissions", { keyId: w.key.keyId, permissions: [] }, w.root);
    expect(res.body.data).toEqual([]);
    expect((await call("keys.getKey", { keyId: w.key.keyId }, w.root)).body.data.permissions).toEqual(["via.role"]);
  });

  it("needs both add and remove rights, and create_permission for missing slugs", async () => {
    const w = await world();
    await createPermission(w.root, "exists");
    const addOnly = await w.scoped(["api.*.update_key", "rbac.*.add_permission_to_key"]);
    expect((await call("keys.setPermissions", { keyId: w.key.keyId, permissions: ["exists"] }, addOnly)).status).toBe(403);
    const both = await w.scoped(["api.*.update_key", "rbac.*.add_permission_to_key", "rbac.*.remove_permission_from_key"]);
    expect((await call("keys.setPermissions", { keyId: w.key.keyId, permissions: ["exists"] }, both)).status).toBe(200);
    const res = await call("keys.setPermissions", { keyId: w.key.keyId, permissions: ["missing"] }, both);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: rbac.*.create_permission");
    expect(slugsOf((await call("keys.setPermissions", { keyId: w.key.keyId, permissions: ["exists"] }, both)).body.data)).toEqual(["exists"]);
  });

  it("answers 404 for unknown keys", async () => {
    const w = await world();
    expect((await call("keys.setPermissions", { keyId: "key_unknown", permissions: [] }, w.root)).status).toBe(404);
  });
});
