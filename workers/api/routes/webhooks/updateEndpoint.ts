import { and, eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { invalidInput } from "../../../lib/errors";
import {
  checkApiIds,
  checkUrl,
  CreditsLowThreshold,
  EndpointData,
  EndpointId,
  endpointResponse,
  EventTypes,
  getEndpointOrThrow,
  WEBHOOK_PERMISSION,
} from "../../../lib/webhooks/endpoints";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.updateEndpoint",
  summary: "Update a webhook endpoint",
  description:
    "Our extension. Changes the given fields only; `apiIds: null` and `creditsLowThreshold: null` clear them. `enabled: true` re-enables an endpoint the platform disabled after 5 days of failures (its failed deliveries can then be re-sent with webhooks.retryDelivery). Needs `webhook.*.update_endpoint`.",
  errors: [404],
  body: z.object({
    endpointId: EndpointId,
    url: z.string().min(1).max(2048).optional(),
    events: EventTypes.optional(),
    apiIds: z.array(z.string().min(1).max(255)).max(100).nullable().optional(),
    description: z.string().max(1024).nullable().optional(),
    enabled: z.boolean().optional(),
    expiringLeadDays: z.number().int().min(1).max(365).optional(),
    creditsLowThreshold: CreditsLowThreshold.nullable().optional(),
  }),
  data: EndpointData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("update_endpoint"));
    const { endpointId, ...fields } = b;
    if (Object.values(fields).every((v) => v === undefined)) throw invalidInput("Give at least one field to change.");
    if (b.url !== undefined) checkUrl(c.env, b.url, new URL(c.req.url).origin);
    const d = db(c.env.DB);
    const current = await getEndpointOrThrow(d, root.workspaceId, endpointId);
    if (b.apiIds) await checkApiIds(d, root.workspaceId, b.apiIds);
    const set: Partial<typeof schema.webhookEndpoints.$inferInsert> = { updatedAt: Date.now() };
    if (b.url !== undefined) set.url = b.url;
    if (b.events !== undefined) set.events = [...new Set(b.events)];
    if (b.apiIds !== undefined) set.apiIds = b.apiIds && b.apiIds.length ? [...new Set(b.apiIds)] : null;
    if (b.description !== undefined) set.description = b.description;
    if (b.expiringLeadDays !== undefined) set.expiringLeadDays = b.expiringLeadDays;
    if (b.creditsLowThreshold !== undefined) set.creditsLowThreshold = b.creditsLowThreshold;
    if (b.enabled !== undefined) {
      set.enabled = b.enabled;
      set.disabledReason = null;
      if (b.enabled) set.failingSince = null;
    }
    const t = schema.webhookEndpoints;
    await d.batch([
      d
        .update(t)
        .set(set)
        .where(and(eq(t.id, current.id), eq(t.workspaceId, root.workspaceId))),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "webhook.update",
          description: `Updated webhook endpoint ${current.id}`,
          targets: [{ type: "webhook", id: current.id, name: set.url ?? current.url }],
          meta: { fields: Object.keys(fields).filter((k) => (fields as Record<string, unknown>)[k] !== undefined) },
        },
      ]),
    ]);
    return ok(c, endpointResponse(await getEndpointOrThrow(d, root.workspaceId, current.id)));
  });
