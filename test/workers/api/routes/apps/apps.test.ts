import { describe, expect, it } from "vitest";
import { call, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("apps.*", () => {
  it("creates an app with production and preview environments and its hostnames", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
    const created = await call("apps.createApp", { project: "proj", name: "API", slug: "api", git: { repository: "acme/api" } }, rootKey);
    expect(created.status).toBe(200);
    expect(created.body.data.appId).toMatch(/^app_/);
    const app = await call("apps.getApp", { project: "proj", app: "api" }, rootKey);
    expect(app.body.data).toMatchObject({
      id: created.body.data.appId,
      name: "API",
      slug: "api",
      git: { repository: "acme/api" },
      isRolledBack: false,
      deleteProtection: false,
    });
    expect(app.body.data.currentDeploymentId).toBeUndefined();
    const envs = await call("environments.listEnvironments", { project: "proj", app: "api" }, rootKey);
    expect(envs.body.data.map((e: { slug: string; kind: string }) => [e.slug, e.kind])).toEqual([
      ["production", "production"],
      ["preview", "preview"],
    ]);
    const prod = envs.body.data.find((e: { kind: string }) => e.kind === "production");
    expect(prod.runtime).toMatchObject({
      port: 8080,
      vCpus: 0.25,
      memoryMib: 256,
      storageMib: 0,
      command: [],
      shutdownSignal: "SIGTERM",
      upstreamProtocol: "http1",
    });
    // live + environment hostnames under the default base domain
    expect(prod.hostnames).toHaveLength(2);
    expect(prod.hostnames[0]).toMatch(/^proj-api-w[0-9a-f]{8}\.localhost$/);
    expect(prod.hostnames[1]).toMatch(/^proj-api-production-w[0-9a-f]{8}\.localhost$/);
  });

  it("updates slug (hostnames follow), disconnects git, refuses duplicate slugs and protected deletes", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
    await call("apps.createApp", { project: "proj", name: "one", slug: "one", git: { repository: "acme/one" } }, rootKey);
    await call("apps.createApp", { project: "proj", name: "two", slug: "two" }, rootKey);
    expect((await call("apps.createApp", { project: "proj", name: "again", slug: "one" }, rootKey)).status).toBe(409);
    expect((await call("apps.updateApp", { project: "proj", app: "two", slug: "one" }, rootKey)).status).toBe(409);
    const upd = await call("apps.updateApp", { project: "proj", app: "one", slug: "uno", git: null, deleteProtection: true }, rootKey);
    expect(upd.status).toBe(200);
    expect(upd.body.data.git).toBeUndefined();
    expect(upd.body.data.slug).toBe("uno");
    const env = await call("environments.getEnvironment", { project: "proj", app: "uno", environment: "production" }, rootKey);
    expect(env.body.data.hostnames[0]).toMatch(/^proj-uno-w/);
    expect((await call("apps.deleteApp", { project: "proj", app: "uno" }, rootKey)).status).toBe(412);
    await call("apps.updateApp", { project: "proj", app: "uno", deleteProtection: false }, rootKey);
    expect((await call("apps.deleteApp", { project: "proj", app: "uno" }, rootKey)).status).toBe(202);
    expect((await call("apps.getApp", { project: "proj", app: "uno" }, rootKey)).status).toBe(404);
    const list = await call("apps.listApps", { project: "proj" }, rootKey);
    expect(list.body.data.map((a: { slug: string }) => a.slug)).toEqual(["two"]);
  });

  it("needs project.*.create_app to create and app.*.read_app to read", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
    const reader = await rootKeyWith(rootKey, ["app.*.read_app"]);
    expect((await call("apps.createApp", { project: "proj", name: "a", slug: "abc" }, reader)).status).toBe(403);
    await call("apps.createApp", { project: "proj", name: "a", slug: "abc" }, rootKey);
    expect((await call("apps.getApp", { project: "proj", app: "abc" }, reader)).status).toBe(200);
    expect((await call("apps.getApp", { project: "nope", app: "abc" }, reader)).status).toBe(404);
  });
});
