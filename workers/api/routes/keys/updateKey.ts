import type { BatchItem } from "drizzle-orm/batch";
import { eq, sql, type SQL } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { auditInserts } from "../../../lib/audit";
import { newId } from "../../../lib/ids";
import { findKeyById } from "../../../lib/keys/lookup";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { creditsChanged } from "../../../lib/keys/credits";
import { planIdentityLink } from "../../../lib/identities/findOrCreate";
import {
  canonicalPermissionSlugs,
  attachPermissionsToKey,
  attachRolesToKey,
  detachPermissionsFromKey,
  detachRolesFromKey,
  planPermissionCreation,
  resolveRoles,
} from "../../../lib/rbac/resolve";
import {
  assertUniqueRatelimitNames,
  creditColumnsForUpdate,
  expiresSchema,
  externalIdSchema,
  keyIdSchema,
  metaSchema,
  permissionSlugsSchema,
  ratelimitsSchema,
  roleNamesSchema,
  UpdateCreditsInput,
} from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";
import { background, emitKeyEvent } from "../../../lib/webhooks/keyEvents";

export const route = defineRoute({
  operationId: "keys.updateKey",
  summary: "Update a key",
  description:
    "Changes a key's settings. A field left out keeps its value; `null` clears it where allowed (name, externalId, meta, expires, credits); a value replaces it. " +
    "`ratelimits`, `roles` and `permissions` replace the whole set (`[]` removes all; rate limits keep their ids when matched by name). " +
    "Changes apply to the next verification. Needs `api.*.update_key` or `api.<apiId>.update_key`.",
  errors: [404],
  body: z.object({
    keyId: keyIdSchema,
    name: z.string().min(1).max(255).nullable().optional(),
    externalId: externalIdSchema.nullable().optional(),
    meta: metaSchema.nullable().optional(),
    expires: expiresSchema.nullable().optional(),
    credits: UpdateCreditsInput.optional(),
    ratelimits: ratelimitsSchema.nullable().optional(),
    enabled: z.boolean().optional(),
    roles: roleNamesSchema.optional(),
    permissions: permissionSlugsSchema.optional(),
  }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const ws = root.workspaceId;
    const { key, api } = await findKeyById(d, ws, body.keyId);
    requirePermission(root, apiAction(api.id, "update_key"));

    const now = Date.now();
    const credits = creditColumnsForUpdate(body.credits, key, now);
    assertUniqueRatelimitNames(body.ratelimits);
    const roles = body.roles !== undefined ? await resolveRoles(d, ws, body.roles) : undefined;

    const writes: BatchItem<"sqlite">[] = [];
    const set: Record<string, unknown> = { updatedAt: now };
    if (body.name !== undefined) set.name = body.name;
    if (body.meta !== undefined) set.meta = body.meta;
    if (body.expires !== undefined) set.expires = body.expires;
    if (body.enabled !== undefined) set.enabled = body.enabled;
    if (body.externalId === null) set.identityId = null;
    else if (body.externalId !== undefined) {
      const plan = await planIdentityLink(c.var.scope, d, ws, body.externalId);
      writes.push(...plan.statements);
      set.identityId = plan.idSql;
    }
    // the key update goes right after the identity insert it may refer to
    const keyUpdateAt = writes.length;
    if (credits) {
      Object.assign(set, credits);
      // tells the key's UsageLimiter that D1 now holds a newer balance than its own
      set.creditsVersion = sql`${schema.keys.creditsVersion} + 1`;
    }

    if (body.permissions !== undefined) {
      const wanted = await canonicalPermissionSlugs(d, root.workspaceId, body.permissions);
      const current = await d
        .select({ id: schema.permissions.id, slug: schema.permissions.slug })
        .from(schema.keysPermissions)
        .innerJoin(schema.permissions, eq(schema.permissions.id, schema.keysPermissions.permissionId))
        .where(eq(schema.keysPermissions.keyId, key.id));
      const currentSlugs = new Set(current.map((p) => p.slug));
      const plan = await planPermissionCreation(c.var.scope, d, ws, wanted);
      writes.push(...plan.statements);
      writes.push(
        ...detachPermissionsFromKey(
          c.var.scope,
          d,
          ws,
          key.id,
          current.filter((p) => !wanted.includes(p.slug)),
        ),
      );
      writes.push(
        ...attachPermissionsToKey(
          c.var.scope,
          d,
          ws,
          key.id,
          wanted,
          wanted.filter((s) => !currentSlugs.has(s)),
        ),
      );
    }
    if (roles !== undefined) {
      const wanted = roles.map((r) => r.name);
      const current = await d
        .select({ id: schema.roles.id, name: schema.roles.name })
        .from(schema.keysRoles)
        .innerJoin(schema.roles, eq(schema.roles.id, schema.keysRoles.roleId))
        .where(eq(schema.keysRoles.keyId, key.id));
      const currentNames = new Set(current.map((r) => r.name));
      writes.push(
        ...detachRolesFromKey(
          c.var.scope,
          d,
          ws,
          key.id,
          current.filter((r) => !wanted.includes(r.name)),
        ),
      );
      writes.push(
        ...attachRolesToKey(
          c.var.scope,
          d,
          ws,
          key.id,
          wanted,
          wanted.filter((n) => !currentNames.has(n)),
        ),
      );
    }
    if (body.ratelimits !== undefined) {
      const wanted = body.ratelimits ?? [];
      const current = await d.select().from(schema.ratelimits).where(eq(schema.ratelimits.keyId, key.id));
      const byName = new Map(current.map((r) => [r.name, r]));
      const keep = new Set(wanted.map((r) => r.name));
      for (const r of current) if (!keep.has(r.name)) writes.push(d.delete(schema.ratelimits).where(eq(schema.ratelimits.id, r.id)));
      for (const r of wanted) {
        const existing = byName.get(r.name);
        if (existing) {
          writes.push(
            d
              .update(schema.ratelimits)
              .set({ limit: r.limit, duration: r.duration, autoApply: r.autoApply ?? false, updatedAt: now })
              .where(eq(schema.ratelimits.id, existing.id)),
          );
        } else {
          writes.push(
            d
              .insert(schema.ratelimits)
              .values({
                id: newId("rl"),
                workspaceId: ws,
                keyId: key.id,
                name: r.name,
                limit: r.limit,
                duration: r.duration,
                autoApply: r.autoApply ?? false,
                createdAt: now,
              })
              // a concurrent update may have added the same name meanwhile: last write wins
              .onConflictDoUpdate({
                target: [schema.ratelimits.keyId, schema.ratelimits.name],
                targetWhere: sql`key_id IS NOT NULL`,
                set: { limit: r.limit, duration: r.duration, autoApply: r.autoApply ?? false, updatedAt: now },
              }),
          );
        }
      }
    }

    const { keyId: _k, ...changes } = body;
    writes.splice(
      keyUpdateAt,
      0,
      d
        .update(schema.keys)
        .set(set as Record<string, SQL | unknown> as never)
        .where(eq(schema.keys.id, key.id)),
    );
    writes.push(
      ...auditInserts(c.var.scope, ws, [
        {
          event: "key.update",
          description: `Updated key ${key.id}`,
          targets: [
            { type: "key", id: key.id, name: key.name },
            { type: "api", id: api.id, name: api.name },
          ],
          meta: { fields: Object.keys(changes) },
        },
      ]),
    );
    await d.batch(writes as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    await invalidateKeys(c.var.scope, key.hash);
    if (credits) await creditsChanged(c.env, key.id);
    background(c.executionCtx, emitKeyEvent(c.env, "key.updated", key.id));
    return ok(c, {});
  });
