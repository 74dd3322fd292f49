import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("projects.*", () => {
  it("creates, reads by id or slug, lists, updates and deletes a project", async () => {
    const { rootKey } = await newWorkspace();
    const created = await call("projects.createProject", { name: "Shop", slug: "shop" }, rootKey);
    expect(created.status).toBe(200);
    const id = created.body.data.id;
    expect(id).toMatch(/^proj_/);
    const byId = await call("projects.getProject", { project: id }, rootKey);
    const bySlug = await call("projects.getProject", { project: "shop" }, rootKey);
    expect(byId.body.data).toEqual(bySlug.body.data);
    expect(byId.body.data).toMatchObject({ id, name: "Shop", slug: "shop", deleteProtection: false });
    expect(byId.body.data.updatedAt).toBeUndefined();

    const list = await call("projects.listProjects", { search: "sho" }, rootKey);
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([id]);
    expect(list.body.pagination).toEqual({ hasMore: false });

    const updated = await call("projects.updateProject", { project: "shop", name: "Shop 2", deleteProtection: true }, rootKey);
    expect(updated.body.data).toMatchObject({ name: "Shop 2", slug: "shop", deleteProtection: true });
    expect(updated.body.data.updatedAt).toBeTypeOf("number");

    const protectedDelete = await call("projects.deleteProject", { project: id }, rootKey);
    expect(protectedDelete.status).toBe(412);
    await call("projects.updateProject", { project: id, deleteProtection: false }, rootKey);
    const deleted = await call("projects.deleteProject", { project: id }, rootKey);
    expect(deleted.status).toBe(202);
    expect(deleted.body.data).toEqual({});
    expect((await call("projects.getProject", { project: id }, rootKey)).status).toBe(404);
  });

  it("renames the generated hostnames of its apps when the slug changes", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "before" }, rootKey);
    await call("apps.createApp", { project: "before", name: "a", slug: "app" }, rootKey);
    const where = { app: "app", environment: "production" };
    const old = (await call("environments.getEnvironment", { project: "before", ...where }, rootKey)).body.data.hostnames as string[];
    expect(old[0]).toMatch(/^before-app-w/);
    expect((await call("projects.updateProject", { project: "before", slug: "after" }, rootKey)).status).toBe(200);
    const now = (await call("environments.getEnvironment", { project: "after", ...where }, rootKey)).body.data.hostnames as string[];
    expect(now).toEqual(old.map((h) => h.replace(/^before-/, "after-")));
    expect((await call("projects.createProject", { name: "q", slug: "after" }, rootKey)).status).toBe(409);
  });

  it("refuses a duplicate slug with 409 and bad slugs with 400", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "a", slug: "dup" }, rootKey);
    const dup = await call("projects.createProject", { name: "b", slug: "dup" }, rootKey);
    expect(dup.status).toBe(409);
    expect(dup.body.error!.type).toBe(errorType("unkey/data/project_already_exists"));
    const bad = await call("projects.createProject", { name: "b", slug: "no spaces" }, rootKey);
    expect(bad.status).toBe(400);
    expect(bad.body.error!.errors!.length).toBeGreaterThan(0);
  });

  it("checks project permissions, wildcard or per project", async () => {
    const { rootKey } = await newWorkspace();
    const id = (await call("projects.createProject", { name: "p", slug: "perm" }, rootKey)).body.data.id;
    const none = await rootKeyWith(rootKey, ["api.*.read_api"]);
    expect((await call("projects.createProject", { name: "x", slug: "xyz" }, none)).status).toBe(403);
    expect((await call("projects.getProject", { project: id }, none)).status).toBe(403);
    const scoped = await rootKeyWith(rootKey, [`project.${id}.read_project`]);
    expect((await call("projects.getProject", { project: id }, scoped)).status).toBe(200);
    const other = (await call("projects.createProject", { name: "q", slug: "other" }, rootKey)).body.data.id;
    expect((await call("projects.getProject", { project: other }, scoped)).status).toBe(403);
  });

  it("never shows another workspace's projects", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    await call("projects.createProject", { name: "secret", slug: "secret" }, a.rootKey);
    expect((await call("projects.getProject", { project: "secret" }, b.rootKey)).status).toBe(404);
    expect((await call("projects.listProjects", {}, b.rootKey)).body.data).toEqual([]);
  });
});
