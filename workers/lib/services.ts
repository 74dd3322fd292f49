import type { Env } from "./env";
import { TieredCache, type CacheContext, type Namespace } from "./cache";

/** CACHE_MODE=off: no caching at all; CACHE_MODE=keys-off: keys and keyspaces always from D1 (the cold-verification benchmark). */
const KEY_NAMESPACES: ReadonlySet<Namespace> = new Set<Namespace>(["keyByHash", "keyspaceById"]);

/** A tiered cache for one request (the request scope builds it on first use, lib/scope.ts). */
export function newCache(env: Env, ctx: CacheContext): TieredCache {
  return new TieredCache(ctx, { enabled: env.CACHE_MODE !== "off", bypass: env.CACHE_MODE === "keys-off" ? KEY_NAMESPACES : undefined });
}
