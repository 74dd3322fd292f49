import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { keyPermissionsQuery, Permission, permissionData, permissionSlug, writeThenRead } from "../../../lib/rbac/model";
import {
  attachPermissionsToKey,
  canonicalPermissionSlugs,
  detachPermissionsFromKey,
  existingPermissions,
  planPermissionCreation,
} from "../../../lib/rbac/resolve";
import { findKeyOrThrow, requireCreatePermission, requireKeyUpdate } from "../../../lib/rbac/keyAccess";
import { ok, defineRoute, z, type App } from "../../route";
import { keyIdField } from "./schemas";

export const route = defineRoute({
  operationId: "keys.setPermissions",
  summary: "Replace a key's permissions",
  description:
    "Makes the given slugs the complete set of permissions attached directly to a key: others are detached, new ones attached, missing ones created (slug as name) when the root key may create permissions (403 otherwise). An empty list clears them. Role-granted permissions are untouched. Returns the final direct permissions; the next verification sees them. Needs `api.*.update_key` or `api.<apiId>.update_key`, and both `rbac.*.add_permission_to_key` and `rbac.*.remove_permission_from_key`.",
  errors: [404],
  body: z.object({ keyId: keyIdField, permissions: z.array(permissionSlug) }),
  data: z.array(Permission),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const key = await findKeyOrThrow(d, root.workspaceId, body.keyId);
    requireKeyUpdate(root, key, ["add_permission_to_key", "remove_permission_from_key"]);
    const wanted = await canonicalPermissionSlugs(d, root.workspaceId, body.permissions);
    const [existing, current] = await Promise.all([existingPermissions(d, root.workspaceId, wanted), keyPermissionsQuery(d, key.id)]);
    if (existing.length < wanted.length) requireCreatePermission(root);
    const wantedSet = new Set(wanted);
    const held = new Set(current.map((p) => p.slug));
    const toDetach = current.filter((p) => !wantedSet.has(p.slug));
    const toAttach = wanted.filter((s) => !held.has(s));
    const creation = await planPermissionCreation(c.var.scope, d, root.workspaceId, toAttach);
    const after = await writeThenRead(
      d,
      [
        ...creation.statements,
        ...detachPermissionsFromKey(c.var.scope, d, root.workspaceId, key.id, toDetach),
        ...attachPermissionsToKey(c.var.scope, d, root.workspaceId, key.id, toAttach),
      ],
      keyPermissionsQuery(d, key.id),
    );
    await invalidateKeys(c.var.scope, key.hash);
    return ok(c, after.map(permissionData));
  });
