import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { getAppOrThrow } from "../../../lib/deploy/resources";
import { okWith, withSuccessStatus } from "../../route";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "apps.deleteApp",
    summary: "Delete an app",
    description:
      "Deletes an app; its hostnames and custom domains stop routing at once. Answers 202. An app with delete protection is refused (412). Needs `app.*.delete_app` or `app.<appId>.delete_app`.",
    errors: [404, 412],
    body: z.object({ project: ResourceIdentifier, app: ResourceIdentifier }),
    data: EmptyData,
  }),
  202,
);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "app", "delete_app");
    const d = db(c.env.DB);
    const { project, app: target } = await getAppOrThrow(d, root.workspaceId, body.project, body.app);
    requirePermission(root, scoped("app", "delete_app", target.id));
    if (target.deleteProtection)
      throw new ApiError("unkey/application/protected_resource", "The app has delete protection enabled. Disable it before deleting the app.");
    const now = Date.now();
    await d.batch([
      d.update(schema.deployApps).set({ deletedAt: now, updatedAt: now }).where(eq(schema.deployApps.id, target.id)),
      d.delete(schema.gatewayRoutes).where(eq(schema.gatewayRoutes.appId, target.id)),
      d.delete(schema.customDomains).where(eq(schema.customDomains.appId, target.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "app.delete",
          description: `Deleted app ${target.id}`,
          targets: [
            { type: "app", id: target.id, name: target.name },
            { type: "project", id: project.id },
          ],
        },
      ]),
    ]);
    return okWith(c, {}, 202) as never;
  });
