import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { newSigningSecret } from "../../../lib/webhooks/sign";
import {
  checkApiIds,
  checkUrl,
  CreditsLowThreshold,
  EventTypes,
  MAX_ENDPOINTS_PER_WORKSPACE,
  sealSecret,
  WEBHOOK_PERMISSION,
} from "../../../lib/webhooks/endpoints";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.createEndpoint",
  summary: "Register a webhook endpoint",
  description:
    "Our extension (docs/webhooks.md). Registers a URL that receives the chosen lifecycle events, signed the Standard Webhooks way. The signing secret (`whsec_…`) is returned once; it is stored encrypted with the vault (412 when the vault has no keys). The URL must be https (http to loopback only when the server runs with ALLOW_LOCAL_DESTINATIONS=1). `apiIds` limits key events to keys of those APIs. Needs `webhook.*.create_endpoint`.",
  errors: [404, 412],
  body: z.object({
    url: z.string().min(1).max(2048),
    events: EventTypes,
    apiIds: z.array(z.string().min(1).max(255)).max(100).optional(),
    description: z.string().max(1024).optional(),
    enabled: z.boolean().default(true),
    expiringLeadDays: z.number().int().min(1).max(365).default(7).openapi({ description: "key.expiring is sent this many days before a key expires" }),
    creditsLowThreshold: CreditsLowThreshold.optional(),
  }),
  data: z.object({ endpointId: z.string(), secret: z.string().openapi({ description: "shown only once" }) }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("create_endpoint"));
    checkUrl(c.env, b.url, new URL(c.req.url).origin);
    const d = db(c.env.DB);
    await checkApiIds(d, root.workspaceId, b.apiIds);
    const count = await d.$count(schema.webhookEndpoints, eq(schema.webhookEndpoints.workspaceId, root.workspaceId));
    if (count >= MAX_ENDPOINTS_PER_WORKSPACE)
      throw new ApiError("unkey/application/precondition_failed", `The workspace already has ${count} webhook endpoints, the most it may register.`);
    const secret = newSigningSecret();
    const id = newId("whe");
    const sealed = await sealSecret(c.env, d, root.workspaceId, id, secret);
    const events = [...new Set(b.events)];
    await d.batch([
      d.insert(schema.webhookEndpoints).values({
        id,
        workspaceId: root.workspaceId,
        url: b.url,
        description: b.description ?? null,
        events,
        apiIds: b.apiIds && b.apiIds.length ? [...new Set(b.apiIds)] : null,
        enabled: b.enabled,
        expiringLeadDays: b.expiringLeadDays,
        creditsLowThreshold: b.creditsLowThreshold ?? null,
        ...sealed,
        createdAt: Date.now(),
      }),
      ...auditInserts(c.var.scope, root.workspaceId, [
        { event: "webhook.create", description: `Registered webhook endpoint ${b.url}`, targets: [{ type: "webhook", id, name: b.url }], meta: { events } },
      ]),
    ]);
    return ok(c, { endpointId: id, secret });
  });
