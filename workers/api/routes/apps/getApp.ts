import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { appResponse, getAppOrThrow } from "../../../lib/deploy/resources";
import { AppData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "apps.getApp",
  summary: "Get an app",
  description:
    "Returns an app of a project (ids or slugs), with its current production deployment and rollback state. Needs `app.*.read_app` or `app.<appId>.read_app`.",
  errors: [404],
  body: z.object({ project: ResourceIdentifier, app: ResourceIdentifier }),
  data: AppData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "app", "read_app");
    const found = await getAppOrThrow(db(c.env.DB), root.workspaceId, body.project, body.app);
    requirePermission(root, scoped("app", "read_app", found.app.id));
    return ok(c, appResponse(found.app));
  });
