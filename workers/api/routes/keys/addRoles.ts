import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { keyRolesQuery, Role, rolesWithPermissions, writeThenRead } from "../../../lib/rbac/model";
import { attachRolesToKey, resolveRoles } from "../../../lib/rbac/resolve";
import { findKeyOrThrow, requireKeyUpdate } from "../../../lib/rbac/keyAccess";
import { ok, defineRoute, z, type App } from "../../route";
import { keyIdField, roleNames } from "./schemas";

export const route = defineRoute({
  operationId: "keys.addRoles",
  summary: "Add roles to a key",
  description:
    "Attaches existing roles, by name, to a key; roles it already has are left as they are. Roles are never created here: an unknown name fails the whole call with 404. Returns every role of the key with its permissions; the next verification sees them. Needs `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.add_role_to_key`.",
  errors: [404],
  body: z.object({ keyId: keyIdField, roles: roleNames.min(1) }),
  data: z.array(Role),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const key = await findKeyOrThrow(d, root.workspaceId, body.keyId);
    requireKeyUpdate(root, key, ["add_role_to_key"]);
    const [wanted, current] = await Promise.all([resolveRoles(d, root.workspaceId, body.roles), keyRolesQuery(d, key.id)]);
    const held = new Set(current.map((r) => r.id));
    const toAttach = wanted.filter((r) => !held.has(r.id)).map((r) => r.name);
    const after = await writeThenRead(d, attachRolesToKey(c.var.scope, d, root.workspaceId, key.id, toAttach), keyRolesQuery(d, key.id));
    await invalidateKeys(c.var.scope, key.hash);
    return ok(c, await rolesWithPermissions(d, after));
  });
