import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { auditInserts } from "../../../lib/audit";
import { findKeyById } from "../../../lib/keys/lookup";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { keyIdSchema } from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";
import { background, emitKeyEvent, keyInfoOf } from "../../../lib/webhooks/keyEvents";

export const route = defineRoute({
  operationId: "keys.deleteKey",
  summary: "Delete a key",
  description:
    "Revokes a key: from then on it verifies as NOT_FOUND and is gone from reads and listings. By default the key is soft-deleted and its hash stays reserved; " +
    "with `permanent: true` the key, its permission and role links, its rate limits and its ciphertext are removed for good. Needs `api.*.delete_key` or `api.<apiId>.delete_key`.",
  errors: [404],
  body: z.object({ keyId: keyIdSchema, permanent: z.boolean().default(false) }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { keyId, permanent } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const { key, api } = await findKeyById(d, root.workspaceId, keyId);
    requirePermission(root, apiAction(api.id, "delete_key"));
    const now = Date.now();
    const audit = auditInserts(c.var.scope, root.workspaceId, [
      {
        event: "key.delete",
        description: `${permanent ? "Permanently deleted" : "Deleted"} key ${key.id}`,
        targets: [
          { type: "key", id: key.id, name: key.name },
          { type: "api", id: api.id, name: api.name },
        ],
        meta: { permanent },
      },
    ]);
    if (permanent) {
      await d.batch([
        d.delete(schema.keysPermissions).where(eq(schema.keysPermissions.keyId, key.id)),
        d.delete(schema.keysRoles).where(eq(schema.keysRoles.keyId, key.id)),
        d.delete(schema.ratelimits).where(eq(schema.ratelimits.keyId, key.id)),
        d.delete(schema.encryptedKeys).where(eq(schema.encryptedKeys.keyId, key.id)),
        d.delete(schema.keys).where(eq(schema.keys.id, key.id)),
        ...audit,
      ]);
    } else {
      await d.batch([d.update(schema.keys).set({ deletedAt: now, updatedAt: now }).where(eq(schema.keys.id, key.id)), ...audit]);
    }
    await invalidateKeys(c.var.scope, key.hash);
    background(c.executionCtx, emitKeyEvent(c.env, "key.deleted", key.id, { permanent }, { info: keyInfoOf(key, api.id) }));
    return ok(c, {});
  });
