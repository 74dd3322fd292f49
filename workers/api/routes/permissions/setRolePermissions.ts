import { and, eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { and as and_ } from "../../../lib/auth/permissions";
import { Permission, permissionData, permissionSlug, roleNotFoundById, rolePermissionsQuery, writeThenRead } from "../../../lib/rbac/model";
import { canonicalPermissionSlugs, existingPermissions, planPermissionCreation } from "../../../lib/rbac/resolve";
import { attachPermissionsToRole, detachPermissionsFromRole } from "../../../lib/rbac/rolePermissions";
import { requireCreatePermission } from "../../../lib/rbac/keyAccess";
import { hashesOfKeysWithRole, invalidateKeyHashes } from "../../../lib/rbac/invalidate";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.setRolePermissions",
  summary: "Replace a role's permissions",
  description:
    "Makes the given slugs the complete set of permissions attached to a role: links not listed are removed, new ones added, and missing permissions created (slug as name). An empty list clears the role. Every key holding the role sees the change at its next verification. Needs `rbac.*.add_permission_to_role` and `rbac.*.remove_permission_from_role`, plus `rbac.*.create_permission` when some must be created.",
  errors: [404],
  body: z.object({
    roleId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_-]+$/),
    permissions: z.array(permissionSlug),
  }),
  data: z.array(Permission),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    // Unkey: And(add, remove), so the 403 names the first missing one in the single form
    const root = await authorize(c, and_("rbac.*.add_permission_to_role", "rbac.*.remove_permission_from_role"));
    const d = db(c.env.DB);
    const r = schema.roles;
    const [role] = await d
      .select({ id: r.id, name: r.name })
      .from(r)
      .where(and(eq(r.id, body.roleId), eq(r.workspaceId, root.workspaceId)))
      .limit(1);
    if (!role) throw roleNotFoundById();
    const wanted = await canonicalPermissionSlugs(d, root.workspaceId, body.permissions);
    const [existing, current] = await Promise.all([existingPermissions(d, root.workspaceId, wanted), rolePermissionsQuery(d, role.id)]);
    if (existing.length < wanted.length) requireCreatePermission(root);
    const wantedSet = new Set(wanted);
    const currentSlugs = new Set(current.map((p) => p.slug));
    const toRemove = current.filter((p) => !wantedSet.has(p.slug));
    const toAdd = wanted.filter((s) => !currentSlugs.has(s));
    const creation = await planPermissionCreation(c.var.scope, d, root.workspaceId, toAdd);
    const after = await writeThenRead(
      d,
      [
        ...creation.statements,
        ...detachPermissionsFromRole(c.var.scope, d, root.workspaceId, role.id, toRemove),
        ...attachPermissionsToRole(c.var.scope, d, root.workspaceId, role.id, toAdd),
      ],
      rolePermissionsQuery(d, role.id),
    );
    if (toAdd.length > 0 || toRemove.length > 0) {
      await invalidateKeyHashes(c.var.scope, await hashesOfKeysWithRole(d, role.id));
    }
    return ok(c, after.map(permissionData));
  });
