import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { findProject } from "../../../lib/deploy/resources";
import { Name, Slug } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "projects.createProject",
  summary: "Create a project",
  description:
    "Creates a project, the top of the deployment tree (project → apps → environments → deployments). Slugs are unique within the workspace. Needs `project.*.create_project`.",
  errors: [409],
  body: z.object({ name: Name, slug: Slug }),
  data: z.object({ id: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { name, slug } = c.req.valid("json");
    const root = await authorize(c, "project.*.create_project");
    const d = db(c.env.DB);
    const existing = await findProject(d, root.workspaceId, slug);
    if (existing && existing.slug === slug)
      throw new ApiError("unkey/data/project_already_exists", `A project with the slug '${slug}' already exists in this workspace.`);
    const id = newId("proj");
    await d.batch([
      d.insert(schema.projects).values({ id, workspaceId: root.workspaceId, name, slug, createdAt: Date.now() }),
      ...auditInserts(c.var.scope, root.workspaceId, [
        { event: "project.create", description: `Created project ${id}`, targets: [{ type: "project", id, name }] },
      ]),
    ]);
    return ok(c, { id });
  });
