import { and, eq, inArray, isNull, or } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError } from "../errors";
import { compact } from "../compact";
import type { EnvironmentSettings } from "../../../schema/deploy";
import { base58 } from "../crypto";
import { DEFAULT_CPU_MS_PER_REQUEST, DEFAULT_SUBREQUESTS_PER_REQUEST } from "./runtime";
import { deploymentLabel, environmentLabel, liveLabel, publicHostname, workspaceHandle, type Slugs } from "./hostnames";

export type ProjectRow = typeof schema.projects.$inferSelect;
export type AppRow = typeof schema.deployApps.$inferSelect;
export type EnvironmentRow = typeof schema.environments.$inferSelect;
export type DeploymentRow = typeof schema.deployments.$inferSelect;

/** Splits ids into groups that fit D1's limit of bound parameters per statement. */
export function chunks<T>(list: T[], size = 90): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Deployment ids follow Unkey's `d_` form (deploy.getDeployment checks `^d_[a-zA-Z0-9]+$`). */
export function newDeploymentId(): string {
  return "d_" + base58(crypto.getRandomValues(new Uint8Array(14)));
}

/** Defaults echoed for the container fields (sentinel-deploy §3.8). */
export function defaultSettings(): EnvironmentSettings {
  return {
    runtime: { port: 8080, vCpus: 0.25, memoryMib: 256, storageMib: 0, command: [], shutdownSignal: "SIGTERM", upstreamProtocol: "http1" },
    build: { rootDirectory: ".", watchPaths: [], autoDeploy: true },
    regions: [],
  };
}

export const projectNotFound = () => new ApiError("unkey/data/project_not_found", "The requested project does not exist or has been deleted.");
export const appNotFound = () => new ApiError("unkey/data/app_not_found", "The requested app does not exist or has been deleted.");
export const environmentNotFound = () => new ApiError("unkey/data/environment_not_found", "The requested environment does not exist.");
export const deploymentNotFound = () => new ApiError("unkey/data/deployment_not_found", "The requested deployment does not exist.");

/** A ResourceIdentifier is an id or a slug. */
export async function findProject(d: Database, workspaceId: string, ident: string): Promise<ProjectRow | null> {
  const rows = await d
    .select()
    .from(schema.projects)
    .where(
      and(eq(schema.projects.workspaceId, workspaceId), isNull(schema.projects.deletedAt), or(eq(schema.projects.id, ident), eq(schema.projects.slug, ident))),
    )
    .limit(2);
  return rows.find((r) => r.id === ident) ?? rows[0] ?? null;
}

export async function getProjectOrThrow(d: Database, workspaceId: string, ident: string) {
  const p = await findProject(d, workspaceId, ident);
  if (!p) throw projectNotFound();
  return p;
}

export async function findApp(d: Database, project: ProjectRow, ident: string): Promise<AppRow | null> {
  const rows = await d
    .select()
    .from(schema.deployApps)
    .where(
      and(
        eq(schema.deployApps.projectId, project.id),
        isNull(schema.deployApps.deletedAt),
        or(eq(schema.deployApps.id, ident), eq(schema.deployApps.slug, ident)),
      ),
    )
    .limit(2);
  return rows.find((r) => r.id === ident) ?? rows[0] ?? null;
}

export async function getAppOrThrow(d: Database, workspaceId: string, projectIdent: string, appIdent: string) {
  const project = await getProjectOrThrow(d, workspaceId, projectIdent);
  const app = await findApp(d, project, appIdent);
  if (!app) throw appNotFound();
  return { project, app };
}

export async function getEnvironmentOrThrow(d: Database, workspaceId: string, projectIdent: string, appIdent: string, envIdent: string) {
  const { project, app } = await getAppOrThrow(d, workspaceId, projectIdent, appIdent);
  const rows = await d
    .select()
    .from(schema.environments)
    .where(and(eq(schema.environments.appId, app.id), or(eq(schema.environments.id, envIdent), eq(schema.environments.slug, envIdent))))
    .limit(2);
  const environment = rows.find((r) => r.id === envIdent) ?? rows[0];
  if (!environment) throw environmentNotFound();
  return { project, app, environment };
}

