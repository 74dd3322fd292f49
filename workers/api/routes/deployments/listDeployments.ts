import { and, desc, eq, inArray, lt, or as sqlOr } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { invalidInput } from "../../../lib/errors";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { findApp, getEnvironmentOrThrow, getProjectOrThrow, hostnamesOfDeployments } from "../../../lib/deploy/resources";
import { DEPLOYMENT_STATUSES, deploymentResponse } from "../../../lib/deploy/deployments";
import { DeploymentData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { appNotFound } from "../../../lib/deploy/resources";
import { page, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "deployments.listDeployments",
  summary: "List deployments",
  description:
    "Lists deployments newest first, optionally narrowed to a project, an app of it, or an environment of that app, and to statuses. Needs `environment.*.read_deployment`.",
  errors: [404],
  paginated: true,
  body: z.object({
    project: ResourceIdentifier.optional(),
    app: ResourceIdentifier.optional(),
    environment: ResourceIdentifier.optional(),
    status: z.array(z.enum(DEPLOYMENT_STATUSES)).max(13).optional(),
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().max(1024).optional(),
  }),
  data: z.array(DeploymentData),
});

/** Cursor: "<createdAt>:<id>" of the first row of the next page. */
function parseCursor(cursor: string) {
  const i = cursor.indexOf(":");
  const t = Number(cursor.slice(0, i));
  if (i <= 0 || !Number.isSafeInteger(t)) throw invalidInput("The cursor is not valid.", [{ location: "/body/cursor", message: "unknown cursor" }]);
  return { t, id: cursor.slice(i + 1) };
}

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    if (b.app && !b.project) throw invalidInput("Filtering by app needs the project.", [{ location: "/body/project", message: "required with app" }]);
    if (b.environment && !b.app)
      throw invalidInput("Filtering by environment needs the project and app.", [{ location: "/body/app", message: "required with environment" }]);
    const root = await authorize(c, "environment.*.read_deployment");
    const d = db(c.env.DB);
    const t = schema.deployments;
    const filters = [eq(t.workspaceId, root.workspaceId)];
    if (b.environment) filters.push(eq(t.environmentId, (await getEnvironmentOrThrow(d, root.workspaceId, b.project!, b.app!, b.environment)).environment.id));
    else if (b.app) {
      const project = await getProjectOrThrow(d, root.workspaceId, b.project!);
      const a = await findApp(d, project, b.app);
      if (!a) throw appNotFound();
      filters.push(eq(t.appId, a.id));
    } else if (b.project) filters.push(eq(t.projectId, (await getProjectOrThrow(d, root.workspaceId, b.project)).id));
    if (b.status?.length) filters.push(inArray(t.status, b.status));
    if (b.cursor) {
      const cur = parseCursor(b.cursor);
      filters.push(sqlOr(lt(t.createdAt, cur.t), and(eq(t.createdAt, cur.t), lt(t.id, cur.id)))!);
    }
    const rows = await d
      .select({ deployment: t, project: schema.projects, app: schema.deployApps, environment: schema.environments })
      .from(t)
      .innerJoin(schema.projects, eq(schema.projects.id, t.projectId))
      .innerJoin(schema.deployApps, eq(schema.deployApps.id, t.appId))
      .innerJoin(schema.environments, eq(schema.environments.id, t.environmentId))
      .where(and(...filters))
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(b.limit + 1);
    const items = rows.slice(0, b.limit);
    const last = items[items.length - 1];
    const next = rows.length > b.limit && last ? `${last.deployment.createdAt}:${last.deployment.id}` : undefined;
    const base = baseDomain(c.env);
    const hosts = await hostnamesOfDeployments(d, items, base);
    const data = items.map((f) => deploymentResponse(f.deployment, f, hosts.get(f.deployment.id) ?? []));
    return page(c, data, next) as never;
  });
