import type { BatchItem } from "drizzle-orm/batch";
import { and, asc, eq, isNull, or, sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import { schema, type Database } from "../db";
import { ApiError, invalidInput } from "../errors";
import { newId } from "../ids";
import { invalidateKeys } from "../keys/invalidate";
import type { Identity } from "../keys/response";
import type { RatelimitInput } from "../keys/write";
import { describeMissing, or as anyOf, satisfies, type Requirement } from "../auth/permissions";
import type { RootKeyContext } from "../auth/rootKey";
import { grantsResource } from "../rbac/keyAccess";
import type { RequestScope } from "../scope";

/**
 * Identities (ratelimit-identities-rbac §3): lookups by id or externalId, the Identity response
 * shape, identity-owned ratelimit rows and cache invalidation of the keys linked to one.
 */
export type IdentityRow = typeof schema.identities.$inferSelect;
type RatelimitRow = typeof schema.ratelimits.$inferSelect;
export type IdentityResponse = z.infer<typeof Identity>;

const MAX_META_BYTES = 1024 * 1024;

/**
 * Root-key check for identity routes: the tuple permission(s), or a resource-name grant
 * (§7.2) covering `projects/<any>/identities/<identityId>#<action>` in the workspace.
 * Reads also accept the identity-specific tuple `identity.<id>.read_identity`.
 */
export function requireIdentityAction(root: RootKeyContext, action: string, identityId?: string) {
  const req: Requirement =
    action === "read_identity" && identityId ? anyOf(`identity.*.${action}`, `identity.${identityId}.${action}`) : `identity.*.${action}`;
  if (satisfies(root, req)) return;
  if (grantsResource(root, `projects/*/identities/${identityId ?? "*"}`, action)) return;
  throw new ApiError("unkey/authorization/insufficient_permissions", describeMissing(req));
}

export const identityNotFound = () => new ApiError("unkey/data/identity_not_found", "This identity does not exist.");

/** Meta is stored as JSON text; more than 1 MB is refused. */
export function assertMetaSize(meta: Record<string, unknown> | undefined) {
  if (meta === undefined) return;
  const bytes = new TextEncoder().encode(JSON.stringify(meta)).length;
  if (bytes > MAX_META_BYTES) {
    throw invalidInput(`Metadata is too large: ${bytes} bytes of JSON where at most ${MAX_META_BYTES} are allowed.`);
  }
}

/** The live identity of the workspace with this id or, failing that, this externalId. */
export async function findIdentity(d: Database, workspaceId: string, idOrExternalId: string): Promise<IdentityRow | null> {
  // longer than any id or externalId can be: not found, without sending megabytes to D1
  if (idOrExternalId.length > 255) return null;
  const i = schema.identities;
  const rows = await d
    .select()
    .from(i)
    .where(and(eq(i.workspaceId, workspaceId), isNull(i.deletedAt), or(eq(i.id, idOrExternalId), eq(i.externalId, idOrExternalId))))
    .limit(2);
  return rows.find((r) => r.id === idOrExternalId) ?? rows[0] ?? null;
}

export async function identityRatelimits(d: Database, identityIds: string[]): Promise<Map<string, RatelimitRow[]>> {
  const out = new Map<string, RatelimitRow[]>();
  if (identityIds.length === 0) return out;
  const rows = await d
    .select()
    .from(schema.ratelimits)
    .where(sql`${schema.ratelimits.identityId} IN (SELECT value FROM json_each(${JSON.stringify(identityIds)}))`)
    .orderBy(asc(schema.ratelimits.name));
  for (const r of rows) {
    const list = out.get(r.identityId!) ?? [];
    list.push(r);
    out.set(r.identityId!, list);
  }
  return out;
}

/** Identity as the API returns it: `meta` and `ratelimits` omitted when empty. */
export function toIdentityResponse(row: IdentityRow, limits: RatelimitRow[] = []): IdentityResponse {
  const out: IdentityResponse = { id: row.id, externalId: row.externalId };
  if (row.meta && Object.keys(row.meta).length > 0) out.meta = row.meta;
  if (limits.length > 0) {
    out.ratelimits = limits.map((l) => ({ id: l.id, name: l.name, limit: l.limit, duration: l.duration, autoApply: l.autoApply }));
  }
  return out;
}

/** Inserts of identity-owned ratelimits, chunked to stay within D1's bound-parameter limit. */
export function identityRatelimitInserts(
  d: Database,
  workspaceId: string,
  identityId: string,
  limits: (RatelimitInput & { id?: string })[],
  now: number,
): { statements: BatchItem<"sqlite">[]; rows: RatelimitRow[] } {
  const rows: RatelimitRow[] = limits.map((l) => ({
    id: l.id ?? newId("rl"),
    workspaceId,
    keyId: null,
    identityId,
    name: l.name,
    limit: l.limit,
    duration: l.duration,
    autoApply: l.autoApply ?? false,
    createdAt: now,
    updatedAt: null,
  }));
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += 8) statements.push(d.insert(schema.ratelimits).values(rows.slice(i, i + 8)));
  return { statements, rows };
}

/** Drops cached verification data of every key linked to the identity (limits or meta changed). */
export async function invalidateIdentityKeys(scope: RequestScope, identityId: string) {
  const rows = await scope.db.select({ hash: schema.keys.hash }).from(schema.keys).where(eq(schema.keys.identityId, identityId));
  await invalidateKeys(scope, ...rows.map((r) => r.hash));
}
