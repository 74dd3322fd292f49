import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { newSigningSecret } from "../../../lib/webhooks/sign";
import { EndpointId, getEndpointOrThrow, ROTATION_OVERLAP_MS, sealSecret, WEBHOOK_PERMISSION } from "../../../lib/webhooks/endpoints";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "webhooks.rotateSecret",
  summary: "Rotate a webhook signing secret",
  description:
    "Our extension. Issues a new signing secret (returned once). For 24 h every delivery carries two signatures in `webhook-signature`, one per secret, so receivers can switch without missing an event. Needs `webhook.*.update_endpoint`.",
  errors: [404, 412],
  body: z.object({ endpointId: EndpointId }),
  data: z.object({ secret: z.string(), previousSecretExpiresAt: z.number().int() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await authorize(c, WEBHOOK_PERMISSION("update_endpoint"));
    const d = db(c.env.DB);
    const ep = await getEndpointOrThrow(d, root.workspaceId, b.endpointId);
    const secret = newSigningSecret();
    const sealed = await sealSecret(c.env, d, root.workspaceId, ep.id, secret);
    const now = Date.now();
    const expires = now + ROTATION_OVERLAP_MS;
    const t = schema.webhookEndpoints;
    await d.batch([
      d
        .update(t)
        .set({ ...sealed, previousSecretEncrypted: ep.secretEncrypted, previousSecretKeyId: ep.secretKeyId, previousSecretExpiresAt: expires, updatedAt: now })
        .where(eq(t.id, ep.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "webhook.update",
          description: `Rotated the signing secret of webhook endpoint ${ep.id}`,
          targets: [{ type: "webhook", id: ep.id, name: ep.url }],
          meta: { rotated: true },
        },
      ]),
    ]);
    return ok(c, { secret, previousSecretExpiresAt: expires });
  });
