import { publish } from "../analytics/events";
import { parseGatewayRequestRow, type AnalyticsMessageOf, type GatewayRequestRow } from "../analytics/messages";
import { defineTableSet } from "../analytics/sql/tables";
import type { Env } from "../env";

/**
 * Gateway request logs (sentinel-deploy §4.1). The Sentinel builds a row per proxied request
 * (redacted there: workers/sentinel/redact.ts) and hands it to the API Worker
 * (ApiEntrypoint.recordGatewayRequests), which ships it through the analytics Queue; the
 * consumer writes it to `gateway_requests_v1` exactly once (INSERT OR IGNORE by request id).
 * analytics.getGatewayRequests queries that table. The row's type: lib/analytics/messages.ts.
 */

function gatewayRequestMessage(row: GatewayRequestRow): AnalyticsMessageOf<"gateway_request"> {
  return { v: 1, type: "gateway_request", id: `evt_${row.request_id}`, event: row };
}

type Owner = { workspace_id: string; project_id: string; app_id: string; environment_id: string };
const owners = new Map<string, Owner | null>();

/** Who a deployment belongs to (immutable, cached per isolate); request logs and runtime logs check it. */
export async function ownerOf(d1: D1Database, deploymentId: string): Promise<Owner | null> {
  if (owners.has(deploymentId)) return owners.get(deploymentId)!;
  const row = await d1.prepare("SELECT workspace_id, project_id, app_id, environment_id FROM deployments WHERE id = ?1").bind(deploymentId).first<Owner>();
  if (owners.size > 10_000) owners.clear();
  if (row) owners.set(deploymentId, row);
  return row ?? null;
}

/**
 * Sends rows through the analytics Queue (or writes them directly where none is bound). A row
 * is only accepted when its deployment really belongs to the workspace, project, app and
 * environment it names, so no caller of the RPC can write into another workspace's logs.
 */
export async function shipGatewayRequests(env: Env, rows: unknown[]): Promise<void> {
  const parsed = (Array.isArray(rows) ? rows.slice(0, 1000) : []).map(parseGatewayRequestRow).filter((r): r is GatewayRequestRow => r !== null);
  const good: GatewayRequestRow[] = [];
  for (const r of parsed) {
    const o = await ownerOf(env.DB, r.deployment_id);
    if (o && o.workspace_id === r.workspace_id && o.project_id === r.project_id && o.app_id === r.app_id && o.environment_id === r.environment_id) good.push(r);
  }
  if (good.length === 0) return;
  await publish(env, good.map(gatewayRequestMessage));
}

/** `gateway_requests_v1` for analytics.getGatewayRequests (workspace filter injected). */
export const GATEWAY_REQUESTS = defineTableSet("gatewayRequests", [
  {
    name: "gateway_requests_v1",
    grain: "raw",
    columns: {
      request_id: "string",
      time: "int",
      workspace_id: "string",
      project_id: "string",
      app_id: "string",
      environment_id: "string",
      deployment_id: "string",
      instance_id: "string",
      region: "string",
      method: "string",
      host: "string",
      path: "string",
      query_string: "string",
      query_params: "string",
      request_headers: "array",
      request_body: "string",
      response_status: "int",
      response_headers: "array",
      response_body: "string",
      user_agent: "string",
      ip_address: "string",
      total_latency: "int",
      instance_latency: "int",
      gateway_latency: "int",
      cpu_time: "int",
    },
    workspaceColumn: "workspace_id",
    timeColumn: "time",
    scopeColumns: ["project_id"],
  },
]);
