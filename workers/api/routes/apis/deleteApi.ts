import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { getApiOrThrow } from "../../../lib/apis";
import { auditInserts } from "../../../lib/audit";
import { invalidateKeyspace } from "../../../lib/keys/invalidate";
import { ApiError } from "../../../lib/errors";
import { ok, defineRoute, z, type App } from "../../route";
import { apiIdSchema } from "./schemas";

export const route = defineRoute({
  operationId: "apis.deleteApi",
  summary: "Delete an API",
  description:
    "Soft-deletes an API: its keys verify as NOT_FOUND from then on. Refused with 412 while delete protection is on. Needs `api.*.delete_api` or `api.<apiId>.delete_api`.",
  errors: [404, 412],
  body: z.object({ apiId: apiIdSchema }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { apiId } = c.req.valid("json");
    const root = await authorize(c, apiAction(apiId, "delete_api"));
    const d = db(c.env.DB);
    const api = await getApiOrThrow(d, root.workspaceId, apiId);
    if (api.deleteProtection) {
      throw new ApiError("unkey/application/protected_resource", "This API has delete protection enabled. Disable it before attempting to delete.");
    }
    const now = Date.now();
    await d.batch([
      d.update(schema.apis).set({ deletedAt: now }).where(eq(schema.apis.id, apiId)),
      d.update(schema.keyspaces).set({ deletedAt: now }).where(eq(schema.keyspaces.id, api.keyspaceId)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "api.delete",
          description: `Deleted API ${apiId}`,
          targets: [
            { type: "api", id: apiId, name: api.name },
            { type: "keySpace", id: api.keyspaceId },
          ],
        },
      ]),
    ]);
    await invalidateKeyspace(c.var.scope, api.keyspaceId);
    return ok(c, {});
  });
