import { and, eq, isNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { or } from "../../../lib/auth/permissions";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { findProject, getProjectOrThrow, projectResponse } from "../../../lib/deploy/resources";
import { rebuildGeneratedRoutes } from "../../../lib/deploy/routing";
import { Name, ProjectData, ResourceIdentifier, Slug } from "../../../lib/deploy/schemas";
import { requireSomeScope } from "../../../lib/deploy/access";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "projects.updateProject",
  summary: "Update a project",
  description:
    "Changes a project's name, slug or delete protection; omitted fields stay. A new slug changes the generated hostnames of its apps. Needs `project.*.update_project` or `project.<projectId>.update_project`.",
  errors: [404, 409],
  body: z.object({ project: ResourceIdentifier, slug: Slug.optional(), name: Name.optional(), deleteProtection: z.boolean().optional() }),
  data: ProjectData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    requireSomeScope(root, "project", "update_project");
    const project = await getProjectOrThrow(d, root.workspaceId, body.project);
    requirePermission(root, or("project.*.update_project", `project.${project.id}.update_project`));
    if (body.slug && body.slug !== project.slug) {
      const clash = await findProject(d, root.workspaceId, body.slug);
      if (clash && clash.id !== project.id && clash.slug === body.slug)
        throw new ApiError("unkey/data/project_already_exists", `A project with the slug '${body.slug}' already exists in this workspace.`);
    }
    const now = Date.now();
    const updated = {
      ...project,
      name: body.name ?? project.name,
      slug: body.slug ?? project.slug,
      deleteProtection: body.deleteProtection ?? project.deleteProtection,
      updatedAt: now,
    };
    const routeWrites =
      updated.slug !== project.slug
        ? await rebuildGeneratedRoutes(d, root.workspaceId, { projectId: project.id }, { project: updated.slug })
        : { writes: [], removed: [] };
    await d.batch([
      d
        .update(schema.projects)
        .set({ name: updated.name, slug: updated.slug, deleteProtection: updated.deleteProtection, updatedAt: now })
        .where(and(eq(schema.projects.id, project.id), isNull(schema.projects.deletedAt))),
      ...routeWrites.writes,
      ...auditInserts(c.var.scope, root.workspaceId, [
        { event: "project.update", description: `Updated project ${project.id}`, targets: [{ type: "project", id: project.id, name: updated.name }] },
      ]),
    ]);
    return ok(c, projectResponse(updated));
  });
