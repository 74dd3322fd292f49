import { db } from "../../../lib/db";
import { authorize } from "../../../lib/auth/rootKey";
import { EndpointData, EndpointId, endpointResponse, getEndpointOrThrow, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { ok, rpcRoute, z, type App } from "../../rpc";

export const route = rpcRoute({
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