/** The deployment with its project, app and environment (all in the workspace), or null. */
export async function findDeployment(d: Database, workspaceId: string, deploymentId: string) {
  const rows = await d
    .select({ deployment: schema.deployments, project: schema.projects, app: schema.deployApps, environment: schema.environments })
    .from(schema.deployments)
    .innerJoin(schema.projects, eq(schema.projects.id, schema.deployments.projectId))
    .innerJoin(schema.deployApps, eq(schema.deployApps.id, schema.deployments.appId))
    .innerJoin(schema.environments, eq(schema.environments.id, schema.deployments.environmentId))
    .where(
      and(
        eq(schema.deployments.id, deploymentId),
        eq(schema.deployments.workspaceId, workspaceId),
        isNull(schema.deployApps.deletedAt),
        isNull(schema.projects.deletedAt),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

export function projectResponse(p: ProjectRow) {
  return compact({ id: p.id, name: p.name, slug: p.slug, createdAt: p.createdAt, updatedAt: p.updatedAt, deleteProtection: p.deleteProtection });
}

export function appResponse(a: AppRow) {
  return compact({
    id: a.id,
    name: a.name,
    slug: a.slug,
    git: a.gitRepository ? compact({ repository: a.gitRepository, defaultBranch: a.gitDefaultBranch }) : undefined,
    currentDeploymentId: a.currentDeploymentId,
    isRolledBack: a.isRolledBack,
    deleteProtection: a.deleteProtection,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  });
}

export function runtimeResponse(r: EnvironmentSettings["runtime"], withSpecPath: boolean) {
  return compact({
    port: r.port,
    vCpus: r.vCpus,
    memoryMib: r.memoryMib,
    storageMib: r.storageMib,
    command: r.command,
    healthcheck: r.healthcheck ?? undefined,
    shutdownSignal: r.shutdownSignal,
    upstreamProtocol: r.upstreamProtocol,
    openapiSpecPath: withSpecPath ? (r.openapiSpecPath ?? undefined) : undefined,
    forwardUnderscoreHeaders: withSpecPath ? r.forwardUnderscoreHeaders === true : undefined,
    cpuMsPerRequest: withSpecPath ? (r.cpuMsPerRequest ?? DEFAULT_CPU_MS_PER_REQUEST) : undefined,
    subrequestsPerRequest: withSpecPath ? (r.subrequestsPerRequest ?? DEFAULT_SUBREQUESTS_PER_REQUEST) : undefined,
    outboundNetwork: withSpecPath ? (r.outboundNetwork ?? "public") : undefined,
  });
}

export function environmentResponse(e: EnvironmentRow, hostnames: string[]) {
  const s = e.settings;
  return compact({
    id: e.id,
    slug: e.slug,
    description: "",
    kind: e.kind,
    deleteProtection: e.deleteProtection,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    runtime: runtimeResponse(s.runtime, true),
    build: compact({
      dockerfile: s.build.dockerfile ?? undefined,
      rootDirectory: s.build.rootDirectory,
      buildCommand: s.build.buildCommand ?? undefined,
      watchPaths: s.build.watchPaths,
      autoDeploy: s.build.autoDeploy,
    }),
    regions: s.regions,
    hostnames,
  });
}

export async function slugsOf(workspaceId: string, project: ProjectRow, app: AppRow): Promise<Slugs> {
  return { project: project.slug, app: app.slug, workspace: await workspaceHandle(workspaceId) };
}

/** Public hostnames serving an environment: its own, the live one (production) and custom domains. */
export async function environmentHostnames(d: Database, environmentId: string, base: string): Promise<string[]> {
  const rows = await d
    .select({ hostname: schema.gatewayRoutes.hostname, kind: schema.gatewayRoutes.kind })
    .from(schema.gatewayRoutes)
    .where(and(eq(schema.gatewayRoutes.environmentId, environmentId), isNull(schema.gatewayRoutes.deploymentId)));
  const order = { live: 0, environment: 1, custom: 2, deployment: 3 } as const;
  return rows.sort((a, b) => order[a.kind] - order[b.kind]).map((r) => publicHostname(r.hostname, base));
}

/** Hostnames reaching a deployment: its pinned one, plus the environment's while it is current. */
export async function deploymentHostnames(d: Database, dep: DeploymentRow, environment: EnvironmentRow, base: string): Promise<string[]> {
  return (await hostnamesOfDeployments(d, [{ deployment: dep, environment }], base)).get(dep.id) ?? [];
}

/** The same for a page of deployments, in one query (only their own and environment-wide routes). */
export async function hostnamesOfDeployments(
  d: Database,
  items: { deployment: DeploymentRow; environment: EnvironmentRow }[],
  base: string,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (items.length === 0) return out;
  const t = schema.gatewayRoutes;
  const envIds = [...new Set(items.map((i) => i.environment.id))];
  const cols = { hostname: t.hostname, kind: t.kind, deploymentId: t.deploymentId, environmentId: t.environmentId };
  // D1 binds at most 100 parameters per statement: ask in chunks
  const rows = (
    await Promise.all([
      ...chunks(items.map((i) => i.deployment.id)).map((ids) => d.select(cols).from(t).where(inArray(t.deploymentId, ids))),
      ...chunks(envIds).map((ids) =>
        d
          .select(cols)
          .from(t)
          .where(and(inArray(t.environmentId, ids), isNull(t.deploymentId))),
      ),
    ])
  ).flat();
  const order = { deployment: 0, live: 1, environment: 2, custom: 3 } as const;
  for (const { deployment: dep, environment } of items) {
    const isCurrent = environment.currentDeploymentId === dep.id;
    out.set(
      dep.id,
      rows
        .filter((r) => (r.deploymentId ? r.deploymentId === dep.id : isCurrent && r.environmentId === environment.id))
        .sort((a, b) => order[a.kind] - order[b.kind])
        .map((r) => publicHostname(r.hostname, base)),
    );
  }
  return out;
}

export function generatedEnvironmentRoutes(
  workspaceId: string,
  projectId: string,
  appId: string,
  env: { id: string; slug: string; kind: string },
  slugs: Slugs,
  now: number,
) {
  const rows: (typeof schema.gatewayRoutes.$inferInsert)[] = [
    {
      hostname: environmentLabel(slugs, env.slug),
      workspaceId,
      projectId,
      appId,
      environmentId: env.id,
      deploymentId: null,
      kind: "environment",
      createdAt: now,
    },
  ];
  if (env.kind === "production") {
    rows.push({ hostname: liveLabel(slugs), workspaceId, projectId, appId, environmentId: env.id, deploymentId: null, kind: "live", createdAt: now });
  }
  return rows;
}

export function generatedDeploymentRoute(
  dep: { id: string; workspaceId: string; projectId: string; appId: string; environmentId: string },
  slugs: Slugs,
  now: number,
) {
  return {
    hostname: deploymentLabel(slugs, dep.id),
    workspaceId: dep.workspaceId,
    projectId: dep.projectId,
    appId: dep.appId,
    environmentId: dep.environmentId,
    deploymentId: dep.id,
    kind: "deployment" as const,
    createdAt: now,
  };
}
