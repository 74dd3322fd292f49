import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { findPermission, permissionNotFound, permissionSlug } from "../../../lib/rbac/model";
import { hashesOfKeysWithPermission, invalidateKeyHashes } from "../../../lib/rbac/invalidate";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.deletePermission",
  summary: "Delete a permission",
  description:
    "Deletes a permission, given by id or slug, together with its assignments: every key and every role that held it loses it in the same step, and verifications see the change at once. Needs `rbac.*.delete_permission`.",
  errors: [404],
  body: z.object({ permission: permissionSlug }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { permission } = c.req.valid("json");
    const root = await authorize(c, "rbac.*.delete_permission");
    const d = db(c.env.DB);
    const found = await findPermission(d, root.workspaceId, permission);
    if (!found) throw permissionNotFound();
    // read before the write: afterwards the links that say which keys are affected are gone
    const affected = await hashesOfKeysWithPermission(d, found.id);
    await d.batch([
      d.delete(schema.keysPermissions).where(eq(schema.keysPermissions.permissionId, found.id)),
      d.delete(schema.rolesPermissions).where(eq(schema.rolesPermissions.permissionId, found.id)),
      d.delete(schema.permissions).where(eq(schema.permissions.id, found.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "permission.delete",
          description: `Deleted ${found.id} (${found.slug})`,
          targets: [{ type: "permission", id: found.id, name: found.slug }],
        },
      ]),
    ]);
    await invalidateKeyHashes(c.var.scope, affected);
    return ok(c, {});
  });
