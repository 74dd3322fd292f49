import type { BatchItem } from "drizzle-orm/batch";
import type { sql } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { apiAction, satisfies } from "../../../lib/auth/permissions";
import { apiNotFound, findApi } from "../../../lib/apis";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import { generateKey, sha256Base64 } from "../../../lib/crypto";
import { boundToKey, encryptKey, vaultConfigured, vaultMissing } from "../../../lib/vault";
import { planIdentityLink } from "../../../lib/identities/findOrCreate";
import { attachPermissionsToKey, attachRolesToKey, canonicalPermissionSlugs, planPermissionCreation, resolveRoles } from "../../../lib/rbac/resolve";
import {
  assertUniqueRatelimitNames,
  CreateCreditsInput,
  creditColumnsForCreate,
  expiresSchema,
  externalIdSchema,
  metaSchema,
  permissionSlugsSchema,
  ratelimitInserts,
  ratelimitsSchema,
  roleNamesSchema,
} from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";
import { background, emitKeyEvent } from "../../../lib/webhooks/keyEvents";

const API_NOT_FOUND = "The specified API was not found.";

export const route = defineRoute({
  operationId: "keys.createKey",
  summary: "Create a key",
  description:
    "Issues a new API key in an API's keyspace and returns its secret once (only a hash is kept, plus the secret encrypted when `recoverable` is set and the API stores encrypted keys). " +
    "Optional: prefix and length, name, meta, expiry, credits with daily or monthly refill, key-level rate limits, roles and permissions by name, and an `externalId` that links the key to an identity (created if needed). " +
    "Needs `api.*.create_key` or `api.<apiId>.create_key`; without it the API looks absent. Recoverable keys also need `encrypt_key`.",
  errors: [404, 412],
  body: z.object({
    apiId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
    prefix: z
      .string()
      .min(1)
      .max(16)
      .regex(/^[a-zA-Z0-9_]+$/)
      .optional(),
    name: z.string().min(1).max(255).optional(),
    byteLength: z.number().int().min(16).max(255).optional(),
    externalId: externalIdSchema.optional(),
    meta: metaSchema.optional(),
    roles: roleNamesSchema.optional(),
    permissions: permissionSlugsSchema.optional(),
    expires: expiresSchema.optional(),
    credits: CreateCreditsInput.optional(),
    ratelimits: ratelimitsSchema.optional(),
    enabled: z.boolean().default(true),
    recoverable: z.boolean().default(false),
  }),
  data: z.object({ keyId: z.string(), key: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const api = await findApi(d, root.workspaceId, body.apiId);
    // a missing grant is answered exactly like a missing API
    if (!api || !satisfies(root, apiAction(body.apiId, "create_key"))) throw apiNotFound(API_NOT_FOUND);
    const keyspace = api.keyspace;
    if (!keyspace || keyspace.deletedAt !== null) {
      throw new ApiError("unkey/application/precondition_failed", "The requested API is not set up to handle keys.");
    }
    if (body.recoverable) {
      if (!vaultConfigured(c.env)) throw vaultMissing();
      if (!satisfies(root, apiAction(body.apiId, "encrypt_key"))) throw apiNotFound(API_NOT_FOUND);
      if (!keyspace.storeEncryptedKeys) {
        throw new ApiError("unkey/application/precondition_failed", "This API does not support key encryption.");
      }
    }
    const now = Date.now();
    const credits = creditColumnsForCreate(body.credits, now);
    assertUniqueRatelimitNames(body.ratelimits);
    const roles = await resolveRoles(d, root.workspaceId, body.roles ?? []);

    const keyId = newId("key");
    const { key, start } = generateKey(body.prefix ?? keyspace.defaultPrefix, body.byteLength ?? keyspace.defaultBytes ?? 16);
    const hash = await sha256Base64(key);

    const writes: BatchItem<"sqlite">[] = [];
    let identityId: ReturnType<typeof sql> | null = null;
    if (body.externalId) {
      const plan = await planIdentityLink(c.var.scope, d, root.workspaceId, body.externalId);
      writes.push(...plan.statements);
      identityId = plan.idSql;
    }
    const permissions = await canonicalPermissionSlugs(d, root.workspaceId, body.permissions ?? []);
    const permPlan = await planPermissionCreation(c.var.scope, d, root.workspaceId, permissions);
    writes.push(...permPlan.statements);
    writes.push(
      d.insert(schema.keys).values({
        id: keyId,
        workspaceId: root.workspaceId,
        keyspaceId: keyspace.id,
        hash,
        start,
        name: body.name ?? null,
        meta: body.meta ?? null,
        identityId: identityId as unknown as string | null,
        expires: body.expires ?? null,
        enabled: body.enabled,
        ...credits,
        createdAt: now,
      }),
    );
    if (body.recoverable) {
      const sealed = await encryptKey(c.env, d, root.workspaceId, key, boundToKey(keyId));
      writes.push(d.insert(schema.encryptedKeys).values({ keyId, workspaceId: root.workspaceId, ...sealed, createdAt: now }));
    }
    writes.push(...ratelimitInserts(d, root.workspaceId, keyId, body.ratelimits ?? [], now));
    writes.push(...attachPermissionsToKey(c.var.scope, d, root.workspaceId, keyId, permissions));
    writes.push(
      ...attachRolesToKey(
        c.var.scope,
        d,
        root.workspaceId,
        keyId,
        roles.map((r) => r.name),
      ),
    );
    writes.push(
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "key.create",
          description: `Created key ${keyId}`,
          targets: [
            { type: "key", id: keyId, name: body.name ?? null },
            { type: "api", id: api.id, name: api.name },
          ],
        },
      ]),
    );
    await d.batch(writes as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    // webhooks: after the response, never on its path
    background(c.executionCtx, emitKeyEvent(c.env, "key.created", keyId));
    return ok(c, { keyId, key });
  });
