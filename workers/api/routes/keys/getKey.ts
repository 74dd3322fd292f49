import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { ApiError } from "../../../lib/errors";
import { vaultConfigured, vaultMissing } from "../../../lib/vault";
import { findKeyById } from "../../../lib/keys/lookup";
import { KeyResponseData, loadKeyResponses, withLiveCredits } from "../../../lib/keys/response";
import { keyIdSchema } from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "keys.getKey",
  summary: "Get a key",
  description:
    "Returns a key's settings and state (never its hash): name, meta, expiry, credits, rate limits, identity, roles and effective permissions. " +
    "With `decrypt: true` a recoverable key also comes back as `plaintext` (needs `decrypt_key`). Needs `api.*.read_key` or `api.<apiId>.read_key`.",
  errors: [404, 412],
  body: z.object({ keyId: keyIdSchema, decrypt: z.boolean().default(false) }),
  data: KeyResponseData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { keyId, decrypt } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const { key, api, keyspace } = await findKeyById(d, root.workspaceId, keyId);
    requirePermission(root, apiAction(api.id, "read_key"));
    if (decrypt) {
      if (!vaultConfigured(c.env)) throw vaultMissing();
      requirePermission(root, apiAction(api.id, "decrypt_key"));
      if (!keyspace.storeEncryptedKeys) {
        throw new ApiError("unkey/application/precondition_failed", "The API for this key does not support key encryption.");
      }
    }
    const [data] = await loadKeyResponses(c.env, d, root.workspaceId, [key], { decrypt });
    return ok(c, await withLiveCredits(c.env, data!));
  });
