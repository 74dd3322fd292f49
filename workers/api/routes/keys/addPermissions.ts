import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { keyPermissionsQuery, Permission, permissionData, permissionSlug, writeThenRead } from "../../../lib/rbac/model";
import { attachPermissionsToKey, canonicalPermissionSlugs, existingPermissions, planPermissionCreation } from "../../../lib/rbac/resolve";
import { findKeyOrThrow, requireCreatePermission, requireKeyUpdate } from "../../../lib/rbac/keyAccess";
import { ok, defineRoute, z, type App } from "../../route";
import { keyIdField } from "./schemas";

export const route = defineRoute({
  operationId: "keys.addPermissions",
  summary: "Add permissions to a key",
  description:
    "Attaches permissions, by slug, directly to a key; ones it already holds are left as they are, and permissions granted through roles are untouched. Slugs that do not exist yet are created (slug as name) when the root key may create permissions, otherwise the call is refused with 403. Returns every permission now attached directly to the key; the next verification sees them. Needs `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.add_permission_to_key`.",
  errors: [404],
  body: z.object({ keyId: keyIdField, permissions: z.array(permissionSlug).min(1).max(1000) }),
  data: z.array(Permission),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const key = await findKeyOrThrow(d, root.workspaceId, body.keyId);
    requireKeyUpdate(root, key, ["add_permission_to_key"]);
    const wanted = await canonicalPermissionSlugs(d, root.workspaceId, body.permissions);
    const [existing, current] = await Promise.all([existingPermissions(d, root.workspaceId, wanted), keyPermissionsQuery(d, key.id)]);
    if (existing.length < wanted.length) requireCreatePermission(root);
    const held = new Set(current.map((p) => p.slug));
    const toAttach = wanted.filter((s) => !held.has(s));
    const creation = await planPermissionCreation(c.var.scope, d, root.workspaceId, toAttach);
    const after = await writeThenRead(
      d,
      [...creation.statements, ...attachPermissionsToKey(c.var.scope, d, root.workspaceId, key.id, toAttach)],
      keyPermissionsQuery(d, key.id),
    );
    await invalidateKeys(c.var.scope, key.hash);
    return ok(c, after.map(permissionData));
  });
