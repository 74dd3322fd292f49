import { and, asc, eq, gte } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { EndpointData, endpointResponse, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.listEndpoints",
  summary: "List webhook endpoints",
  description: "Our extension. The workspace's webhook endpoints ordered by id. Needs `webhook.*.read_endpoint`.",
  paginated: true,
  body: z.object({ limit: z.number().int().min(1).max(100).default(100), cursor: z.string().max(1024).optional() }),
  data: z.array(EndpointData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("read_endpoint"));
    const t = schema.webhookEndpoints;
    const rows = await db(c.env.DB)
      .select()
      .from(t)
      .where(and(eq(t.workspaceId, root.workspaceId), b.cursor ? gte(t.id, b.cursor) : undefined))
      .orderBy(asc(t.id))
      .limit(b.limit + 1);
    const { items, next } = paginate(rows, b.limit, (r) => r.id);
    return page(c, items.map(endpointResponse), next);
  });
