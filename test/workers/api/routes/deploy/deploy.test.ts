import { describe, expect, it } from "vitest";
import { call, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("deploy.* (the CLI's calls)", () => {
  it("creates a deployment from slugs and reports it READY with its hostnames", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
    await call("apps.createApp", { project: "proj", name: "d", slug: "default" }, rootKey);
    const apiId = await newApi(rootKey);
    const created = await call(
      "deploy.createDeployment",
      {
        project: "proj",
        app: "default",
        branch: "main",
        environmentSlug: "preview",
        dockerImage: "https://origin.example",
        keyspaceId: apiId,
        gitCommit: { commitSha: "abc123", commitMessage: "ship it" },
      },
      rootKey,
      { "x-unkey-client": "unkey-cli/1.0.0" },
    );
    expect(created.status).toBe(201);
    const id = created.body.data.deploymentId;
    const got = await call("deploy.getDeployment", { deploymentId: id }, rootKey);
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ id, status: "READY" });
    expect(got.body.data.hostnames.some((h: string) => h.includes("-preview-"))).toBe(true);
    expect(got.body.data.steps.at(-1)).toMatchObject({ status: "READY" });
  });

  it("takes the upstream extension field, checks keyspaces and the deployment id form", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
    await call("apps.createApp", { project: "proj", name: "d", slug: "default" }, rootKey);
    const base = { project: "proj", app: "default", branch: "main", environmentSlug: "production" };
    expect((await call("deploy.createDeployment", { ...base, upstream: { worker: "APP" } }, rootKey)).status).toBe(201);
    expect((await call("deploy.createDeployment", { ...base }, rootKey)).status).toBe(400);
    expect((await call("deploy.createDeployment", { ...base, dockerImage: "nginx:latest" }, rootKey)).status).toBe(400);
    expect((await call("deploy.createDeployment", { ...base, upstream: { worker: "APP" }, keyspaceId: "ks_missing" }, rootKey)).status).toBe(404);
    expect((await call("deploy.createDeployment", { ...base, environmentSlug: "staging", upstream: { worker: "APP" } }, rootKey)).status).toBe(404);
    expect((await call("deploy.getDeployment", { deploymentId: "dep_123" }, rootKey)).status).toBe(400);
    expect((await call("deploy.getDeployment", { deploymentId: "d_123" }, rootKey)).status).toBe(404);
    const reader = await rootKeyWith(rootKey, ["project.*.read_deployment"]);
    expect((await call("deploy.createDeployment", { ...base, upstream: { worker: "APP" } }, reader)).status).toBe(403);
  });
});
