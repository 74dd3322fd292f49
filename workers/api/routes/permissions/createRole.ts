import { and, eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { requirePermission } from "../../../lib/auth/rootKey";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError, isUniqueViolation } from "../../../lib/errors";
import { permissionSlug } from "../../../lib/rbac/model";
import { canonicalPermissionSlugs, existingPermissions, planPermissionCreation } from "../../../lib/rbac/resolve";
import { attachPermissionsToRole } from "../../../lib/rbac/rolePermissions";
import { requireCreatePermission } from "../../../lib/rbac/keyAccess";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.createRole",
  summary: "Create a role",
  description:
    "Adds a role (a named bundle of permissions) to the workspace; names are unique per workspace. Optionally attaches permissions by slug: existing ones are reused, missing ones are created with the slug as name. Needs `rbac.*.create_role`, plus `rbac.*.add_permission_to_role` when permissions are given and `rbac.*.create_permission` when some must be created.",
  errors: [409],
  body: z.object({
    name: z.string().min(1).max(128),
    description: z.string().max(512).optional(),
    permissions: z.array(permissionSlug).optional(),
  }),
  data: z.object({
    roleId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
  }),
});

export const roleExists = (name: string) => new ApiError("unkey/data/role_already_exists", `A role with name '${name}' already exists in this workspace`);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await authorize(c, "rbac.*.create_role");
    if ((body.permissions ?? []).length > 0) requirePermission(root, "rbac.*.add_permission_to_role");
    const d = db(c.env.DB);
    const slugs = await canonicalPermissionSlugs(d, root.workspaceId, body.permissions ?? []);
    const r = schema.roles;
    const [clash, existing] = await Promise.all([
      d
        .select({ id: r.id })
        .from(r)
        .where(and(eq(r.workspaceId, root.workspaceId), eq(r.name, body.name)))
        .limit(1),
      existingPermissions(d, root.workspaceId, slugs),
    ]);
    if (clash.length > 0) throw roleExists(body.name);
    if (existing.length < slugs.length) requireCreatePermission(root);
    const creation = await planPermissionCreation(c.var.scope, d, root.workspaceId, slugs);
    const roleId = newId("role");
    try {
      await d.batch([
        d.insert(r).values({
          id: roleId,
          workspaceId: root.workspaceId,
          name: body.name,
          description: body.description ?? null,
          createdAt: Date.now(),
        }),
        ...auditInserts(c.var.scope, root.workspaceId, [
          {
            event: "role.create",
            description: `Created ${roleId} (${body.name})`,
            targets: [{ type: "role", id: roleId, name: body.name }],
          },
        ]),
        ...creation.statements,
        ...attachPermissionsToRole(c.var.scope, d, root.workspaceId, roleId, slugs),
      ]);
    } catch (e) {
      // a concurrent create took the name first; the batch wrote nothing
      if (isUniqueViolation(e)) throw roleExists(body.name);
      throw e;
    }
    return ok(c, { roleId });
  });
