import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { getApiOrThrow } from "../../../lib/apis";
import { auditInserts } from "../../../lib/audit";
import { invalidateKeyspace } from "../../../lib/keys/invalidate";
import { ok, defineRoute, z, type App } from "../../route";
import { apiIdSchema } from "./schemas";

export const route = defineRoute({
  operationId: "apis.updateApi",
  summary: "Update API settings",
  description:
    "Our extension: sets what Unkey's dashboard sets — delete protection, the IP allowlist (comma-separated, exact addresses or CIDR ranges), encrypted key storage for recoverable keys, the default prefix and byte length of new keys, and whether GitHub secret-scanning reports act on its keys (`secretScanning`). Omitted fields keep their value; null clears. Needs `api.*.update_api` or `api.<apiId>.update_api`.",
  errors: [404],
  body: z.object({
    apiId: apiIdSchema,
    deleteProtection: z.boolean().optional(),
    ipWhitelist: z.string().max(512).nullable().optional(),
    storeEncryptedKeys: z.boolean().optional(),
    defaultPrefix: z
      .string()
      .min(1)
      .max(8)
      .regex(/^[a-zA-Z0-9_]+$/)
      .nullable()
      .optional(),
    defaultBytes: z.number().int().min(16).max(255).nullable().optional(),
    secretScanning: z.boolean().optional(),
  }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await authorize(c, apiAction(body.apiId, "update_api"));
    const d = db(c.env.DB);
    const api = await getApiOrThrow(d, root.workspaceId, body.apiId);
    const now = Date.now();
    const apiSet: Partial<typeof schema.apis.$inferInsert> = {};
    if (body.deleteProtection !== undefined) apiSet.deleteProtection = body.deleteProtection;
    if (body.ipWhitelist !== undefined) apiSet.ipWhitelist = body.ipWhitelist?.trim() || null;
    if (body.secretScanning !== undefined) apiSet.secretScanning = body.secretScanning;
    const ksSet: Partial<typeof schema.keyspaces.$inferInsert> = {};
    if (body.storeEncryptedKeys !== undefined) ksSet.storeEncryptedKeys = body.storeEncryptedKeys;
    if (body.defaultPrefix !== undefined) ksSet.defaultPrefix = body.defaultPrefix;
    if (body.defaultBytes !== undefined) ksSet.defaultBytes = body.defaultBytes;
    const { apiId: _ignored, ...changes } = body;
    await d.batch([
      d
        .update(schema.apis)
        .set({ ...apiSet, updatedAt: now })
        .where(eq(schema.apis.id, api.id)),
      d
        .update(schema.keyspaces)
        .set({ ...ksSet, updatedAt: now })
        .where(eq(schema.keyspaces.id, api.keyspaceId)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "api.update",
          description: `Updated API ${api.id}`,
          targets: [
            { type: "api", id: api.id, name: api.name },
            { type: "keySpace", id: api.keyspaceId },
          ],
          meta: changes,
        },
      ]),
    ]);
    await invalidateKeyspace(c.var.scope, api.keyspaceId);
    return ok(c, {});
  });
