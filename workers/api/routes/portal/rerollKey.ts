import { rerollOwnedKey } from "../../../lib/portal/keys";
import { requireScope } from "../../../lib/portal/sessions";
import { portalSessionAuth } from "../../middleware/auth";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.rerollKey",
  summary: "Reroll portal key",
  description:
    "Rolls one of the signed-in portal user's keys: a new key with the same configuration is issued and its secret returned once; the old key keeps working for `expiration` milliseconds (0 = it stops at once; otherwise rounded up to the next full minute). Authenticates with the `portal_session` cookie only and needs the `keys:reroll` scope. Keys the user does not own are reported as not found.",
  auth: "portalSession",
  errors: [404, 412],
  body: z.object({
    keyId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
    expiration: z.number().int().min(0).max(4_102_444_800_000),
  }),
  data: z.object({ keyId: z.string(), key: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { keyId, expiration } = c.req.valid("json");
    const session = await portalSessionAuth(c);
    requireScope(session, "keys:reroll");
    const rolled = await rerollOwnedKey(c.var.scope, session, keyId, expiration);
    return ok(c, { keyId: rolled.keyId, key: rolled.key });
  });
