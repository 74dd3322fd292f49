import type { Context } from "hono";
import type { AppEnv, Env } from "./env";
import { TieredCache, type CacheContext, type Namespace } from "./cache";

/** The tiered cache for this request (the LRU tier itself is per isolate). */
export function cacheFor(c: Context<AppEnv>): TieredCache {
  return newCache(c.env, c.executionCtx);
}

/** CACHE_MODE=off: no caching at all; CACHE_MODE=keys-off: keys and keyspaces always from D1 (the cold-verification benchmark). */
const KEY_NAMESPACES: ReadonlySet<Namespace> = new Set<Namespace>(["keyByHash", "keyspaceById"]);

export function newCache(env: Env, ctx: CacheContext): TieredCache {
  return new TieredCache(ctx, { enabled: env.CACHE_MODE !== "off", bypass: env.CACHE_MODE === "keys-off" ? KEY_NAMESPACES : undefined });
}
