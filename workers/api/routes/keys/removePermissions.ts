import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { ApiError } from "../../../lib/errors";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { keyPermissionsQuery, Permission, permissionData, permissionSlug, writeThenRead } from "../../../lib/rbac/model";
import { canonicalPermissionSlugs, detachPermissionsFromKey, existingPermissions } from "../../../lib/rbac/resolve";
import { findKeyOrThrow, requireKeyUpdate } from "../../../lib/rbac/keyAccess";
import { ok, defineRoute, z, type App } from "../../route";
import { keyIdField } from "./schemas";

export const route = defineRoute({
  operationId: "keys.removePermissions",
  summary: "Remove permissions from a key",
  description:
    "Detaches permissions, by slug, from a key; slugs the key does not hold directly are ignored, and permissions granted through roles stay. Every slug must name an existing permission of the workspace (404 otherwise). Returns the permissions still attached directly; the next verification sees the change. Needs `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.remove_permission_from_key`.",
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
    requireKeyUpdate(root, key, ["remove_permission_from_key"]);
    const wanted = await canonicalPermissionSlugs(d, root.workspaceId, body.permissions);
    const [existing, current] = await Promise.all([existingPermissions(d, root.workspaceId, wanted), keyPermissionsQuery(d, key.id)]);
    const known = new Set(existing.map((p) => p.slug));
    const unknown = wanted.find((s) => !known.has(s));
    if (unknown !== undefined) {
      throw new ApiError("unkey/data/permission_not_found", `Permission '${unknown}' was not found.`);
    }
    const wantedSet = new Set(wanted);
    const toDetach = current.filter((p) => wantedSet.has(p.slug));
    const after = await writeThenRead(d, detachPermissionsFromKey(c.var.scope, d, root.workspaceId, key.id, toDetach), keyPermissionsQuery(d, key.id));
    await invalidateKeys(c.var.scope, key.hash);
    return ok(c, after.map(permissionData));
  });
