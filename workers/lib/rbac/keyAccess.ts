import { and, eq, isNull } from "drizzle-orm";
import { schema, type Database } from "../db";
import { ApiError } from "../errors";
import { and as both, apiAction, describeMissing, or, satisfies, type Requirement } from "../auth/permissions";
import type { RootKeyContext } from "../auth/rootKey";

/**
 * Shared steps of the key-assignment routes (keys.add/remove/setPermissions, add/remove/setRoles):
 * find the key, then check the root key's rights on it (ratelimit-identities-rbac §4.4, §7).
 */

export interface RbacKeyTarget {
  id: string;
  hash: string;
  workspaceId: string;
  keyspaceId: string;
  apiId: string;
}

export const keyNotFound = () => new ApiError("unkey/data/key_not_found", "The specified key was not found.");

/** A live key of the workspace whose API is live; missing, deleted or foreign → 404. */
export async function findKeyOrThrow(d: Database, workspaceId: string, keyId: string): Promise<RbacKeyTarget> {
  const k = schema.keys;
  const a = schema.apis;
  const ks = schema.keyspaces;
  const rows = await d
    .select({ id: k.id, hash: k.hash, workspaceId: k.workspaceId, keyspaceId: k.keyspaceId, apiId: a.id })
    .from(k)
    .innerJoin(ks, and(eq(ks.id, k.keyspaceId), isNull(ks.deletedAt)))
    .innerJoin(a, and(eq(a.keyspaceId, k.keyspaceId), isNull(a.deletedAt)))
    .where(and(eq(k.id, keyId), eq(k.workspaceId, workspaceId), isNull(k.deletedAt)))
    .limit(1);
  const row = rows[0];
  if (!row) throw keyNotFound();
  return row;
}

/**
 * Whether a resource-name grant (`unkey:v1:<workspaceId>:<path>#<action>`) of the root key
 * covers `path#action` in its workspace. In grants `*` is one path segment, a trailing `/**`
 * covers everything below, and `**#*` is the whole workspace (§7.2). Unlike tuples these expand.
 */
export function grantsResource(root: RootKeyContext, path: string, action: string): boolean {
  if (root.fullAccess) return true;
  const prefix = `unkey:v1:${root.workspaceId}:`;
  const want = path.split("/");
  for (const grant of root.permissions) {
    if (!grant.startsWith(prefix)) continue;
    const rest = grant.slice(prefix.length);
    const hash = rest.lastIndexOf("#");
    if (hash < 0) continue;
    const gPath = rest.slice(0, hash);
    const gAction = rest.slice(hash + 1);
    if (gPath === "**") {
      if (gAction === "*" || gAction === action) return true;
      continue;
    }
    if (gAction !== action) continue;
    const segs = gPath.split("/");
    const subtree = segs[segs.length - 1] === "**";
    const fixed = subtree ? segs.slice(0, -1) : segs;
    if (subtree ? want.length <= fixed.length : want.length !== fixed.length) continue;
    if (fixed.every((s, i) => s === "*" || s === want[i])) return true;
  }
  return false;
}

/** The resource-name form of `update_key` on one key. */
export function updateKeyResource(root: RootKeyContext, key: RbacKeyTarget) {
  const path = `keyspaces/${key.keyspaceId}/keys/${key.id}`;
  return { path, action: "update_key", urn: `unkey:v1:${root.workspaceId}:${path}#update_key` };
}

/**
 * The rights a key-assignment route needs: `update_key` on the key's API plus `rbacActions`
 * (each `rbac.*.<action>`), or alone the resource grant `…keyspaces/<ks>/keys/<key>#update_key`.
 * Throws the standard 403 naming every alternative.
 */
export function requireKeyUpdate(root: RootKeyContext, key: RbacKeyTarget, rbacActions: string[]): void {
  const res = updateKeyResource(root, key);
  if (grantsResource(root, res.path, res.action)) return;
  const tuple: Requirement =
    rbacActions.length === 0 ? apiAction(key.apiId, "update_key") : both(apiAction(key.apiId, "update_key"), ...rbacActions.map((a) => `rbac.*.${a}`));
  if (satisfies(root, tuple)) return;
  throw new ApiError("unkey/authorization/insufficient_permissions", describeMissing(or(tuple, res.urn), root));
}

/**
 * Auto-creating permissions that do not exist yet needs `rbac.*.create_permission` (or the
 * resource grant `…:rbac/permissions/*#create_permission`); otherwise 403.
 */
export function requireCreatePermission(root: RootKeyContext): void {
  if (satisfies(root, "rbac.*.create_permission")) return;
  if (grantsResource(root, "rbac/permissions/*", "create_permission")) return;
  throw new ApiError("unkey/authorization/insufficient_permissions", describeMissing("rbac.*.create_permission"));
}
