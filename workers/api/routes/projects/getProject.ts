import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { or } from "../../../lib/auth/permissions";
import { requireSomeScope } from "../../../lib/deploy/access";
import { getProjectOrThrow, projectResponse } from "../../../lib/deploy/resources";
import { ProjectData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "projects.getProject",
  summary: "Get a project",
  description: "Returns a project by id or slug. Needs `project.*.read_project` or `project.<projectId>.read_project`.",
  errors: [404],
  body: z.object({ project: ResourceIdentifier }),
  data: ProjectData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { project: ident } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "project", "read_project");
    const project = await getProjectOrThrow(db(c.env.DB), root.workspaceId, ident);
    requirePermission(root, or("project.*.read_project", `project.${project.id}.read_project`));
    return ok(c, projectResponse(project));
  });
