import { describe, expect, it } from "vitest";
import { call } from "../../../../helpers/harness";
import { auditEvents, count, createKey, createRole, rbacWorld, TYPE, verify } from "../permissions/fixtures";

const namesOf = (roles: { name: string }[]) => roles.map((r) => r.name).sort();

async function world() {
  const w = await rbacWorld();
  const key = await createKey(w.root, w.apiId);
  return { ...w, key };
}

describe("keys.addRoles", () => {
  it("attaches roles by name and returns every role of the key with its permissions", async () => {
    const w = await world();
    const editor = await createRole(w.root, "editor", ["docs.write", "docs.read"]);
    const viewer = await createRole(w.root, "viewer");
    const res = await call("keys.addRoles", { keyId: w.key.keyId, roles: ["editor"] }, w.root);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({ id: editor, name: "editor" });
    expect(res.body.data[0].permissions.map((p: { slug: string }) => p.slug)).toEqual(["docs.read", "docs.write"]);
    const second = await call("keys.addRoles", { keyId: w.key.keyId, roles: ["viewer", "editor"] }, w.root);
    expect(namesOf(second.body.data)).toEqual(["editor", "viewer"]);
    expect(second.body.data.find((r: { id: string }) => r.id === viewer).permissions).toBeUndefined();
    const events = await auditEvents(w.ws.workspaceId, "authorization.connect_role_and_key");
    expect(events.map((e) => e.targets[1]!.name).sort()).toEqual(["editor", "viewer"]);
  });

  it("answers 404 role_not_found for an unknown name and attaches nothing", async () => {
    const w = await world();
    await createRole(w.root, "real");
    const res = await call("keys.addRoles", { keyId: w.key.keyId, roles: ["real", "imaginary"] }, w.root);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/role_not_found"));
    expect(res.body.error!.detail).toBe("Role 'imaginary' was not found.");
    expect(await count("SELECT count(*) AS n FROM keys_roles WHERE key_id = ?", w.key.keyId)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM roles WHERE workspace_id = ?", w.ws.workspaceId)).toBe(1);
  });

  it("matches roles by name only, never by id, and only in the caller's workspace", async () => {
    const w = await world();
    const roleId = await createRole(w.root, "mine");
    const other = await rbacWorld("other");
    await createRole(other.root, "theirs");
    expect((await call("keys.addRoles", { keyId: w.key.keyId, roles: [roleId] }, w.root)).status).toBe(404);
    expect((await call("keys.addRoles", { keyId: w.key.keyId, roles: ["theirs"] }, w.root)).status).toBe(404);
  });

  it("needs update_key and rbac.*.add_role_to_key", async () => {
    const w = await world();
    await createRole(w.root, "r");
    const body = { keyId: w.key.keyId, roles: ["r"] };
    const weak = await w.scoped(["api.*.update_key"]);
    const res = await call("keys.addRoles", body, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toContain("rbac.*.add_role_to_key");
    const ok = await w.scoped([`api.${w.apiId}.update_key`, "rbac.*.add_role_to_key"]);
    expect((await call("keys.addRoles", body, ok)).status).toBe(200);
  });

  it("answers 404 for another workspace's key", async () => {
    const w = await world();
    const other = await rbacWorld("other");
    const foreign = await createKey(other.root, other.apiId);
    await createRole(w.root, "r");
    const res = await call("keys.addRoles", { keyId: foreign.keyId, roles: ["r"] }, w.root);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/key_not_found"));
  });

  it("rejects an empty list, more than 100 roles, and empty names with 400", async () => {
    const w = await world();
    for (const roles of [[], Array.from({ length: 101 }, (_, i) => `r${i}`), [""], ["r".repeat(129)]]) {
      expect((await call("keys.addRoles", { keyId: w.key.keyId, roles }, w.root)).status).toBe(400);
    }
  });

  it("grants the role's permissions at the next verification", async () => {
    const w = await world();
    await createRole(w.root, "reader", ["docs.read"]);
    expect((await verify(w.root, w.key.key, "docs.read")).body.data.valid).toBe(false);
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["reader"] }, w.root);
    const res = await verify(w.root, w.key.key, "docs.read");
    expect(res.body.data).toMatchObject({ valid: true, roles: ["reader"], permissions: ["docs.read"] });
  });
});

