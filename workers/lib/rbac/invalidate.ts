import { sql } from "drizzle-orm";
import type { Database } from "../db";
import { invalidateKeys } from "../keys/invalidate";
import type { RequestScope } from "../scope";

/**
 * Keeping verification in step with RBAC changes.
 *
 * Verification caches everything it needs about a key — including its direct permissions and
 * the permissions of its roles — under the key's hash (namespace `keyByHash`). So:
 *
 * - a change to one key (keys.add/remove/setPermissions, add/remove/setRoles) drops that key's
 *   hash;
 * - a change that reaches many keys (permissions.setRolePermissions, deleteRole,
 *   deletePermission) looks up the hashes of exactly the keys it affects — one indexed D1 query
 *   through keys_roles / keys_permissions, made before the write for deletions because the links
 *   are gone afterwards — and drops those.
 *
 * Either way the next verification at this location reloads the key; other locations follow
 * within the namespace's stale time. The cost stays on the (rare) management call and grows with
 * the number of keys the change reaches, never with the workspace's size, and the verify hot
 * path pays nothing. Cache removals run in bounded parallel chunks; a role held by more than
 * MAX_INVALIDATIONS keys is invalidated for the first MAX_INVALIDATIONS and the rest converge
 * within the stale time, which keeps the request within the platform's subrequest budget.
 */
export const MAX_INVALIDATIONS = 5_000;
const CHUNK = 50;

/** Hashes of the live keys holding a role. */
export async function hashesOfKeysWithRole(d: Database, roleId: string): Promise<string[]> {
  const rows = await d.all<{ hash: string }>(sql`
    SELECT k.hash AS hash FROM keys_roles kr JOIN keys k ON k.id = kr.key_id
    WHERE kr.role_id = ${roleId} AND k.deleted_at IS NULL`);
  return rows.map((r) => r.hash);
}

/** Hashes of the live keys holding a permission directly or through one of their roles. */
export async function hashesOfKeysWithPermission(d: Database, permissionId: string): Promise<string[]> {
  const rows = await d.all<{ hash: string }>(sql`
    SELECT k.hash AS hash FROM keys k WHERE k.deleted_at IS NULL AND k.id IN (
      SELECT kp.key_id FROM keys_permissions kp WHERE kp.permission_id = ${permissionId}
      UNION
      SELECT kr.key_id FROM keys_roles kr JOIN roles_permissions rp ON rp.role_id = kr.role_id
      WHERE rp.permission_id = ${permissionId})`);
  return rows.map((r) => r.hash);
}

/** Drops the cached verification state of these keys at this location. */
export async function invalidateKeyHashes(scope: RequestScope, hashes: string[]): Promise<void> {
  const list = [...new Set(hashes)].slice(0, MAX_INVALIDATIONS);
  for (let i = 0; i < list.length; i += CHUNK) {
    await invalidateKeys(scope, ...list.slice(i, i + CHUNK));
  }
}
