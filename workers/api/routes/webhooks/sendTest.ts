import { db } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { ApiError } from "../../../lib/errors";
import { emitWebhookEvent } from "../../../lib/webhooks/emit";
import { EndpointId, getEndpointOrThrow, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.sendTest",
  summary: "Send a test event",
  description:
    "Our extension. Queues a `webhook.test` event to the endpoint (whatever events it subscribes to) and returns its delivery id; follow it with webhooks.listDeliveries. Needs `webhook.*.update_endpoint`.",
  errors: [404, 412],
  body: z.object({ endpointId: EndpointId }),
  data: z.object({ deliveryId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("update_endpoint"));
    const ep = await getEndpointOrThrow(db(c.env.DB), root.workspaceId, b.endpointId);
    if (!ep.enabled) throw new ApiError("unkey/application/precondition_failed", "The endpoint is disabled; enable it with webhooks.updateEndpoint first.");
    const [deliveryId] = await emitWebhookEvent(c.env, root.workspaceId, {
      type: "webhook.test",
      endpointIds: [ep.id],
      data: { endpointId: ep.id, message: "This is a test event from webhooks.sendTest." },
    });
    if (!deliveryId) throw new ApiError("unkey/application/service_unavailable", "The test event could not be queued; try again.");
    return ok(c, { deliveryId });
  });
