import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function appWithEnvs() {
  const { rootKey, workspaceId } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  const appId = (await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey)).body.data.appId as string;
  return { rootKey, workspaceId, appId };
}

const deploy = (rootKey: string, body: Record<string, unknown>, environment = "production") =>
  call("deployments.createDeployment", { project: "proj", app: "web", environment, ...body }, rootKey);

describe("deployments.*", () => {
  it("creates a ready deployment of an upstream (201) that production serves", async () => {
    const { rootKey, appId } = await appWithEnvs();
    const res = await deploy(rootKey, { upstream: { url: "https://origin.example/" } });
    expect(res.status).toBe(201);
    const id = res.body.data.deploymentId;
    expect(id).toMatch(/^d_[a-zA-Z0-9]+$/);
    const got = await call("deployments.getDeployment", { deploymentId: id }, rootKey);
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({
      id,
      status: "ready",
      isCurrent: true,
      environment: "production",
      app: "web",
      project: "proj",
      regions: [],
      availableActions: [],
      upstream: { url: "https://origin.example" },
      runtime: { vCpus: 0.25, memoryMib: 256, storageMib: 0, port: 8080, command: [], shutdownSignal: "SIGTERM", upstreamProtocol: "http1" },
    });
    // pinned deployment hostname first, then live and environment hostnames
    expect(got.body.data.domains[0]).toMatch(new RegExp(`^proj-web-dep-${id.toLowerCase().replace("_", "-")}-w[0-9a-f]{8}\\.localhost$`));
    expect(got.body.data.domains).toHaveLength(3);
    expect((await call("apps.getApp", { project: "proj", app: "web" }, rootKey)).body.data.currentDeploymentId).toBe(id);
    expect(appId).toMatch(/^app_/);
  });

  it("reads a docker image as an upstream URL or worker binding, and refuses real images", async () => {
    const { rootKey } = await appWithEnvs();
    const url = await deploy(rootKey, { image: { dockerImage: "https://origin.example" } });
    expect(url.status).toBe(201);
    const worker = await deploy(rootKey, { image: { dockerImage: "worker:MY_APP" } });
    const got = await call("deployments.getDeployment", { deploymentId: worker.body.data.deploymentId }, rootKey);
    expect(got.body.data).toMatchObject({ upstream: { worker: "MY_APP" }, docker: { image: "worker:MY_APP" } });
    const image = await deploy(rootKey, { image: { dockerImage: "ghcr.io/acme/api:1.0" } });
    expect(image.status).toBe(400);
    expect(image.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
    expect((await deploy(rootKey, {})).status).toBe(400);
    expect((await deploy(rootKey, { upstream: { url: "ftp://x" } })).status).toBe(400);
    expect((await deploy(rootKey, { upstream: { worker: "bad-name" } })).status).toBe(400);
  });

  it("snapshots policies at creation: later policy edits do not change an existing deployment", async () => {
    const { rootKey } = await appWithEnvs();
    const policies = [{ name: "deny", enabled: true, firewall: { action: "ACTION_DENY" } }];
    await call("gateway.setPolicies", { project: "proj", app: "web", environment: "production", policies }, rootKey);
    const first = (await deploy(rootKey, { upstream: { url: "https://a.example" } })).body.data.deploymentId;
    await call("gateway.setPolicies", { project: "proj", app: "web", environment: "production", policies: [] }, rootKey);
    const second = (await deploy(rootKey, { upstream: { url: "https://b.example" } })).body.data.deploymentId;
    const { env } = await import("cloudflare:test");
    const rows = await env.DB.prepare("SELECT id, policies FROM deployments WHERE id IN (?, ?)").bind(first, second).all<{ id: string; policies: string }>();
    const byId = Object.fromEntries(rows.results.map((r) => [r.id, JSON.parse(r.policies)]));
    expect(byId[first]).toHaveLength(1);
    expect(byId[second]).toEqual([]);
  });

  it("rolls back and promotes atomically, with the documented preconditions", async () => {
    const { rootKey } = await appWithEnvs();
    const one = (await deploy(rootKey, { upstream: { url: "https://one.example" } })).body.data.deploymentId;
    const two = (await deploy(rootKey, { upstream: { url: "https://two.example" } })).body.data.deploymentId;
    const app = () => call("apps.getApp", { project: "proj", app: "web" }, rootKey).then((r) => r.body.data);
    expect((await app()).currentDeploymentId).toBe(two);

    const current = await call("deployments.rollbackDeployment", { deploymentId: two }, rootKey);
    expect(current.status).toBe(412);
    expect(current.body.error!.type).toBe(errorType("unkey/application/deployment_is_current"));
    expect((await call("deployments.promoteDeployment", { deploymentId: two }, rootKey)).status).toBe(412);

    expect((await call("deployments.getDeployment", { deploymentId: one }, rootKey)).body.data.availableActions).toEqual(["promote", "rollback"]);
    const rb = await call("deployments.rollbackDeployment", { deploymentId: one }, rootKey);
    expect(rb.status).toBe(202);
    expect(await app()).toMatchObject({ currentDeploymentId: one, isRolledBack: true });

    // while rolled back, new deployments do not take traffic
    const three = (await deploy(rootKey, { upstream: { url: "https://three.example" } })).body.data.deploymentId;
    expect((await app()).currentDeploymentId).toBe(one);
    expect((await call("deployments.getDeployment", { deploymentId: three }, rootKey)).body.data.isCurrent).toBe(false);

    expect((await call("deployments.promoteDeployment", { deploymentId: three }, rootKey)).status).toBe(202);
    expect(await app()).toMatchObject({ currentDeploymentId: three, isRolledBack: false });

    // audit trail
    const { env } = await import("cloudflare:test");
    const events = await env.DB.prepare("SELECT event FROM audit_logs WHERE event IN ('deployment.rollback', 'deployment.promote') AND targets LIKE ?")
      .bind(`%${one}%`)
      .all();
    expect(events.results.length).toBe(1);
  });

  it("stops and starts preview deployments only", async () => {
    const { rootKey } = await appWithEnvs();
    const prod = (await deploy(rootKey, { upstream: { url: "https://p.example" } })).body.data.deploymentId;
    const prev = (await deploy(rootKey, { upstream: { url: "https://v.example" } }, "preview")).body.data.deploymentId;
    expect((await call("deployments.stopDeployment", { deploymentId: prod }, rootKey)).status).toBe(412);
    expect((await call("deployments.startDeployment", { deploymentId: prev }, rootKey)).status).toBe(412);
    expect((await call("deployments.stopDeployment", { deploymentId: prev }, rootKey)).status).toBe(202);
    const stopped = await call("deployments.getDeployment", { deploymentId: prev }, rootKey);
    expect(stopped.body.data).toMatchObject({ status: "stopped", availableActions: ["start"] });
    expect((await call("deployments.startDeployment", { deploymentId: prev }, rootKey)).status).toBe(202);
    expect((await call("deployments.getDeployment", { deploymentId: prev }, rootKey)).body.data.status).toBe("ready");
  });

  it("lists newest first with filters and cursor pagination", async () => {
    const { rootKey } = await appWithEnvs();
    const ids: string[] = [];
    for (const u of ["a", "b", "c"]) ids.push((await deploy(rootKey, { upstream: { url: `https://${u}.example` } })).body.data.deploymentId);
    const preview = (await deploy(rootKey, { upstream: { url: "https://p.example" } }, "preview")).body.data.deploymentId;
    const page1 = await call("deployments.listDeployments", { project: "proj", app: "web", environment: "production", limit: 2 }, rootKey);
    expect(page1.body.pagination!.hasMore).toBe(true);
    const page2 = await call(
      "deployments.listDeployments",
      { project: "proj", app: "web", environment: "production", limit: 2, cursor: page1.body.pagination!.cursor },
      rootKey,
    );
    const listed = [...page1.body.data, ...page2.body.data].map((d: { id: string }) => d.id);
    expect(new Set(listed)).toEqual(new Set(ids));
    expect(listed).toHaveLength(3);
    const all = await call("deployments.listDeployments", {}, rootKey);
    expect(all.body.data.map((d: { id: string }) => d.id)).toContain(preview);
    expect((await call("deployments.listDeployments", { app: "web" }, rootKey)).status).toBe(400);
    const stopped = await call("deployments.listDeployments", { status: ["stopped"] }, rootKey);
    expect(stopped.body.data).toEqual([]);
  });

  it("lists a page of more deployments than D1 binds parameters per statement", async () => {
    const { rootKey } = await appWithEnvs();
    for (let i = 0; i < 100; i++) expect((await deploy(rootKey, { upstream: { url: `https://n${i}.example` } })).status).toBe(201);
    const all = await call("deployments.listDeployments", { project: "proj" }, rootKey);
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(100);
    expect(all.body.data.every((d: { domains: string[] }) => d.domains.length >= 1)).toBe(true);
    expect(all.body.data.filter((d: { isCurrent: boolean }) => d.isCurrent)).toHaveLength(1);
  });

  it("reports deployments a root key may not read as not found", async () => {
    const { rootKey } = await appWithEnvs();
    const id = (await deploy(rootKey, { upstream: { url: "https://x.example" } })).body.data.deploymentId;
    const none = await rootKeyWith(rootKey, ["api.*.read_api"]);
    expect((await call("deployments.getDeployment", { deploymentId: id }, none)).status).toBe(404);
    expect((await call("deployments.promoteDeployment", { deploymentId: id }, none)).status).toBe(404);
    expect((await call("deployments.listDeployments", {}, none)).status).toBe(403);
    const other = await newWorkspace();
    expect((await call("deployments.getDeployment", { deploymentId: id }, other.rootKey)).status).toBe(404);
  });
});
