import { eq } from "drizzle-orm";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { db, schema } from "../../../lib/db";
import { findIdentity, identityNotFound, invalidateIdentityKeys, requireIdentityAction } from "../../../lib/identities/identity";
import { defineRoute, z, type App } from "../../route";

const base = defineRoute({
  operationId: "identities.deleteIdentity",
  summary: "Delete an identity",
  description:
    "Deletes an identity and its rate limits. Its keys keep working but no longer carry the identity or its " +
    "limits, and the externalId can be used again at once. Needs `identity.*.delete_identity`.",
  errors: [404],
  body: z.object({ identity: z.string().min(1).openapi({ description: "Identity id (`id_…`) or externalId." }) }),
  data: z.object({}),
});

// Unlike other routes the success body has no `data`, only `meta`.
const DeleteIdentityResponse = z.object({ meta: z.object({ requestId: z.string() }) }).openapi("V2IdentitiesDeleteIdentityResponseBody");

export const route = {
  ...base,
  responses: {
    ...base.responses,
    200: { description: "Success", content: { "application/json": { schema: DeleteIdentityResponse } } },
  },
};

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { identity } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireIdentityAction(root, "delete_identity");
    const d = db(c.env.DB);
    const row = await findIdentity(d, root.workspaceId, identity);
    if (!row) throw identityNotFound();
    const now = Date.now();
    await d.batch([
      d.update(schema.identities).set({ deletedAt: now, updatedAt: now }).where(eq(schema.identities.id, row.id)),
      d.delete(schema.ratelimits).where(eq(schema.ratelimits.identityId, row.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "identity.delete",
          description: `Deleted identity ${row.id} (${row.externalId})`,
          targets: [{ type: "identity", id: row.id, name: row.externalId }],
        },
      ]),
    ]);
    await invalidateIdentityKeys(c.var.scope, row.id);
    return c.json({ meta: { requestId: c.get("requestId") } }, 200);
  });
