import type { BatchItem } from "drizzle-orm/batch";
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { rawStatement, schema, type Database } from "../db";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { bulkAudit } from "../audit";
import type { RequestScope } from "../scope";

/**
 * Roles and permissions named in key writes (createKey, updateKey, migrateKeys, and the
 * keys.*Permissions / keys.*Roles routes). Lists travel to D1 as one JSON parameter
 * (`json_each`), so 1000 slugs are still one statement and within D1's bound-parameter limit.
 */

type Stmt = BatchItem<"sqlite">;

const inJson = (column: SQL, values: string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

const unique = (xs: string[]) => [...new Set(xs)];

export const roleNotFound = (name: string) => new ApiError("unkey/data/role_not_found", `Role '${name}' was not found.`);

/** Roles by name; the first unknown name (request order) → 404 role_not_found. Nothing is written. */
export async function resolveRoles(d: Database, workspaceId: string, names: string[]): Promise<{ id: string; name: string }[]> {
  const wanted = unique(names);
  if (wanted.length === 0) return [];
  const rows = await d
    .select({ id: schema.roles.id, name: schema.roles.name })
    .from(schema.roles)
    .where(and(eq(schema.roles.workspaceId, workspaceId), inJson(sql`${schema.roles.name}`, wanted)));
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const n of wanted) if (!byName.has(n)) throw roleNotFound(n);
  return wanted.map((n) => byName.get(n)!);
}

/**
 * Permission slugs compare case-insensitively, as Unkey's do (its database collation):
 * `DOCUMENTS.WRITE` and `documents.write` are one permission. Deduplicates `slugs` that way (the
 * first spelling in the request is kept) and replaces each by the slug already stored for it (the
 * first created, should several spellings exist), so later exact-slug statements find that row.
 */
export async function canonicalPermissionSlugs(d: Database, workspaceId: string, slugs: string[]): Promise<string[]> {
  const first = new Map<string, string>();
  for (const s of slugs) if (!first.has(s.toLowerCase())) first.set(s.toLowerCase(), s);
  if (first.size === 0) return [];
  const p = schema.permissions;
  const rows = await d
    .select({ slug: p.slug })
    .from(p)
    .where(and(eq(p.workspaceId, workspaceId), inJson(sql`lower(${p.slug})`, [...first.keys()])))
    .orderBy(asc(p.createdAt), asc(p.id));
  const stored = new Map<string, string>();
  for (const r of rows) if (!stored.has(r.slug.toLowerCase())) stored.set(r.slug.toLowerCase(), r.slug);
  return [...first].map(([lower, s]) => stored.get(lower) ?? s);
}

/** Which of `slugs` already exist as permissions of the workspace. */
export async function existingPermissions(d: Database, workspaceId: string, slugs: string[]) {
  const wanted = unique(slugs);
  if (wanted.length === 0) return [];
  return d
    .select({ id: schema.permissions.id, slug: schema.permissions.slug })
    .from(schema.permissions)
    .where(and(eq(schema.permissions.workspaceId, workspaceId), inJson(sql`${schema.permissions.slug}`, wanted)));
}

/**
 * Statements that create the missing permissions among `slugs` (name = slug) with their
 * `permission.create` audit events, for the caller's batch. Concurrent creators converge on
 * one row per slug (unique index + ON CONFLICT DO NOTHING); only the winner's event is kept.
 */
