import { db } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { EndpointData, EndpointId, endpointResponse, getEndpointOrThrow, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.getEndpoint",
  summary: "Get a webhook endpoint",
  description: "Our extension. One webhook endpoint (never its secret). Needs `webhook.*.read_endpoint`.",
  errors: [404],
  body: z.object({ endpointId: EndpointId }),
  data: EndpointData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("read_endpoint"));
    return ok(c, endpointResponse(await getEndpointOrThrow(db(c.env.DB), root.workspaceId, b.endpointId)));
  });
