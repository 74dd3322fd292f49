import { eq } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError } from "../errors";
import type { KeyRow } from "./response";

export type KeyWithApi = {
  key: KeyRow;
  api: typeof schema.apis.$inferSelect;
  keyspace: typeof schema.keyspaces.$inferSelect;
};

export const KEY_GONE = "We could not find the requested key.";
export const KEY_NOT_FOUND = "The specified key was not found.";

export const keyNotFound = (detail: string) => new ApiError("unkey/data/key_not_found", detail);

/**
 * A key by id for a management route, with its API and keyspace. The 404 wording follows
 * Unkey: a key that never existed, was soft-deleted, or whose API/keyspace is deleted reads
 * `goneDetail`; a key of another workspace reads `foreignDetail`. Existence is checked before
 * any permission (keys-and-apis §7.6), so other workspaces' keys always look absent.
 */
export async function findKeyById(
  d: Database,
  workspaceId: string,
  keyId: string,
  details: { gone: string; foreign: string } = { gone: KEY_GONE, foreign: KEY_NOT_FOUND },
): Promise<KeyWithApi> {
  const rows = await d
    .select({ key: schema.keys, api: schema.apis, keyspace: schema.keyspaces })
    .from(schema.keys)
    .leftJoin(schema.keyspaces, eq(schema.keyspaces.id, schema.keys.keyspaceId))
    .leftJoin(schema.apis, eq(schema.apis.keyspaceId, schema.keys.keyspaceId))
    .where(eq(schema.keys.id, keyId))
    .limit(1);
  return checkFound(rows[0], workspaceId, details);
}

/** The same by hash (whoami). */
export async function findKeyByHash(d: Database, workspaceId: string, hash: string, detail: string): Promise<KeyWithApi> {
  const rows = await d
    .select({ key: schema.keys, api: schema.apis, keyspace: schema.keyspaces })
    .from(schema.keys)
    .leftJoin(schema.keyspaces, eq(schema.keyspaces.id, schema.keys.keyspaceId))
    .leftJoin(schema.apis, eq(schema.apis.keyspaceId, schema.keys.keyspaceId))
    .where(eq(schema.keys.hash, hash))
    .limit(1);
  return checkFound(rows[0], workspaceId, { gone: detail, foreign: detail });
}

function checkFound(
  row: { key: KeyRow; api: KeyWithApi["api"] | null; keyspace: KeyWithApi["keyspace"] | null } | undefined,
  workspaceId: string,
  details: { gone: string; foreign: string },
): KeyWithApi {
  if (!row) throw keyNotFound(details.gone);
  if (row.key.workspaceId !== workspaceId) throw keyNotFound(details.foreign);
  if (row.key.deletedAt !== null || !row.api || row.api.deletedAt !== null || !row.keyspace || row.keyspace.deletedAt !== null) {
    throw keyNotFound(details.gone);
  }
  return { key: row.key, api: row.api, keyspace: row.keyspace };
}
