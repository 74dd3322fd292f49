import { LRUCache } from "lru-cache";

/**
 * Tiered stale-while-revalidate cache in the spirit of @unkey/cache.
 *
 * Tiers, fastest first: isolate memory (a bounded LRU shared by every request this isolate
 * serves) and the Cache API of the current location. A value younger than `fresh` is served
 * as is; one younger than `stale` is served while a refresh runs in waitUntil; older values
 * are reloaded. `remove` clears both tiers of this location, so a mutation is seen by the
 * next request here; other locations catch up within the namespace's `stale` time.
 */
export const NAMESPACES = {
  rootKeyByHash: { fresh: 10_000, stale: 60_000 },
  keyByHash: { fresh: 10_000, stale: 60_000 },
  keyspaceById: { fresh: 10_000, stale: 60_000 },
  ratelimitNamespace: { fresh: 30_000, stale: 300_000 },
  ratelimitOverrides: { fresh: 10_000, stale: 60_000 },
  // portal sessions by access-token hash: bounds how long a revoked or deleted session lingers
  portalSession: { fresh: 10_000, stale: 300_000 },
  // GitHub's secret-scanning public keys: refetched hourly, last good set kept for a day
  githubKeys: { fresh: 3_600_000, stale: 86_400_000 },
} as const satisfies Record<string, { fresh: number; stale: number }>;

export type Namespace = keyof typeof NAMESPACES;

type Entry = { value: unknown; freshUntil: number; staleUntil: number };

// One LRU per isolate: survives across requests, bounded so a key-spraying client cannot grow it.
const memory = new LRUCache<string, Entry>({ max: 50_000 });
const inflight = new Map<string, Promise<unknown>>();

const CACHE_ORIGIN = "https://cache.keyforge.internal";

export interface CacheContext {
  waitUntil(p: Promise<unknown>): void;
}

export class TieredCache {
  constructor(
    private readonly ctx: CacheContext,
    /** `bypass`: namespaces served straight from their loader (benchmarks of one cold tier) */
    private readonly opts: { enabled?: boolean; bypass?: ReadonlySet<Namespace>; now?: () => number } = {},
  ) {}

  private now() {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /** Serve from cache, refreshing stale entries in the background; load on a miss. */
  async swr<T>(ns: Namespace, key: string, load: () => Promise<T>): Promise<T> {
    if (this.opts.enabled === false || this.opts.bypass?.has(ns)) return load();
    const id = `${ns}:${key}`;
    const now = this.now();
    let entry = memory.get(id);
    if (!entry) {
      entry = await this.readCacheApi(ns, key);
      if (entry && entry.staleUntil > now) memory.set(id, entry);
    }
    if (entry && entry.freshUntil > now) return entry.value as T;
    if (entry && entry.staleUntil > now) {
      this.ctx.waitUntil(this.refresh(ns, key, load).catch(() => {}));
      return entry.value as T;
    }
    return this.refresh(ns, key, load);
  }

  /** Load once per key at a time in this isolate, then write both tiers. */
  private refresh<T>(ns: Namespace, key: string, load: () => Promise<T>): Promise<T> {
    const id = `${ns}:${key}`;
    const running = inflight.get(id);
    if (running) return running as Promise<T>;
    const p = load()
      .then((value) => {
        this.set(ns, key, value);
        return value;
      })
      .finally(() => inflight.delete(id));
    inflight.set(id, p);
    return p;
  }

  set(ns: Namespace, key: string, value: unknown): void {
    if (this.opts.enabled === false || this.opts.bypass?.has(ns)) return;
    const { fresh, stale } = NAMESPACES[ns];
    const now = this.now();
    const entry: Entry = { value, freshUntil: now + fresh, staleUntil: now + stale };
    memory.set(`${ns}:${key}`, entry);
    this.ctx.waitUntil(this.writeCacheApi(ns, key, entry).catch(() => {}));
  }

  /** Invalidate in both tiers of this location; awaited so the caller's answer is consistent. */
  async remove(ns: Namespace, ...keys: string[]): Promise<void> {
    for (const key of keys) {
      memory.delete(`${ns}:${key}`);
      inflight.delete(`${ns}:${key}`);
    }
    if (this.opts.enabled === false) return;
    await Promise.all(
      keys.map((key) =>
        cacheApi()
          ?.delete(url(ns, key))
          .catch(() => false),
      ),
    );
  }

  private async readCacheApi(ns: Namespace, key: string): Promise<Entry | undefined> {
    const c = cacheApi();
    if (!c) return undefined;
    try {
      const res = await c.match(url(ns, key));
      return res ? ((await res.json()) as Entry) : undefined;
    } catch {
      return undefined;
    }
  }

  private async writeCacheApi(ns: Namespace, key: string, entry: Entry): Promise<void> {
    const c = cacheApi();
    if (!c) return;
    const ttl = Math.max(1, Math.ceil((entry.staleUntil - this.now()) / 1000));
    await c.put(
      url(ns, key),
      new Response(JSON.stringify(entry), {
        headers: { "content-type": "application/json", "cache-control": `max-age=${ttl}` },
      }),
    );
  }
}

function url(ns: string, key: string) {
  return `${CACHE_ORIGIN}/${ns}/${encodeURIComponent(key)}`;
}

function cacheApi(): Cache | undefined {
  return typeof caches !== "undefined" ? (caches as unknown as { default: Cache }).default : undefined;
}

/** For tests: forget this isolate's memory tier. */
export function clearMemoryTier() {
  memory.clear();
  inflight.clear();
}
