import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { keyRolesQuery, Role, rolesWithPermissions, writeThenRead } from "../../../lib/rbac/model";
import { attachRolesToKey, detachRolesFromKey, resolveRoles } from "../../../lib/rbac/resolve";
import { findKeyOrThrow, requireKeyUpdate } from "../../../lib/rbac/keyAccess";
import { ok, defineRoute, z, type App } from "../../route";
import { keyIdField, roleNames } from "./schemas";

export const route = defineRoute({
  operationId: "keys.setRoles",
  summary: "Replace a key's roles",
  description:
    "Makes the given role names the complete set of roles of a key: others are detached, new ones attached. An empty list removes all roles. Every name must exist in the workspace (404 otherwise; roles are never created here). Returns the final roles with their permissions; the next verification sees them. Needs `api.*.update_key` or `api.<apiId>.update_key`.",
  errors: [404],
  body: z.object({ keyId: keyIdField, roles: roleNames }),
  data: z.array(Role),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const key = await findKeyOrThrow(d, root.workspaceId, body.keyId);
    requireKeyUpdate(root, key, []);
    const [wanted, current] = await Promise.all([resolveRoles(d, root.workspaceId, body.roles), keyRolesQuery(d, key.id)]);
    const wantedIds = new Set(wanted.map((r) => r.id));
    const heldIds = new Set(current.map((r) => r.id));
    const toDetach = current.filter((r) => !wantedIds.has(r.id));
    const toAttach = wanted.filter((r) => !heldIds.has(r.id)).map((r) => r.name);
    const after = await writeThenRead(
      d,
      [...detachRolesFromKey(c.var.scope, d, root.workspaceId, key.id, toDetach), ...attachRolesToKey(c.var.scope, d, root.workspaceId, key.id, toAttach)],
      keyRolesQuery(d, key.id),
    );
    await invalidateKeys(c.var.scope, key.hash);
    return ok(c, await rolesWithPermissions(d, after));
  });
