import { db } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { findPermission, Permission, permissionData, permissionNotFound, permissionSlug } from "../../../lib/rbac/model";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.getPermission",
  summary: "Get a permission",
  description: "Returns one permission of the workspace, looked up by its id or by its slug. Needs `rbac.*.read_permission`.",
  errors: [404],
  body: z.object({ permission: permissionSlug }),
  data: Permission,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { permission } = c.req.valid("json");
    const root = await authorize(c, "rbac.*.read_permission");
    const found = await findPermission(db(c.env.DB), root.workspaceId, permission);
    if (!found) throw permissionNotFound();
    return ok(c, permissionData(found));
  });
