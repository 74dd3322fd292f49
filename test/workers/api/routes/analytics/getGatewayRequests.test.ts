import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { call, newWorkspace, rootKeyWith } from "../../../../helpers/harness";
import type { GatewayRequestRow } from "../../../../../workers/lib/analytics/messages";
import { shipGatewayRequests } from "../../../../../workers/lib/deploy/requestLog";

/** A project with one deployment and `n` logged requests (written without the Queue). */
async function projectWithLogs(rootKey: string, slug: string, paths: string[]) {
  const projectId = (await call("projects.createProject", { name: slug, slug }, rootKey)).body.data.id as string;
  await call("apps.createApp", { project: slug, name: "web", slug: "web" }, rootKey);
  const dep = await call(
    "deployments.createDeployment",
    { project: slug, app: "web", environment: "production", upstream: { url: "https://o.example" } },
    rootKey,
  );
  const d = await env.DB.prepare("SELECT id, workspace_id, project_id, app_id, environment_id FROM deployments WHERE id = ?")
    .bind(dep.body.data.deploymentId)
    .first<Record<string, string>>();
  const rows: GatewayRequestRow[] = paths.map((path, i) => ({
    request_id: `req_${crypto.randomUUID().replaceAll("-", "")}`,
    time: Date.now() - i,
    workspace_id: d!.workspace_id!,
    project_id: d!.project_id!,
    app_id: d!.app_id!,
    environment_id: d!.environment_id!,
    deployment_id: d!.id!,
    instance_id: "o.example",
    region: "cloudflare::local",
    method: "GET",
    host: `${slug}.localhost`,
    path,
    query_string: "",
    query_params: "{}",
    request_headers: JSON.stringify(["authorization: [REDACTED]"]),
    request_body: "",
    response_status: 200,
    response_headers: "[]",
    response_body: "",
    user_agent: "",
    ip_address: "",
    total_latency: 10,
    instance_latency: 8,
    gateway_latency: 2,
  }));
  await shipGatewayRequests({ ...env, ANALYTICS_QUEUE: undefined }, rows);
  return projectId;
}

describe("analytics.getGatewayRequests", () => {
  it("answers SQL over the workspace's request log", async () => {
    const { rootKey } = await newWorkspace();
    await projectWithLogs(rootKey, "shop", ["/a", "/a", "/b"]);
    const res = await call(
      "analytics.getGatewayRequests",
      { query: "SELECT path, COUNT(*) AS n, SUM(gateway_latency) AS g FROM gateway_requests_v1 GROUP BY path ORDER BY path" },
      rootKey,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual([
      { path: "/a", n: 2, g: 4 },
      { path: "/b", n: 1, g: 2 },
    ]);
    const other = await newWorkspace();
    expect((await call("analytics.getGatewayRequests", { query: "SELECT COUNT(*) AS n FROM gateway_requests_v1" }, other.rootKey)).body.data).toEqual([
      { n: 0 },
    ]);
  });

  it("limits project-scoped root keys to their projects and refuses keys without the permission", async () => {
    const { rootKey } = await newWorkspace();
    const shop = await projectWithLogs(rootKey, "shop", ["/s"]);
    await projectWithLogs(rootKey, "blog", ["/b1", "/b2"]);
    const scoped = await rootKeyWith(rootKey, [`project.${shop}.read_gateway_requests`]);
    const res = await call("analytics.getGatewayRequests", { query: "SELECT path FROM gateway_requests_v1" }, scoped);
    expect(res.body.data).toEqual([{ path: "/s" }]);
    const none = await rootKeyWith(rootKey, ["api.*.read_analytics"]);
    expect((await call("analytics.getGatewayRequests", { query: "SELECT path FROM gateway_requests_v1" }, none)).status).toBe(403);
    expect((await call("analytics.getGatewayRequests", { query: "SELECT * FROM key_verifications_v1" }, rootKey)).status).toBe(400);
  });
});
