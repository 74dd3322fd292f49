import type { Context } from "hono";
import type { AppEnv, Env } from "./env";
import { TieredCache, type CacheContext } from "./cache";

/** The tiered cache for this request (the LRU tier itself is per isolate). */
export function cacheFor(c: Context<AppEnv>): TieredCache {
  return newCache(c.env, c.executionCtx);
}

export function newCache(env: Env, ctx: CacheContext): TieredCache {
  return new TieredCache(ctx, { enabled: env.CACHE_MODE !== "off" });
}
