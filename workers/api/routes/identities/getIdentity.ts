import { rootKeyAuth } from "../../middleware/auth";
import { db } from "../../../lib/db";
import { findIdentity, identityNotFound, identityRatelimits, requireIdentityAction, toIdentityResponse } from "../../../lib/identities/identity";
import { Identity } from "../../../lib/keys/response";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "identities.getIdentity",
  summary: "Get an identity",
  description:
    "Returns an identity, looked up by its id or by your externalId, with its meta and rate limits. " +
    "Needs `identity.*.read_identity` or `identity.<identityId>.read_identity`.",
  errors: [404],
  body: z.object({ identity: z.string().min(1).openapi({ description: "Identity id (`id_…`) or externalId." }) }),
  data: Identity,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { identity } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const row = await findIdentity(d, root.workspaceId, identity);
    if (!row) throw identityNotFound();
    requireIdentityAction(root, "read_identity", row.id);
    const limits = await identityRatelimits(d, [row.id]);
    return ok(c, toIdentityResponse(row, limits.get(row.id)));
  });