export async function planPermissionCreation(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  slugs: string[],
): Promise<{ statements: Stmt[]; created: string[] }> {
  const wanted = unique(slugs);
  const have = new Set((await existingPermissions(d, workspaceId, wanted)).map((p) => p.slug));
  const missing = wanted.filter((s) => !have.has(s));
  if (missing.length === 0) return { statements: [], created: [] };
  const rows = JSON.stringify(missing.map((s) => [newId("perm"), s]));
  const now = Date.now();
  return {
    created: missing,
    statements: [
      rawStatement(
        d,
        sql`INSERT INTO permissions (id, workspace_id, name, slug, created_at)
        SELECT json_extract(value, '$[0]'), ${workspaceId}, json_extract(value, '$[1]'), json_extract(value, '$[1]'), ${now}
        FROM json_each(${rows}) WHERE true ON CONFLICT DO NOTHING`,
      ),
      bulkAudit(scope, d, workspaceId, {
        event: "permission.create",
        description: sql`'Created permission ' || json_extract(value, '$[0]')`,
        targets: sql`json_array(json_object('type', 'permission', 'id', json_extract(value, '$[0]'), 'name', json_extract(value, '$[1]')))`,
        from: sql`json_each(${rows})`,
        where: sql`EXISTS (SELECT 1 FROM permissions WHERE id = json_extract(value, '$[0]'))`,
      }),
    ],
  };
}

/**
 * Statements creating the missing roles among `names` (migrateKeys auto-creates roles), with
 * `role.create` audit events; concurrent creators converge on one row per name.
 */
export async function planRoleCreation(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  names: string[],
): Promise<{ statements: Stmt[]; created: string[] }> {
  const wanted = unique(names);
  if (wanted.length === 0) return { statements: [], created: [] };
  const rows0 = await d
    .select({ name: schema.roles.name })
    .from(schema.roles)
    .where(and(eq(schema.roles.workspaceId, workspaceId), inJson(sql`${schema.roles.name}`, wanted)));
  const have = new Set(rows0.map((r) => r.name));
  const missing = wanted.filter((n) => !have.has(n));
  if (missing.length === 0) return { statements: [], created: [] };
  const rows = JSON.stringify(missing.map((n) => [newId("role"), n]));
  const now = Date.now();
  return {
    created: missing,
    statements: [
      rawStatement(
        d,
        sql`INSERT INTO roles (id, workspace_id, name, created_at)
        SELECT json_extract(value, '$[0]'), ${workspaceId}, json_extract(value, '$[1]'), ${now}
        FROM json_each(${rows}) WHERE true ON CONFLICT DO NOTHING`,
      ),
      bulkAudit(scope, d, workspaceId, {
        event: "role.create",
        description: sql`'Created role ' || json_extract(value, '$[0]')`,
        targets: sql`json_array(json_object('type', 'role', 'id', json_extract(value, '$[0]'), 'name', json_extract(value, '$[1]')))`,
        from: sql`json_each(${rows})`,
        where: sql`EXISTS (SELECT 1 FROM roles WHERE id = json_extract(value, '$[0]'))`,
      }),
    ],
  };
}

/**
 * Links the permissions with these slugs to a key (resolved by slug at batch time, so rows
 * created earlier in the same batch are found), with one `authorization.connect_permission_and_key`
 * event per slug in `auditSlugs` (default: all).
 */
export function attachPermissionsToKey(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  keyId: string,
  slugs: string[],
  auditSlugs: string[] = slugs,
): Stmt[] {
  const wanted = unique(slugs);
  if (wanted.length === 0) return [];
  const out: Stmt[] = [
    rawStatement(
      d,
      sql`INSERT INTO keys_permissions (key_id, permission_id, workspace_id, created_at)
      SELECT ${keyId}, id, workspace_id, ${Date.now()} FROM permissions
      WHERE workspace_id = ${workspaceId} AND slug IN (SELECT value FROM json_each(${JSON.stringify(wanted)}))
      ON CONFLICT DO NOTHING`,
    ),
  ];
  const audited = unique(auditSlugs);
  if (audited.length > 0) {
    out.push(
      bulkAudit(scope, d, workspaceId, {
        event: "authorization.connect_permission_and_key",
        description: sql`'Attached ' || p.id || ' to ' || ${keyId}`,
        targets: sql`json_array(json_object('type', 'key', 'id', ${keyId}), json_object('type', 'permission', 'id', p.id, 'name', p.slug))`,
        from: sql`permissions p`,
        where: sql`p.workspace_id = ${workspaceId} AND p.slug IN (SELECT value FROM json_each(${JSON.stringify(audited)}))`,
      }),
    );
  }
  return out;
}

