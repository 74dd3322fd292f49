import { db } from "../../../lib/db";
import { requireScope } from "../../../lib/portal/sessions";
import { portalSessionAuth } from "../../middleware/auth";
import { VerificationPoint, verificationSeries } from "../../../lib/portal/verifications";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.getVerifications",
  summary: "Get portal verifications",
  description:
    "The signed-in portal user's key verifications over a time window [startTime, endTime), counted per outcome in buckets of a minute (windows up to 3 hours), an hour (up to 4 days) or a day, oldest first, with empty buckets present as zeros. Authenticates with the `portal_session` cookie only and needs the `analytics:read` scope. Only verifications of the user's own keys in the portal's API are counted; `keyId` narrows to one key.",
  auth: "portalSession",
  errors: [404],
  body: z.object({
    startTime: z.number().int().min(0),
    endTime: z.number().int().min(0),
    keyId: z.string().optional(),
  }),
  data: z.array(VerificationPoint),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const session = await portalSessionAuth(c);
    requireScope(session, "analytics:read");
    return ok(c, await verificationSeries(db(c.env.ANALYTICS_DB), session, body));
  });
