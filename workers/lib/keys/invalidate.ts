import type { RequestScope } from "../scope";

/**
 * Called after an API or its keyspace changes (deleted, allowlist, encryption flag, defaults).
 * Verification caches keyspace state apart from keys (namespace `keyspaceById`), so one
 * removal makes every key of the keyspace see the change at this location.
 */
export async function invalidateKeyspace(scope: RequestScope, keyspaceId: string): Promise<void> {
  await scope.cache.remove("keyspaceById", keyspaceId);
}

/** Called after any change to keys (by their hashes): the next verification here reloads them. */
export async function invalidateKeys(scope: RequestScope, ...hashes: string[]): Promise<void> {
  if (hashes.length > 0) await scope.cache.remove("keyByHash", ...hashes);
}
