import type { Upstream } from "../../schema/deploy";
import type { StoredPolicy } from "../lib/deploy/gateway";
import { routeKeyForHost } from "../lib/deploy/hostnames";
import { Rejection } from "./errors";

/**
 * Host → deployment. A D1 read answers which deployment a hostname serves (a pinned deployment,
 * or the environment's current one) and its status; each isolate keeps that answer (or the
 * refusal) for ROUTE_FRESH_MS, so a request awaits nothing remote while it is fresh, and a
 * promote, rollback, stop or domain change is seen by every isolate within that bound (1 s;
 * SENTINEL_ROUTE_TTL_MS overrides it, e.g. for tests). The deployment's immutable parts
 * (upstream, policies, runtime settings) are kept in isolate memory by deployment id.
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

type RouteRow = {
  hostname: string;
  workspace_id: string;
  project_id: string;
  app_id: string;
  environment_id: string;
  deployment_id: string | null;
  status: string | null;
};

/** How long an isolate serves a host's route from memory: the documented bound on route changes. */
export const ROUTE_FRESH_MS = 1_000;
const MAX_ROUTES = 10_000;

type Cached = { until: number; route?: Route; refusal?: Rejection };
const routes = new Map<string, Cached>();

/** The fresh time of the route cache: SENTINEL_ROUTE_TTL_MS when set (0 disables it), else ROUTE_FRESH_MS. */
export function routeTtl(v: unknown): number {
  const n = typeof v === "string" && v !== "" ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.min(n, ROUTE_FRESH_MS) : ROUTE_FRESH_MS;
}

/**
 * The route of a host, from isolate memory when it was read within `ttlMs`. Refusals (unknown
 * host, no deployment, offline) are kept too, so a flood of requests to a stopped deployment
 * does not reach D1 either.
 */
export async function resolveRoute(db: D1Database, host: string | null, base: string, ttlMs: number = ROUTE_FRESH_MS): Promise<Route> {
  const key = host ? routeKeyForHost(host, base) : null;
  if (!key) throw new Rejection("routing:config_not_found", `No deployment is configured for the host '${host ?? ""}'.`);
  // keyed by the host as sent, so an answer (and its message) is only reused for that spelling
  const id = host!;
  let hit = routes.get(id);
  if (!hit || hit.until <= Date.now()) {
    // each request that finds the route stale reads it itself: a promise shared with another
    // request's I/O could be cancelled with that request
    // the bound counts from before the read, so no answer is served more than ttlMs after it was asked
    const asked = Date.now();
    hit = { ...(await readRoute(db, key, id)), until: asked + ttlMs };
    if (ttlMs > 0) {
      if (routes.size >= MAX_ROUTES) routes.clear();
      routes.set(id, hit);
    }
  }
  if (hit.refusal) throw hit.refusal;
  return hit.route!;
}

async function readRoute(db: D1Database, key: string, host: string): Promise<Omit<Cached, "until">> {
  try {
    return { route: await queryRoute(db, key, host) };
  } catch (e) {
    if (e instanceof Rejection) return { refusal: e };
    throw e;
  }
}

async function queryRoute(db: D1Database, key: string, host: string): Promise<Route> {
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
    .first<{
      id: string;
      workspace_id: string;
      project_id: string;
      app_id: string;
      environment_id: string;
      upstream: string;
      policies: string;
      runtime: string;
    }>();
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
