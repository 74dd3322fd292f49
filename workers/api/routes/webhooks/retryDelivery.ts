import { and, eq, inArray } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { ApiError } from "../../../lib/errors";
import { enqueue } from "../../../lib/webhooks/emit";
import { DeliveryData, deliveryResponse, getEndpointOrThrow, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.retryDelivery",
  summary: "Re-send a delivery",
  description:
    "Our extension. Queues a failed, cancelled or succeeded delivery again with the same `webhook-id` (receivers deduplicate on it); a pending one is sent at once. The endpoint must exist and be enabled. Needs `webhook.*.update_endpoint`.",
  errors: [404, 412],
  body: z.object({ deliveryId: z.string().min(1).max(255) }),
  data: DeliveryData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("update_endpoint"));
    const d = db(c.env.DB);
    const t = schema.webhookDeliveries;
    const [delivery] = await d
      .select()
      .from(t)
      .where(and(eq(t.id, b.deliveryId), eq(t.workspaceId, root.workspaceId)))
      .limit(1);
    if (!delivery) throw new ApiError("unkey/data/webhook_delivery_not_found", "The delivery does not exist.");
    const ep = await getEndpointOrThrow(d, root.workspaceId, delivery.endpointId).catch(() => {
      throw new ApiError("unkey/application/precondition_failed", "The delivery's endpoint was deleted.");
    });
    if (!ep.enabled) throw new ApiError("unkey/application/precondition_failed", "The endpoint is disabled; enable it with webhooks.updateEndpoint first.");
    if (delivery.status === "paused")
      throw new ApiError("unkey/application/precondition_failed", "The workspace is disabled; the delivery resumes when it is enabled.");
    const now = Date.now();
    const [row] = await d
      .update(t)
      .set({ status: "pending", nextRetryAt: now, updatedAt: now })
      .where(and(eq(t.id, delivery.id), inArray(t.status, ["pending", "failed", "cancelled", "succeeded"])))
      .returning();
    await enqueue(c.env, [delivery.id]);
    return ok(c, deliveryResponse(row ?? delivery));
  });
