import type { Context } from "hono";
import type { AppEnv } from "../env";
import { cacheFor } from "../services";

/**
 * Called after an API or its keyspace changes (deleted, allowlist, encryption flag, defaults).
 * Verification caches keyspace state apart from keys (namespace `keyspaceById`), so one
 * removal makes every key of the keyspace see the change at this location.
 */
export async function invalidateKeyspace(c: Context<AppEnv>, keyspaceId: string): Promise<void> {
  await cacheFor(c).remove("keyspaceById", keyspaceId);
}

/** Called after any change to keys (by their hashes): the next verification here reloads them. */
export async function invalidateKeys(c: Context<AppEnv>, ...hashes: string[]): Promise<void> {
  if (hashes.length > 0) await cacheFor(c).remove("keyByHash", ...hashes);
}
