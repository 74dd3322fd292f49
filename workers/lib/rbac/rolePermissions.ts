import type { BatchItem } from "drizzle-orm/batch";
import { sql } from "drizzle-orm";
import { rawStatement, type Database } from "../db";
import { bulkAudit } from "../audit";
import type { RequestScope } from "../scope";

type Stmt = BatchItem<"sqlite">;

/**
 * Links the permissions with these slugs to a role. Slugs are resolved when the batch runs, so
 * permissions created earlier in the same batch are found. One
 * `authorization.connect_role_and_permission` event per slug in `auditSlugs` (the links that are new).
 */
export function attachPermissionsToRole(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  roleId: string,
  slugs: string[],
  auditSlugs: string[] = slugs,
): Stmt[] {
  const wanted = [...new Set(slugs)];
  if (wanted.length === 0) return [];
  const out: Stmt[] = [
    rawStatement(
      d,
      sql`INSERT INTO roles_permissions (role_id, permission_id, workspace_id, created_at)
      SELECT ${roleId}, id, workspace_id, ${Date.now()} FROM permissions
      WHERE workspace_id = ${workspaceId} AND slug IN (SELECT value FROM json_each(${JSON.stringify(wanted)}))
      ON CONFLICT DO NOTHING`,
    ),
  ];
  const audited = [...new Set(auditSlugs)];
  if (audited.length > 0) {
    out.push(
      bulkAudit(scope, d, workspaceId, {
        event: "authorization.connect_role_and_permission",
        description: sql`'Connected ' || ${roleId} || ' and ' || p.id`,
        targets: sql`json_array(json_object('type', 'role', 'id', ${roleId}), json_object('type', 'permission', 'id', p.id, 'name', p.slug))`,
        from: sql`permissions p`,
        where: sql`p.workspace_id = ${workspaceId} AND p.slug IN (SELECT value FROM json_each(${JSON.stringify(audited)}))`,
      }),
    );
  }
  return out;
}

/**
 * Removes these permissions from a role, each with an
 * `authorization.disconnect_role_and_permissions` event (Unkey's event name, plural as it is).
 */
export function detachPermissionsFromRole(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  roleId: string,
  permissions: { id: string; slug: string }[],
): Stmt[] {
  if (permissions.length === 0) return [];
  const ids = JSON.stringify(permissions.map((p) => p.id));
  return [
    bulkAudit(scope, d, workspaceId, {
      event: "authorization.disconnect_role_and_permissions",
      description: sql`'Disconnected ' || ${roleId} || ' and ' || p.id`,
      targets: sql`json_array(json_object('type', 'role', 'id', ${roleId}), json_object('type', 'permission', 'id', p.id, 'name', p.slug))`,
      from: sql`roles_permissions rp JOIN permissions p ON p.id = rp.permission_id`,
      where: sql`rp.role_id = ${roleId} AND rp.permission_id IN (SELECT value FROM json_each(${ids}))`,
    }),
    rawStatement(d, sql`DELETE FROM roles_permissions WHERE role_id = ${roleId} AND permission_id IN (SELECT value FROM json_each(${ids}))`),
  ];
}
