import { describe, expect, it } from "vitest";
import { call } from "../../../../helpers/harness";
import { createPermission, createRole, rbacWorld } from "./fixtures";

/** `search` on list endpoints: whitespace alone is no filter; `%` and `_` match only themselves. */
describe("list search", () => {
  it("listPermissions / listRoles: a whitespace-only search returns everything", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "a.read");
    await createPermission(w.root, "b.read");
    await createRole(w.root, "reader");
    const perms = await call("permissions.listPermissions", { search: "   " }, w.root);
    expect(perms.status).toBe(200);
    expect(perms.body.data).toHaveLength(2);
    const roles = await call("permissions.listRoles", { search: " \t " }, w.root);
    expect(roles.body.data).toHaveLength(1);
  });

  it("% and _ match literally", async () => {
    const w = await rbacWorld();
    await createPermission(w.root, "docs_read", { name: "100% docs" });
    await createPermission(w.root, "docsxread", { name: "all docs" });
    const underscore = await call("permissions.listPermissions", { search: "docs_" }, w.root);
    expect(underscore.body.data.map((p: { slug: string }) => p.slug)).toEqual(["docs_read"]);
    const percent = await call("permissions.listPermissions", { search: "%" }, w.root);
    expect(percent.body.data.map((p: { slug: string }) => p.slug)).toEqual(["docs_read"]);
    await createRole(w.root, "r_1");
    await createRole(w.root, "rx1");
    const roles = await call("permissions.listRoles", { search: "r_" }, w.root);
    expect(roles.body.data.map((r: { name: string }) => r.name)).toEqual(["r_1"]);
  });

  it("projects: surrounding whitespace is trimmed and _ is literal", async () => {
    const w = await rbacWorld();
    await call("projects.createProject", { name: "my_proj", slug: "one" }, w.root);
    await call("projects.createProject", { name: "myxproj", slug: "two" }, w.root);
    const res = await call("projects.listProjects", { search: " my_ " }, w.root);
    expect(res.body.data.map((p: { slug: string }) => p.slug)).toEqual(["one"]);
    expect((await call("projects.listProjects", { search: "  " }, w.root)).body.data).toHaveLength(2);
  });
});
