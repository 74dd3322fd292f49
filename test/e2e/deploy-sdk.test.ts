import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Unkey } from "@unkey/api";
import { startApi, type TestServer } from "./helpers/server";

/**
 * The deployment groups through the official SDK (@unkey/api): its request building, status
 * expectations (201/202) and response validation must all accept what we send.
 */
let server: TestServer;
let unkey: Unkey;

beforeAll(async () => {
  server = await startApi();
  const ws = await server.newWorkspace("deploy-sdk");
  unkey = new Unkey({ serverURL: server.url, rootKey: ws.rootKey });
});

afterAll(async () => {
  await server?.stop();
});

describe("@unkey/api: projects, apps, environments, deployments, gateway, domains", () => {
  it("runs the deployment lifecycle with the SDK's own types and validation", async () => {
    const project = await unkey.projects.createProject({ name: "Shop", slug: "shop" });
    expect(project.data.id).toMatch(/^proj_/);
    expect((await unkey.projects.getProject({ project: "shop" })).data).toMatchObject({ slug: "shop", deleteProtection: false });
    await unkey.apps.createApp({ project: "shop", name: "API", slug: "api" });
    const app = await unkey.apps.getApp({ project: "shop", app: "api" });
    expect(app.data.isRolledBack).toBe(false);

    const envs = await unkey.environments.listEnvironments({ project: "shop", app: "api" });
    expect(envs.data.map((e) => e.kind).sort()).toEqual(["preview", "production"]);
    await unkey.environments.updateSettings({ project: "shop", app: "api", environment: "production", port: 3000 });
    expect((await unkey.environments.getEnvironment({ project: "shop", app: "api", environment: "production" })).data.runtime?.port).toBe(3000);

    await unkey.gateway.setPolicies({
      project: "shop",
      app: "api",
      environment: "production",
      policies: [{ name: "deny admin", enabled: true, match: [{ path: { path: { prefix: "/admin" } } }], firewall: { action: "ACTION_DENY" } }],
    });
    const policies = await unkey.gateway.listPolicies({ project: "shop", app: "api", environment: "production" });
    expect(policies.data[0]?.name).toBe("deny admin");

    const one = await unkey.deployments.createDeployment({
      project: "shop",
      app: "api",
      environment: "production",
      image: { dockerImage: "https://one.example" },
    });
    const two = await unkey.deployments.createDeployment({
      project: "shop",
      app: "api",
      environment: "production",
      image: { dockerImage: "https://two.example" },
    });
    const got = await unkey.deployments.getDeployment({ deploymentId: one.data.deploymentId });
    expect(got.data).toMatchObject({ status: "ready", isCurrent: false, runtime: { port: 3000 } });
    await unkey.deployments.rollbackDeployment({ deploymentId: one.data.deploymentId });
    expect((await unkey.apps.getApp({ project: "shop", app: "api" })).data).toMatchObject({ currentDeploymentId: one.data.deploymentId, isRolledBack: true });
    await unkey.deployments.promoteDeployment({ deploymentId: two.data.deploymentId });
    const list = await unkey.deployments.listDeployments({ project: "shop" });
    expect(list.result.data.map((d) => d.id)).toEqual([two.data.deploymentId, one.data.deploymentId]);

    const cli = await unkey.internal.createDeployment({
      project: "shop",
      app: "api",
      branch: "feature",
      environmentSlug: "preview",
      dockerImage: "https://preview.example",
    });
    const polled = await unkey.internal.getDeployment({ deploymentId: cli.data.deploymentId });
    expect(polled.data.status).toBe("READY");
    expect(polled.data.hostnames?.length).toBeGreaterThan(0);
    await unkey.deployments.stopDeployment({ deploymentId: cli.data.deploymentId });
    await unkey.deployments.startDeployment({ deploymentId: cli.data.deploymentId });

    await unkey.environments.setEnvironmentVariables({
      project: "shop",
      app: "api",
      environment: "production",
      variables: [{ key: "NAME", value: "shop", kind: "recoverable" }],
    });
    const vars = await unkey.environments.listEnvironmentVariables({ project: "shop", app: "api", environment: "production" });
    expect(vars.data[0]).toMatchObject({ key: "NAME", kind: "recoverable" });

    const dom = await unkey.domains.createDomain({ project: "shop", app: "api", environment: "production", domain: "api.shop.example" });
    expect((await unkey.domains.getDomain({ domain: dom.data.domainId })).data.status).toBe("pending");
    await unkey.domains.deleteDomain({ domain: "api.shop.example" });

    await unkey.apps.deleteApp({ project: "shop", app: "api" });
    await unkey.projects.deleteProject({ project: "shop" });
  });
});
