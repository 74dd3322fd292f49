import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { findKeyById, KEY_NOT_FOUND } from "../../../lib/keys/lookup";
import { hasCiphertext, rerollKey } from "../../../lib/keys/reroll";
import { expiresSchema, keyIdSchema } from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "keys.rerollKey",
  summary: "Reroll a key",
  description:
    "Replaces a key with a new secret and a new id carrying the same configuration (name, meta, identity, credits, expiry, rate limits, roles, permissions, recoverability). " +
    "The old key keeps working for `expiration` milliseconds, rounded up to the next full minute (0 = it stops at once). The new secret is returned once. " +
    "Needs `api.*.create_key` or `api.<apiId>.create_key`, plus `encrypt_key` when the key is recoverable.",
  errors: [404, 412],
  body: z.object({ keyId: keyIdSchema, expiration: expiresSchema }),
  data: z.object({ keyId: z.string(), key: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { keyId, expiration } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const old = await findKeyById(db(c.env.DB), root.workspaceId, keyId, { gone: KEY_NOT_FOUND, foreign: KEY_NOT_FOUND });
    requirePermission(root, apiAction(old.api.id, "create_key"));
    if (await hasCiphertext(c.var.scope, old.key.id)) requirePermission(root, apiAction(old.api.id, "encrypt_key"));
    return ok(c, await rerollKey(c.var.scope, old, expiration));
  });
