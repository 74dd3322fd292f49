import { and, asc, eq, gte, inArray, isNull } from "drizzle-orm";
import { schema, type Database } from "../db";
import type { KeyWithApi } from "../keys/lookup";
import { rerollExpiry, rerollKey } from "../keys/reroll";
import { ApiError } from "../errors";
import type { KeyRow } from "../keys/response";
import type { PortalSession } from "./sessions";
import type { RequestScope } from "../scope";

/**
 * The ownership guard of the portal: a session reaches only live keys that belong to its
 * workspace, sit in one of its keyspaces and are linked to the live identity whose externalId
 * is the session's. Everything else is "not found", whether it exists or not.
 */
function ownedBy(session: PortalSession) {
  const k = schema.keys;
  const i = schema.identities;
  return and(
    eq(k.workspaceId, session.workspaceId),
    inArray(k.keyspaceId, session.keyspaceIds),
    isNull(k.deletedAt),
    eq(i.workspaceId, session.workspaceId),
    eq(i.externalId, session.externalId),
    isNull(i.deletedAt),
  );
}

/** One page of the end user's keys, ordered by key id; `cursor` is the first id of the page. */
export async function listOwnedKeys(d: Database, session: PortalSession, limit: number, cursor?: string): Promise<KeyRow[]> {
  if (session.keyspaceIds.length === 0) return [];
  const rows = await d
    .select({ key: schema.keys })
    .from(schema.keys)
    .innerJoin(schema.identities, eq(schema.identities.id, schema.keys.identityId))
    .innerJoin(schema.keyspaces, eq(schema.keyspaces.id, schema.keys.keyspaceId))
    .where(and(ownedBy(session), isNull(schema.keyspaces.deletedAt), cursor ? gte(schema.keys.id, cursor) : undefined))
    .orderBy(asc(schema.keys.id))
    .limit(limit);
  return rows.map((r) => r.key);
}

export const portalKeyNotFound = () => new ApiError("unkey/data/key_not_found", "The specified key was not found.");

/**
 * The end user's key with this id, with its live API and keyspace; the same 404 for keys of
 * other users, other APIs or workspaces, deleted and unknown keys.
 */
export async function findOwnedKey(d: Database, session: PortalSession, keyId: string): Promise<KeyWithApi> {
  if (session.keyspaceIds.length === 0) throw portalKeyNotFound();
  const rows = await d
    .select({ key: schema.keys, api: schema.apis, keyspace: schema.keyspaces })
    .from(schema.keys)
    .innerJoin(schema.identities, eq(schema.identities.id, schema.keys.identityId))
    .innerJoin(schema.keyspaces, eq(schema.keyspaces.id, schema.keys.keyspaceId))
    .innerJoin(schema.apis, eq(schema.apis.keyspaceId, schema.keys.keyspaceId))
    .where(and(eq(schema.keys.id, keyId), ownedBy(session), isNull(schema.keyspaces.deletedAt), isNull(schema.apis.deletedAt)))
    .limit(1);
  const row = rows[0];
  if (!row) throw portalKeyNotFound();
  return row;
}

/**
 * Rolls one of the end user's keys with the keys module's reroll (same configuration, new
 * secret; the old key lives `expiration` ms more, rounded up to a minute). The audit event
 * `key.reroll` names the end user (type `portalEndUser`, id = externalId) as the actor.
 */
export async function rerollOwnedKey(scope: RequestScope, session: PortalSession, keyId: string, expiration: number) {
  const old = await findOwnedKey(scope.db, session, keyId);
  const result = await rerollKey(scope, old, expiration, {
    type: "portalEndUser",
    id: session.externalId,
    meta: { portalId: session.portal.id, portalSessionId: session.id },
  });
  return { ...result, oldKeyId: old.key.id, oldKeyExpires: rerollExpiry(Date.now(), expiration), name: old.key.name, start: old.key.start };
}
