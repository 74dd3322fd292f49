import type { Upstream } from "../../schema/deploy";
import type { StoredPolicy } from "../lib/deploy/gateway";
import { routeKeyForHost } from "../lib/deploy/hostnames";
import { Rejection } from "./errors";

/**
 * Host → deployment. One D1 read per request answers which deployment a hostname serves right
 * now (a pinned deployment, or the environment's current one) and its status, so a promote or
 * rollback is seen by the very next request. The deployment's immutable parts (upstream,
 * policies, runtime settings) are kept in isolate memory by deployment id.
 */
export interface Route {
  hostname: string;
  workspaceId: string;
  projectId: string;
  appId: string;
  environmentId: string;
  deploymentId: string;
  status: string;
}

export interface DeploymentSnapshot {
  id: string;
  upstream: Upstream;
  policies: StoredPolicy[];
  openapiSpecPath: string | null;
  /** runtime setting: pass header names containing `_` to the app */
  forwardUnderscoreHeaders: boolean;
  /** who owns it (code deployments: runtime log rows) */
  workspaceId: string;
  projectId: string;
  appId: string;
  environmentId: string;
  /** runtime settings of code deployments (docs/deploy.md) */
  runtime: { cpuMsPerRequest?: number; subrequestsPerRequest?: number; outboundNetwork?: "public" | "none" };
}

const ROUTE_SQL = `
SELECT r.hostname AS hostname, r.workspace_id AS workspace_id, r.project_id AS project_id, r.app_id AS app_id,
       r.environment_id AS environment_id, d.id AS deployment_id, d.status AS status
FROM gateway_routes r
JOIN environments e ON e.id = r.environment_id
LEFT JOIN deployments d ON d.id = COALESCE(r.deployment_id, e.current_deployment_id)
WHERE r.hostname = ?1`;

type RouteRow = { hostname: string; workspace_id: string; project_id: string; app_id: string; environment_id: string; deployment_id: string | null; status: string | null };

export async function resolveRoute(db: D1Database, host: string | null, base: string): Promise<Route> {
  const key = host ? routeKeyForHost(host, base) : null;
  if (!key) throw new Rejection("routing:config_not_found", `No deployment is configured for the host '${host ?? ""}'.`);
  const row = await db.prepare(ROUTE_SQL).bind(key).first<RouteRow>();
  if (!row) throw new Rejection("routing:config_not_found", `No deployment is configured for the host '${host}'.`);
  if (!row.deployment_id || !row.status) throw new Rejection("routing:deployment_not_found", "The environment behind this host has no deployment yet.");
  if (row.status !== "ready") throw new Rejection("capacity:deployment_offline", `The deployment is ${row.status}.`);
  return {
    hostname: row.hostname,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    appId: row.app_id,
    environmentId: row.environment_id,
    deploymentId: row.deployment_id,
    status: row.status,
  };
}

const snapshots = new Map<string, DeploymentSnapshot>();
const MAX_SNAPSHOTS = 10_000;

export async function loadSnapshot(db: D1Database, deploymentId: string): Promise<DeploymentSnapshot> {
  const hit = snapshots.get(deploymentId);
  if (hit) return hit;
  const row = await db
    .prepare("SELECT id, workspace_id, project_id, app_id, environment_id, upstream, policies, runtime FROM deployments WHERE id = ?1")
    .bind(deploymentId)
    .first<{ id: string; workspace_id: string; project_id: string; app_id: string; environment_id: string; upstream: string; policies: string; runtime: string }>();
  if (!row) throw new Rejection("routing:deployment_not_found");
  let snap: DeploymentSnapshot;
  try {
    const runtime = JSON.parse(row.runtime) as DeploymentSnapshot["runtime"] & { openapiSpecPath?: string | null; forwardUnderscoreHeaders?: boolean };
    snap = {
      id: row.id,
      upstream: JSON.parse(row.upstream),
      policies: JSON.parse(row.policies),
      openapiSpecPath: runtime.openapiSpecPath ?? null,
      forwardUnderscoreHeaders: runtime.forwardUnderscoreHeaders === true,
      workspaceId: row.workspace_id,
      projectId: row.project_id,
      appId: row.app_id,
      environmentId: row.environment_id,
      runtime: { cpuMsPerRequest: runtime.cpuMsPerRequest, subrequestsPerRequest: runtime.subrequestsPerRequest, outboundNetwork: runtime.outboundNetwork },
    };
    if (!Array.isArray(snap.policies)) throw new Error("policies are not a list");
  } catch (e) {
    throw new Rejection("config:invalid_configuration", `The deployment's configuration cannot be read: ${(e as Error).message}`);
  }
  if (snapshots.size >= MAX_SNAPSHOTS) snapshots.delete(snapshots.keys().next().value!);
  snapshots.set(deploymentId, snap);
  return snap;
}
