import type { BatchItem } from "drizzle-orm/batch";
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { workspaceHandle } from "./hostnames";
import { chunks, generatedDeploymentRoute, generatedEnvironmentRoutes } from "./resources";

/**
 * The Sentinel reads `gateway_routes` (joined with the environment's current deployment) and
 * keeps each host's answer in isolate memory for at most 1 s (workers/sentinel/routing.ts), so
 * route changes written here take effect on every Sentinel isolate within 1 s; there is no
 * routing cache to invalidate.
 *
 * Regenerates the generated hostnames (live, environment, deployment) of the apps in scope
 * after a slug change. Returns the batch writes and the hostnames that stop routing.
 */
export async function rebuildGeneratedRoutes(
  d: Database,
  workspaceId: string,
  scope: { projectId: string } | { appId: string },
  slugs: { project?: string; app?: string },
): Promise<{ writes: BatchItem<"sqlite">[]; removed: string[] }> {
  const a = schema.deployApps;
  const apps = await d
    .select({ app: a, project: schema.projects })
    .from(a)
    .innerJoin(schema.projects, eq(schema.projects.id, a.projectId))
    .where(and(isNull(a.deletedAt), "projectId" in scope ? eq(a.projectId, scope.projectId) : eq(a.id, scope.appId)));
  if (apps.length === 0) return { writes: [], removed: [] };
  const appIds = apps.map((x) => x.app.id);
  const groups = chunks(appIds);
  const [envs, deps, old] = await Promise.all([
    Promise.all(groups.map((ids) => d.select().from(schema.environments).where(inArray(schema.environments.appId, ids)))).then((r) => r.flat()),
    Promise.all(
      groups.map((ids) =>
        d
          .select({
            id: schema.deployments.id,
            workspaceId: schema.deployments.workspaceId,
            projectId: schema.deployments.projectId,
            appId: schema.deployments.appId,
            environmentId: schema.deployments.environmentId,
          })
          .from(schema.deployments)
          .where(inArray(schema.deployments.appId, ids)),
      ),
    ).then((r) => r.flat()),
    Promise.all(
      groups.map((ids) =>
        d
          .select({ hostname: schema.gatewayRoutes.hostname })
          .from(schema.gatewayRoutes)
          .where(and(inArray(schema.gatewayRoutes.appId, ids), ne(schema.gatewayRoutes.kind, "custom"))),
      ),
    ).then((r) => r.flat()),
  ]);
  const handle = await workspaceHandle(workspaceId);
  const now = Date.now();
  const rows: (typeof schema.gatewayRoutes.$inferInsert)[] = [];
  for (const { app, project } of apps) {
    const s = { project: slugs.project ?? project.slug, app: slugs.app ?? app.slug, workspace: handle };
    for (const e of envs.filter((e) => e.appId === app.id)) rows.push(...generatedEnvironmentRoutes(workspaceId, project.id, app.id, e, s, now));
    for (const dep of deps.filter((x) => x.appId === app.id)) rows.push(generatedDeploymentRoute(dep, s, now));
  }
  const writes: BatchItem<"sqlite">[] = groups.map((ids) =>
    d.delete(schema.gatewayRoutes).where(and(inArray(schema.gatewayRoutes.appId, ids), ne(schema.gatewayRoutes.kind, "custom"))),
  );
  // D1 caps bound parameters per statement: insert in chunks
  for (let i = 0; i < rows.length; i += 10)
    writes.push(
      d
        .insert(schema.gatewayRoutes)
        .values(rows.slice(i, i + 10))
        .onConflictDoNothing(),
    );
  const kept = new Set(rows.map((r) => r.hostname));
  return { writes, removed: old.map((o) => o.hostname).filter((h) => !kept.has(h)) };
}
