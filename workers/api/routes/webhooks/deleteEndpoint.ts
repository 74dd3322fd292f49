import { and, eq, inArray } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { EndpointId, getEndpointOrThrow, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.deleteEndpoint",
  summary: "Delete a webhook endpoint",
  description: "Our extension. Deletes the endpoint; its pending deliveries stop (they show `cancelled`). Needs `webhook.*.delete_endpoint`.",
  errors: [404],
  body: z.object({ endpointId: EndpointId }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("delete_endpoint"));
    const d = db(c.env.DB);
    const ep = await getEndpointOrThrow(d, root.workspaceId, b.endpointId);
    const dt = schema.webhookDeliveries;
    const now = Date.now();
    await d.batch([
      d.delete(schema.webhookEndpoints).where(eq(schema.webhookEndpoints.id, ep.id)),
      d
        .update(dt)
        .set({ status: "cancelled", nextRetryAt: null, lastError: "endpoint deleted", updatedAt: now })
        .where(and(eq(dt.endpointId, ep.id), inArray(dt.status, ["pending", "paused"]))),
      ...auditInserts(c.var.scope, root.workspaceId, [
        { event: "webhook.delete", description: `Deleted webhook endpoint ${ep.url}`, targets: [{ type: "webhook", id: ep.id, name: ep.url }] },
      ]),
    ]);
    return ok(c, {});
  });
