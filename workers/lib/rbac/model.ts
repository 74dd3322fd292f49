import { z } from "@hono/zod-openapi";
import { and, asc, eq, or, sql, type SQLWrapper } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { schema, type Database } from "../db";
import { ApiError } from "../errors";

/**
 * Permissions and roles of a workspace (ratelimit-identities-rbac §4.1): the response shapes,
 * the request field rules, and the lookups the permission, role and key-assignment routes share.
 *
 * Names and slugs are compared exactly (case-sensitively), like the permission query language
 * that matches them: `Docs.Read` and `docs.read` are two permissions.
 */

/** Characters a permission slug may contain; also the request rule for slugs and permission ids. */
export const SLUG_PATTERN = /^[a-zA-Z0-9_:\-.*]+$/;

export const permissionSlug = z.string().min(1).max(128).regex(SLUG_PATTERN, "may contain only letters, digits and the characters _ : - . *");

const ID_PATTERN = /^[a-zA-Z0-9_]+$/;

export const Permission = z
  .object({
    id: z.string().min(3).max(255).regex(ID_PATTERN),
    name: z.string().min(1).max(512),
    slug: z.string().min(1).max(512).regex(SLUG_PATTERN),
    description: z.string().max(512).optional(),
  })
  .openapi("Permission");

/** The contract caps `permissions` at 100 entries; roles with more are still answered in full. */
export const Role = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    permissions: z.array(Permission).max(100).optional(),
  })
  .openapi("Role");

export type PermissionData = z.infer<typeof Permission>;
export type RoleData = z.infer<typeof Role>;

type PermissionRow = Pick<typeof schema.permissions.$inferSelect, "id" | "name" | "slug" | "description">;
type RoleRow = Pick<typeof schema.roles.$inferSelect, "id" | "name" | "description">;

export function permissionData(p: PermissionRow): PermissionData {
  const out: PermissionData = { id: p.id, name: p.name, slug: p.slug };
  if (p.description) out.description = p.description;
  return out;
}

/** A role with its permissions; `permissions` is omitted when the role has none. */
export function roleData(r: RoleRow, permissions: PermissionData[] = []): RoleData {
  const out: RoleData = { id: r.id, name: r.name };
  if (r.description) out.description = r.description;
  if (permissions.length > 0) out.permissions = permissions;
  return out;
}

export const permissionNotFound = () => new ApiError("unkey/data/permission_not_found", "The requested permission does not exist.");
export const roleNotFoundById = () => new ApiError("unkey/data/role_not_found", "The requested role does not exist.");

const permissionColumns = {
  id: schema.permissions.id,
  name: schema.permissions.name,
  slug: schema.permissions.slug,
  description: schema.permissions.description,
};

const roleColumns = { id: schema.roles.id, name: schema.roles.name, description: schema.roles.description };

/** A permission of the workspace by id or slug (an id match wins), or null. */
export async function findPermission(d: Database, workspaceId: string, idOrSlug: string) {
  const p = schema.permissions;
  const rows = await d
    .select(permissionColumns)
    .from(p)
    .where(and(eq(p.workspaceId, workspaceId), or(eq(p.id, idOrSlug), eq(p.slug, idOrSlug))))
    .orderBy(sql`${p.id} = ${idOrSlug} DESC`)
    .limit(1);
  return rows[0] ?? null;
}

/** A role of the workspace by id or name (an id match wins), or null. */
export async function findRole(d: Database, workspaceId: string, idOrName: string) {
  const r = schema.roles;
  const rows = await d
    .select(roleColumns)
    .from(r)
    .where(and(eq(r.workspaceId, workspaceId), or(eq(r.id, idOrName), eq(r.name, idOrName))))
    .orderBy(sql`${r.id} = ${idOrName} DESC`)
    .limit(1);
  return rows[0] ?? null;
}

/** `column IN (the JSON array's values)`: one bound parameter however long the list. */
export const inJsonArray = (column: SQLWrapper, values: string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

/** The permissions of each role, by role id, sorted by slug. One query for any number of roles. */
export async function permissionsOfRoles(d: Database, roleIds: string[]): Promise<Map<string, PermissionData[]>> {
  const out = new Map<string, PermissionData[]>();
  if (roleIds.length === 0) return out;
  const rp = schema.rolesPermissions;
  const rows = await d
    .select({ roleId: rp.roleId, ...permissionColumns })
    .from(rp)
    .innerJoin(schema.permissions, eq(schema.permissions.id, rp.permissionId))
    .where(inJsonArray(rp.roleId, [...new Set(roleIds)]))
    .orderBy(asc(schema.permissions.slug));
  for (const { roleId, ...p } of rows) {
    const list = out.get(roleId) ?? [];
    list.push(permissionData(p));
    out.set(roleId, list);
  }
  return out;
}

/** Query: the permissions attached directly to a role, sorted by slug (usable inside a batch). */
export function rolePermissionsQuery(d: Database, roleId: string) {
  const rp = schema.rolesPermissions;
  return d
    .select(permissionColumns)
    .from(rp)
    .innerJoin(schema.permissions, eq(schema.permissions.id, rp.permissionId))
    .where(eq(rp.roleId, roleId))
    .orderBy(asc(schema.permissions.slug));
}

/** Query: a key's direct permissions, sorted by slug (usable inside a batch). */
export function keyPermissionsQuery(d: Database, keyId: string) {
  const kp = schema.keysPermissions;
  return d
    .select(permissionColumns)
    .from(kp)
    .innerJoin(schema.permissions, eq(schema.permissions.id, kp.permissionId))
    .where(eq(kp.keyId, keyId))
    .orderBy(asc(schema.permissions.slug));
}

/** Query: a key's roles, sorted by name (usable inside a batch). */
export function keyRolesQuery(d: Database, keyId: string) {
  const kr = schema.keysRoles;
  return d.select(roleColumns).from(kr).innerJoin(schema.roles, eq(schema.roles.id, kr.roleId)).where(eq(kr.keyId, keyId)).orderBy(asc(schema.roles.name));
}

/** Roles (rows) with their permissions, in the given order. */
export async function rolesWithPermissions(d: Database, roles: RoleRow[]): Promise<RoleData[]> {
  const perms = await permissionsOfRoles(
    d,
    roles.map((r) => r.id),
  );
  return roles.map((r) => roleData(r, perms.get(r.id)));
}

/**
 * Runs `writes` and then `read` as one D1 batch (one atomic round trip) and returns what `read`
 * saw: the state right after the writes.
 */
export async function writeThenRead<R>(d: Database, writes: BatchItem<"sqlite">[], read: BatchItem<"sqlite"> & PromiseLike<R>): Promise<R> {
  const results = (await d.batch([...writes, read] as unknown as [BatchItem<"sqlite">])) as unknown[];
  return results[results.length - 1] as R;
}
