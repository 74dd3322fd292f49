import { and, eq, inArray, isNull, or as sqlOr } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError, invalidInput } from "../errors";
import { parsePermissionQuery } from "../rbac/query";
import type { Policy } from "./policies";
import { chunks } from "./resources";

/** Stored keyauth rules also carry the resolved keyspace ids the Sentinel checks against. */
/**
 * A policy as a deployment snapshot stores it: keyauth also holds the keyspace ids its
 * `keyspaces` (API or keyspace ids) resolved to. Snapshots written before the field was renamed
 * carry `keySpaceIds`; they are immutable, so both are read (storedKeyspaceIds).
 */
export type StoredPolicy = Policy & { keyauth?: Policy["keyauth"] & { keyspaceIds?: string[]; keySpaceIds?: string[] } };

/** The keyspaces a stored keyauth rule verifies against (see StoredPolicy). */
export function storedKeyspaceIds(ka: NonNullable<StoredPolicy["keyauth"]>): string[] {
  return ka.keyspaceIds ?? ka.keySpaceIds ?? ka.keyspaces;
}

/**
 * Checks what the schema cannot: permission queries parse, and every keyspace (given as a
 * keyspace id or an API id) exists in the workspace (404 otherwise). Resolves keyspace ids.
 */
export async function resolvePolicies(d: Database, workspaceId: string, policies: StoredPolicy[], location: (i: number) => string): Promise<StoredPolicy[]> {
  const wanted = new Set<string>();
  for (const [i, p] of policies.entries()) {
    if (p.keyauth?.permissionQuery) {
      try {
        parsePermissionQuery(p.keyauth.permissionQuery);
      } catch (e) {
        throw invalidInput(`The permission query of policy ${i} is invalid: ${(e as Error).message}`, [
          { location: location(i) ? `${location(i)}.keyauth.permissionQuery` : "keyauth.permissionQuery", message: (e as Error).message },
        ]);
      }
    }
    for (const k of p.keyauth?.keyspaces ?? []) wanted.add(k);
  }
  const map = new Map<string, string>();
  if (wanted.size > 0) {
    const ids = [...wanted];
    // each id is bound twice; D1 allows 100 parameters per statement
    const rows = (
      await Promise.all(
        chunks(ids, 45).map((part) =>
          d
            .select({ keyspaceId: schema.keyspaces.id, apiId: schema.apis.id })
            .from(schema.keyspaces)
            .leftJoin(schema.apis, and(eq(schema.apis.keyspaceId, schema.keyspaces.id), isNull(schema.apis.deletedAt)))
            .where(
              and(
                eq(schema.keyspaces.workspaceId, workspaceId),
                isNull(schema.keyspaces.deletedAt),
                sqlOr(inArray(schema.keyspaces.id, part), inArray(schema.apis.id, part)),
              ),
            ),
        ),
      )
    ).flat();
    for (const r of rows) {
      map.set(r.keyspaceId, r.keyspaceId);
      if (r.apiId) map.set(r.apiId, r.keyspaceId);
    }
    const missing = ids.filter((k) => !map.has(k));
    if (missing.length > 0) throw new ApiError("unkey/data/key_space_not_found", `These keyspaces do not exist in this workspace: ${missing.join(", ")}.`);
  }
  return policies.map((p) => (p.keyauth ? { ...p, keyauth: { ...p.keyauth, keyspaceIds: [...new Set(p.keyauth.keyspaces.map((k) => map.get(k)!))] } } : p));
}

/** The management-API view of a stored policy (internal fields dropped, empty match omitted). */
export function policyResponse(p: StoredPolicy) {
  const { keyauth, match, ...rest } = p;
  const out: Record<string, unknown> = { ...rest };
  if (match && match.length > 0) out.match = match;
  if (keyauth) {
    const { keyspaceIds: _internal, keySpaceIds: _legacy, ...ka } = keyauth;
    out.keyauth = ka;
  }
  return out;
}
