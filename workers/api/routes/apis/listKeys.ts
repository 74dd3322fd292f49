import { and, asc, eq, gte, isNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { and as both, apiAction, satisfies } from "../../../lib/auth/permissions";
import { apiNotFound, findApi } from "../../../lib/apis";
import { KeyResponseData, loadKeyResponses } from "../../../lib/keys/response";
import { ApiError } from "../../../lib/errors";
import { vaultConfigured, vaultMissing } from "../../../lib/vault";
import { findIdentityByExternalId } from "../../../lib/identities/findOrCreate";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "apis.listKeys",
  summary: "List an API's keys",
  description:
    "Lists the live keys of an API (expired and disabled ones included) ordered by key id, 1–100 per page, with cursor pagination; optionally only the keys of one identity (`externalId`). " +
    "With `decrypt: true` recoverable keys carry `plaintext` (needs `decrypt_key`). Needs read_key and read_api on the API (missing grants look like a missing API).",
  paginated: true,
  errors: [404, 412],
  body: z.object({
    // the spec states no maxLength here: an overlong id is simply not found (404), see findApi
    apiId: z.string().min(1),
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().min(1).max(1024).optional(),
    externalId: z.string().min(1).optional(),
    decrypt: z.boolean().default(false),
    revalidateKeysCache: z.boolean().default(false),
  }),
  data: z.array(KeyResponseData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const api = await findApi(d, root.workspaceId, body.apiId);
    // missing read grants look exactly like a missing API
    if (!api || !satisfies(root, both(apiAction(body.apiId, "read_key"), apiAction(body.apiId, "read_api")))) {
      throw apiNotFound();
    }
    if (body.decrypt) {
      if (!vaultConfigured(c.env)) throw vaultMissing();
      requirePermission(root, apiAction(body.apiId, "decrypt_key"));
      if (!api.keyspace?.storeEncryptedKeys) {
        throw new ApiError("unkey/application/precondition_failed", "The requested API does not support key encryption.");
      }
    }
    let identityId: string | undefined;
    if (body.externalId !== undefined) {
      const identity = await findIdentityByExternalId(d, root.workspaceId, body.externalId);
      if (!identity) return page(c, [], undefined);
      identityId = identity.id;
    }
    const k = schema.keys;
    const rows = await d
      .select()
      .from(k)
      .where(
        and(
          eq(k.keyspaceId, api.keyspaceId),
          isNull(k.deletedAt),
          identityId ? eq(k.identityId, identityId) : undefined,
          body.cursor ? gte(k.id, body.cursor) : undefined,
        ),
      )
      .orderBy(asc(k.id))
      .limit(body.limit + 1);
    const { items, next } = paginate(rows, body.limit, (r) => r.id);
    return page(c, await loadKeyResponses(c.env, d, root.workspaceId, items, { decrypt: body.decrypt }), next);
  });
