import { and, eq, isNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { or } from "../../../lib/auth/permissions";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { getProjectOrThrow } from "../../../lib/deploy/resources";
import { okWith, withSuccessStatus } from "../../route";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { requireSomeScope } from "../../../lib/deploy/access";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "projects.deleteProject",
    summary: "Delete a project",
    description:
      "Deletes a project with its apps; their hostnames stop routing at once. Answers 202. A project with delete protection is refused (412). Needs `project.*.delete_project` or `project.<projectId>.delete_project`.",
    errors: [404, 412],
    body: z.object({ project: ResourceIdentifier }),
    data: EmptyData,
  }),
  202,
);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { project: ident } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    requireSomeScope(root, "project", "delete_project");
    const project = await getProjectOrThrow(d, root.workspaceId, ident);
    requirePermission(root, or("project.*.delete_project", `project.${project.id}.delete_project`));
    if (project.deleteProtection)
      throw new ApiError("unkey/application/protected_resource", "The project has delete protection enabled. Disable it before deleting the project.");
    const now = Date.now();
    await d.batch([
      d.update(schema.projects).set({ deletedAt: now, updatedAt: now }).where(eq(schema.projects.id, project.id)),
      d
        .update(schema.deployApps)
        .set({ deletedAt: now, updatedAt: now })
        .where(and(eq(schema.deployApps.projectId, project.id), isNull(schema.deployApps.deletedAt))),
      d.delete(schema.gatewayRoutes).where(eq(schema.gatewayRoutes.projectId, project.id)),
      d.delete(schema.customDomains).where(eq(schema.customDomains.projectId, project.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        { event: "project.delete", description: `Deleted project ${project.id}`, targets: [{ type: "project", id: project.id, name: project.name }] },
      ]),
    ]);
    return okWith(c, {}, 202) as never;
  });
