import { and, desc, eq, lte } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { DeliveryData, deliveryResponse, EndpointId, getEndpointOrThrow, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.listDeliveries",
  summary: "List an endpoint's deliveries",
  description:
    "Our extension. The endpoint's deliveries of the last 30 days, newest first: status (`pending`, `succeeded`, `failed`, `paused` while the workspace is disabled, `cancelled`), attempts, the last response code, error and latency, and the next retry. Needs `webhook.*.read_endpoint`.",
  errors: [404],
  paginated: true,
  body: z.object({
    endpointId: EndpointId,
    status: z.enum(["pending", "succeeded", "failed", "paused", "cancelled"]).optional(),
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().max(1024).optional(),
  }),
  data: z.array(DeliveryData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("read_endpoint"));
    const d = db(c.env.DB);
    const ep = await getEndpointOrThrow(d, root.workspaceId, b.endpointId);
    const t = schema.webhookDeliveries;
    // ids are random: order by (createdAt, id) through a cursor "createdAt:id"
    const [cAt, cId] = b.cursor ? [Number(b.cursor.split(":")[0]), b.cursor.split(":")[1] ?? ""] : [undefined, undefined];
    const rows = await d
      .select()
      .from(t)
      .where(
        and(
          eq(t.endpointId, ep.id),
          b.status ? eq(t.status, b.status) : undefined,
          cAt !== undefined && Number.isFinite(cAt) ? lte(t.createdAt, cAt) : undefined,
        ),
      )
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(b.limit + 1 + (cAt !== undefined ? 100 : 0));
    // drop rows before the cursor within the same millisecond
    const start = cAt !== undefined ? rows.findIndex((r) => r.createdAt < cAt || (r.createdAt === cAt && r.id <= cId!)) : 0;
    const { items, next } = paginate(start < 0 ? [] : rows.slice(start), b.limit, (r) => `${r.createdAt}:${r.id}`);
    return page(c, items.map(deliveryResponse), next);
  });
