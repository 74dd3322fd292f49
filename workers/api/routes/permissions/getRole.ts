import { db } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { findRole, Role, roleNotFoundById, rolesWithPermissions } from "../../../lib/rbac/model";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.getRole",
  summary: "Get a role",
  description: "Returns one role of the workspace, looked up by id or by name, with the permissions attached to it. Needs `rbac.*.read_role`.",
  errors: [404],
  body: z.object({ role: z.string().min(1).max(128) }),
  data: Role,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { role } = c.req.valid("json");
    const root = await authorize(c, "rbac.*.read_role");
    const d = db(c.env.DB);
    const found = await findRole(d, root.workspaceId, role);
    if (!found) throw roleNotFoundById();
    const [data] = await rolesWithPermissions(d, [found]);
    return ok(c, data!);
  });
