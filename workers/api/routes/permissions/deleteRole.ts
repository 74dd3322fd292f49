import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { findRole, roleNotFoundById } from "../../../lib/rbac/model";
import { hashesOfKeysWithRole, invalidateKeyHashes } from "../../../lib/rbac/invalidate";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.deleteRole",
  summary: "Delete a role",
  description:
    "Deletes a role, given by id or name. In the same step it is detached from every key and its permission links are removed (the permissions themselves stay); verifications see the change at once. Needs `rbac.*.delete_role`.",
  errors: [404],
  body: z.object({ role: z.string().min(1).max(128) }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { role } = c.req.valid("json");
    const root = await authorize(c, "rbac.*.delete_role");
    const d = db(c.env.DB);
    const found = await findRole(d, root.workspaceId, role);
    if (!found) throw roleNotFoundById();
    // read before the write: afterwards the links that say which keys are affected are gone
    const affected = await hashesOfKeysWithRole(d, found.id);
    await d.batch([
      d.delete(schema.keysRoles).where(eq(schema.keysRoles.roleId, found.id)),
      d.delete(schema.rolesPermissions).where(eq(schema.rolesPermissions.roleId, found.id)),
      d.delete(schema.roles).where(eq(schema.roles.id, found.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "role.delete",
          description: `Deleted ${found.id} (${found.name})`,
          targets: [{ type: "role", id: found.id, name: found.name }],
        },
      ]),
    ]);
    await invalidateKeyHashes(c.var.scope, affected);
    return ok(c, {});
  });