/** Links roles (by name, resolved at batch time) to a key, with `authorization.connect_role_and_key` events. */
export function attachRolesToKey(scope: RequestScope, d: Database, workspaceId: string, keyId: string, names: string[], auditNames: string[] = names): Stmt[] {
  const wanted = unique(names);
  if (wanted.length === 0) return [];
  const out: Stmt[] = [
    rawStatement(
      d,
      sql`INSERT INTO keys_roles (key_id, role_id, workspace_id, created_at)
      SELECT ${keyId}, id, workspace_id, ${Date.now()} FROM roles
      WHERE workspace_id = ${workspaceId} AND name IN (SELECT value FROM json_each(${JSON.stringify(wanted)}))
      ON CONFLICT DO NOTHING`,
    ),
  ];
  const audited = unique(auditNames);
  if (audited.length > 0) {
    out.push(
      bulkAudit(scope, d, workspaceId, {
        event: "authorization.connect_role_and_key",
        description: sql`'Connected ' || r.id || ' and ' || ${keyId}`,
        targets: sql`json_array(json_object('type', 'key', 'id', ${keyId}), json_object('type', 'role', 'id', r.id, 'name', r.name))`,
        from: sql`roles r`,
        where: sql`r.workspace_id = ${workspaceId} AND r.name IN (SELECT value FROM json_each(${JSON.stringify(audited)}))`,
      }),
    );
  }
  return out;
}

/** Removes the key's direct permissions with these ids, with `authorization.disconnect_permission_and_key` events. */
export function detachPermissionsFromKey(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  keyId: string,
  permissions: { id: string; slug: string }[],
): Stmt[] {
  if (permissions.length === 0) return [];
  const ids = JSON.stringify(permissions.map((p) => p.id));
  return [
    bulkAudit(scope, d, workspaceId, {
      event: "authorization.disconnect_permission_and_key",
      description: sql`'Disconnected ' || p.id || ' from ' || ${keyId}`,
      targets: sql`json_array(json_object('type', 'key', 'id', ${keyId}), json_object('type', 'permission', 'id', p.id, 'name', p.slug))`,
      from: sql`keys_permissions kp JOIN permissions p ON p.id = kp.permission_id`,
      where: sql`kp.key_id = ${keyId} AND kp.permission_id IN (SELECT value FROM json_each(${ids}))`,
    }),
    rawStatement(d, sql`DELETE FROM keys_permissions WHERE key_id = ${keyId} AND permission_id IN (SELECT value FROM json_each(${ids}))`),
  ];
}

/** Removes the key's roles with these ids, with `authorization.disconnect_role_and_key` events. */
export function detachRolesFromKey(scope: RequestScope, d: Database, workspaceId: string, keyId: string, roles: { id: string; name: string }[]): Stmt[] {
  if (roles.length === 0) return [];
  const ids = JSON.stringify(roles.map((r) => r.id));
  return [
    bulkAudit(scope, d, workspaceId, {
      event: "authorization.disconnect_role_and_key",
      description: sql`'Disconnected ' || r.id || ' and ' || ${keyId}`,
      targets: sql`json_array(json_object('type', 'key', 'id', ${keyId}), json_object('type', 'role', 'id', r.id, 'name', r.name))`,
      from: sql`keys_roles kr JOIN roles r ON r.id = kr.role_id`,
      where: sql`kr.key_id = ${keyId} AND kr.role_id IN (SELECT value FROM json_each(${ids}))`,
    }),
    rawStatement(d, sql`DELETE FROM keys_roles WHERE key_id = ${keyId} AND role_id IN (SELECT value FROM json_each(${ids}))`),
  ];
}
