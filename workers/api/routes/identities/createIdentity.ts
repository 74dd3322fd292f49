import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { db, schema } from "../../../lib/db";
import { ApiError } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import { assertMetaSize, identityRatelimitInserts, requireIdentityAction } from "../../../lib/identities/identity";
import { assertUniqueRatelimitNames, externalIdSchema, metaSchema, ratelimitsSchema } from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "identities.createIdentity",
  summary: "Create an identity",
  description:
    "Creates an identity: one of your users or organisations, named by your own `externalId`, that many keys can " +
    "belong to. Its `ratelimits` are shared by all its keys and its `meta` is returned with every verification. " +
    "Needs `identity.*.create_identity`.",
  errors: [409],
  body: z.object({
    externalId: externalIdSchema.openapi({ description: "Your id for this user or organisation; unique among live identities." }),
    meta: metaSchema.optional().openapi({ description: "Any JSON object up to 1 MB." }),
    ratelimits: ratelimitsSchema.optional().openapi({ description: "Named limits shared by all keys of the identity." }),
  }),
  data: z.object({ identityId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireIdentityAction(root, "create_identity");
    assertMetaSize(body.meta);
    assertUniqueRatelimitNames(body.ratelimits);
    const d = db(c.env.DB);
    const identityId = newId("id");
    const now = Date.now();
    const limits = identityRatelimitInserts(d, root.workspaceId, identityId, body.ratelimits ?? [], now);
    try {
      await d.batch([
        d.insert(schema.identities).values({
          id: identityId,
          workspaceId: root.workspaceId,
          externalId: body.externalId,
          meta: body.meta ?? {},
          createdAt: now,
        }),
        ...limits.statements,
        ...auditInserts(c.var.scope, root.workspaceId, [
          {
            event: "identity.create",
            description: `Created identity ${identityId} (${body.externalId})`,
            targets: [{ type: "identity", id: identityId, name: body.externalId }],
          },
          ...limits.rows.map((l) => ({
            event: "ratelimit.create",
            description: `Created ratelimit ${l.id} '${l.name}' on identity ${identityId}`,
            targets: [
              { type: "identity", id: identityId, name: body.externalId },
              { type: "ratelimit", id: l.id, name: l.name },
            ],
          })),
        ]),
      ]);
    } catch (err) {
      if (String((err as Error)?.message ?? err).includes("UNIQUE")) {
        throw new ApiError("unkey/data/identity_already_exists", `Identity with externalId '${body.externalId}' already exists in this workspace.`);
      }
      throw err;
    }
    return ok(c, { identityId });
  });
