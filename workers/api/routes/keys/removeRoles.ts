import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { keyRolesQuery, Role, rolesWithPermissions, writeThenRead } from "../../../lib/rbac/model";
import { detachRolesFromKey, resolveRoles } from "../../../lib/rbac/resolve";
import { findKeyOrThrow, requireKeyUpdate } from "../../../lib/rbac/keyAccess";
import { ok, defineRoute, z, type App } from "../../route";
import { keyIdField, roleNames } from "./schemas";

export const route = defineRoute({
  operationId: "keys.removeRoles",
  summary: "Remove roles from a key",
  description:
    "Detaches roles, by name, from a key; roles the key does not have are ignored, but every name must exist in the workspace (404 otherwise). Returns the roles the key still has, with their permissions; the next verification sees the change. Needs `api.*.update_key` or `api.<apiId>.update_key`.",
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
    requireKeyUpdate(root, key, []);
    const [named, current] = await Promise.all([resolveRoles(d, root.workspaceId, body.roles), keyRolesQuery(d, key.id)]);
    const namedIds = new Set(named.map((r) => r.id));
    const toDetach = current.filter((r) => namedIds.has(r.id));
    const after = await writeThenRead(d, detachRolesFromKey(c.var.scope, d, root.workspaceId, key.id, toDetach), keyRolesQuery(d, key.id));
    await invalidateKeys(c.var.scope, key.hash);
    return ok(c, await rolesWithPermissions(d, after));
  });