describe("keys.removeRoles", () => {
  it("detaches the named roles and returns the remaining ones; unassigned roles are a no-op", async () => {
    const w = await world();
    for (const n of ["a", "b", "c"]) await createRole(w.root, n);
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["a", "b"] }, w.root);
    const res = await call("keys.removeRoles", { keyId: w.key.keyId, roles: ["a", "c"] }, w.root);
    expect(res.status).toBe(200);
    expect(namesOf(res.body.data)).toEqual(["b"]);
    const events = await auditEvents(w.ws.workspaceId, "authorization.disconnect_role_and_key");
    expect(events.map((e) => e.targets[1]!.name)).toEqual(["a"]);
  });

  it("answers 404 for an unknown role name, changing nothing", async () => {
    const w = await world();
    await createRole(w.root, "a");
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["a"] }, w.root);
    const res = await call("keys.removeRoles", { keyId: w.key.keyId, roles: ["a", "nope"] }, w.root);
    expect(res.status).toBe(404);
    expect(res.body.error!.detail).toBe("Role 'nope' was not found.");
    expect(await count("SELECT count(*) AS n FROM keys_roles WHERE key_id = ?", w.key.keyId)).toBe(1);
  });

  it("needs only update_key on the key's API", async () => {
    const w = await world();
    await createRole(w.root, "a");
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["a"] }, w.root);
    const none = await w.scoped(["rbac.*.remove_role_from_key"]);
    const res = await call("keys.removeRoles", { keyId: w.key.keyId, roles: ["a"] }, none);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toContain(`api.${w.apiId}.update_key`);
    const ok = await w.scoped([`api.${w.apiId}.update_key`]);
    expect((await call("keys.removeRoles", { keyId: w.key.keyId, roles: ["a"] }, ok)).status).toBe(200);
  });

  it("takes the role's permissions away at the next verification", async () => {
    const w = await world();
    await createRole(w.root, "reader", ["docs.read"]);
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["reader"] }, w.root);
    expect((await verify(w.root, w.key.key, "docs.read")).body.data.valid).toBe(true);
    await call("keys.removeRoles", { keyId: w.key.keyId, roles: ["reader"] }, w.root);
    const res = await verify(w.root, w.key.key, "docs.read");
    expect(res.body.data).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    expect(res.body.data.roles).toBeUndefined();
  });

  it("rejects an empty list with 400", async () => {
    const w = await world();
    expect((await call("keys.removeRoles", { keyId: w.key.keyId, roles: [] }, w.root)).status).toBe(400);
  });
});

describe("keys.setRoles", () => {
  it("replaces the key's roles", async () => {
    const w = await world();
    for (const n of ["a", "b", "c"]) await createRole(w.root, n);
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["a", "b"] }, w.root);
    const res = await call("keys.setRoles", { keyId: w.key.keyId, roles: ["b", "c"] }, w.root);
    expect(res.status).toBe(200);
    expect(namesOf(res.body.data)).toEqual(["b", "c"]);
    expect((await call("keys.getKey", { keyId: w.key.keyId }, w.root)).body.data.roles).toEqual(["b", "c"]);
  });

  it("clears all roles with an empty list", async () => {
    const w = await world();
    await createRole(w.root, "a");
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["a"] }, w.root);
    const res = await call("keys.setRoles", { keyId: w.key.keyId, roles: [] }, w.root);
    expect(res.body.data).toEqual([]);
    expect(await count("SELECT count(*) AS n FROM keys_roles WHERE key_id = ?", w.key.keyId)).toBe(0);
  });

  it("answers 404 for unknown roles without changing anything", async () => {
    const w = await world();
    await createRole(w.root, "a");
    await call("keys.addRoles", { keyId: w.key.keyId, roles: ["a"] }, w.root);
    const res = await call("keys.setRoles", { keyId: w.key.keyId, roles: ["ghost"] }, w.root);
    expect(res.status).toBe(404);
    expect(res.body.error!.type).toBe(TYPE("unkey/data/role_not_found"));
    expect(await count("SELECT count(*) AS n FROM keys_roles WHERE key_id = ?", w.key.keyId)).toBe(1);
  });

  it("needs update_key, answers 404 for foreign keys, and allows at most 100 roles", async () => {
    const w = await world();
    const none = await w.scoped(["rbac.*.add_role_to_key"]);
    expect((await call("keys.setRoles", { keyId: w.key.keyId, roles: [] }, none)).status).toBe(403);
    const other = await rbacWorld("other");
    const foreign = await createKey(other.root, other.apiId);
    expect((await call("keys.setRoles", { keyId: foreign.keyId, roles: [] }, w.root)).status).toBe(404);
    const tooMany = Array.from({ length: 101 }, (_, i) => `r${i}`);
    expect((await call("keys.setRoles", { keyId: w.key.keyId, roles: tooMany }, w.root)).status).toBe(400);
  });
});
