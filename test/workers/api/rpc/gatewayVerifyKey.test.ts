import { describe, expect, it } from "vitest";
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { call, newApi, newWorkspace } from "../../../helpers/harness";
import { gatewayVerifyKey } from "../../../../workers/api/rpc/gatewayVerifyKey";
import { createScope } from "../../../../workers/lib/scope";
import type { GatewayRequestRow } from "../../../../workers/lib/analytics/messages";
import { shipGatewayRequests } from "../../../../workers/lib/deploy/requestLog";

async function deployment(policies: unknown[] = []) {
  const { rootKey, workspaceId } = await newWorkspace();
  const apiId = await newApi(rootKey);
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey);
  const where = { project: "proj", app: "web", environment: "production" };
  const resolved = JSON.parse(JSON.stringify(policies).replaceAll("$API", apiId));
  expect((await call("gateway.setPolicies", { ...where, policies: resolved }, rootKey)).status).toBe(200);
  const deploymentId = (await call("deployments.createDeployment", { ...where, upstream: { url: "https://o.example" } }, rootKey)).body.data
    .deploymentId as string;
  const listed = (await call("gateway.listPolicies", where, rootKey)).body.data as { id: string }[];
  return { rootKey, workspaceId, apiId, deploymentId, policyIds: listed.map((p) => p.id) };
}

/** The scope ApiEntrypoint builds for one call, with the Sentinel's request id. */
const scopeOf = (ctx: ExecutionContext, requestId: string) => createScope({ env, waitUntil: (p) => ctx.waitUntil(p), requestId });

describe("ApiEntrypoint.gatewayVerifyKey", () => {
  it("verifies with the rule of the deployment's snapshot and reports the key's keyspace", async () => {
    const d = await deployment([{ name: "keys", enabled: true, keyauth: { keyspaces: ["$API"], permissionQuery: "orders.read" } }]);
    const ok = (await call("keys.createKey", { apiId: d.apiId, permissions: ["orders.read"] }, d.rootKey)).body.data;
    const without = (await call("keys.createKey", { apiId: d.apiId }, d.rootKey)).body.data;
    const ctx = createExecutionContext();
    const valid = await gatewayVerifyKey(scopeOf(ctx, "req_t1"), { deploymentId: d.deploymentId, policyId: d.policyIds[0]!, key: ok.key, requestId: "req_t1" });
    expect(valid).toMatchObject({ meta: { requestId: "req_t1" }, data: { result: { valid: true, code: "VALID", keyId: ok.keyId } } });
    expect("data" in valid && valid.data.keyspaceId).toMatch(/^ks_/);
    const denied = await gatewayVerifyKey(scopeOf(ctx, "req_t2"), {
      deploymentId: d.deploymentId,
      policyId: d.policyIds[0]!,
      key: without.key,
      requestId: "req_t2",
    });
    expect(denied).toMatchObject({ data: { result: { valid: false, code: "INSUFFICIENT_PERMISSIONS" } } });
    await waitOnExecutionContext(ctx);
  });

  it("refuses a policy the deployment does not have, and keys of other workspaces are not found", async () => {
    const d = await deployment([{ name: "keys", enabled: true, keyauth: { keyspaces: ["$API"] } }]);
    const other = await deployment();
    const foreign = (await call("keys.createKey", { apiId: other.apiId }, other.rootKey)).body.data;
    const ctx = createExecutionContext();
    expect(await gatewayVerifyKey(scopeOf(ctx, "r"), { deploymentId: d.deploymentId, policyId: "pol_nope", key: foreign.key, requestId: "r" })).toMatchObject({
      error: { status: 404 },
    });
    expect(
      await gatewayVerifyKey(scopeOf(ctx, "r"), { deploymentId: d.deploymentId, policyId: d.policyIds[0]!, key: foreign.key, requestId: "r" }),
    ).toMatchObject({ data: { result: { code: "NOT_FOUND" } } });
    await waitOnExecutionContext(ctx);
  });
});

describe("ApiEntrypoint.recordGatewayRequests", () => {
  it("stores rows of real deployments and drops rows that misname their owner", async () => {
    const d = await deployment();
    const row = await env.DB.prepare("SELECT workspace_id, project_id, app_id, environment_id FROM deployments WHERE id = ?")
      .bind(d.deploymentId)
      .first<Record<string, string>>();
    const base: GatewayRequestRow = {
      request_id: `req_${crypto.randomUUID().replaceAll("-", "")}`,
      time: Date.now(),
      workspace_id: row!.workspace_id!,
      project_id: row!.project_id!,
      app_id: row!.app_id!,
      environment_id: row!.environment_id!,
      deployment_id: d.deploymentId,
      instance_id: "o.example",
      region: "cloudflare::local",
      method: "GET",
      host: "h",
      path: "/",
      query_string: "",
      query_params: "{}",
      request_headers: "[]",
      request_body: "",
      response_status: 200,
      response_headers: "[]",
      response_body: "",
      user_agent: "",
      ip_address: "",
      total_latency: 3,
      instance_latency: 2,
      gateway_latency: 1,
    };
    const forged = { ...base, request_id: `req_${crypto.randomUUID().replaceAll("-", "")}`, workspace_id: "ws_other" };
    // without a Queue binding the pipeline writes at once (the Queue path is covered end to end)
    await shipGatewayRequests({ ...env, ANALYTICS_QUEUE: undefined }, [base, forged, { nonsense: true }]);
    const stored = await env.ANALYTICS_DB.prepare("SELECT request_id FROM gateway_requests_v1 WHERE request_id IN (?, ?)")
      .bind(base.request_id, forged.request_id)
      .all<{ request_id: string }>();
    expect(stored.results.map((r) => r.request_id)).toEqual([base.request_id]);
  });
});
