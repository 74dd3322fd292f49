import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { clearMemoryTier, TieredCache } from "../../../../workers/lib/cache";

let now = 1_000_000;
const clock = () => now;

describe("tiered stale-while-revalidate cache", () => {
  beforeEach(() => {
    clearMemoryTier();
    now = 1_000_000 + Math.floor(Math.random() * 1e9);
  });

  it("serves fresh values without calling the loader", async () => {
    const ctx = createExecutionContext();
    const cache = new TieredCache(ctx, { now: clock });
    let loads = 0;
    const load = async () => ++loads;
    const key = `fresh-${now}`;
    expect(await cache.swr("keyByHash", key, load)).toBe(1);
    expect(await cache.swr("keyByHash", key, load)).toBe(1);
    expect(loads).toBe(1);
    await waitOnExecutionContext(ctx);
  });

  it("serves a stale value while refreshing in the background, then the new one", async () => {
    const ctx = createExecutionContext();
    const cache = new TieredCache(ctx, { now: clock });
    let version = 1;
    const key = `stale-${now}`;
    expect(await cache.swr("keyByHash", key, async () => version)).toBe(1);
    version = 2;
    now += 15_000; // past fresh (10 s), within stale (60 s)
    expect(await cache.swr("keyByHash", key, async () => version)).toBe(1);
    await waitOnExecutionContext(ctx);
    expect(await cache.swr("keyByHash", key, async () => 3)).toBe(2);
  });

  it("reloads after the stale time", async () => {
    const ctx = createExecutionContext();
    const cache = new TieredCache(ctx, { now: clock });
    const key = `expired-${now}`;
    await cache.swr("keyByHash", key, async () => "old");
    now += 61_000;
    expect(await cache.swr("keyByHash", key, async () => "new")).toBe("new");
    await waitOnExecutionContext(ctx);
  });

  it("falls back to the Cache API tier when the isolate memory is cold", async () => {
    const ctx = createExecutionContext();
    const cache = new TieredCache(ctx);
    const key = `tier2-${Math.random()}`;
    await cache.swr("keyByHash", key, async () => ({ v: "from-d1" }));
    await waitOnExecutionContext(ctx); // the Cache API write runs in waitUntil
    clearMemoryTier();
    let loaded = false;
    const v = await new TieredCache(createExecutionContext()).swr("keyByHash", key, async () => {
      loaded = true;
      return { v: "reloaded" };
    });
    expect(v).toEqual({ v: "from-d1" });
    expect(loaded).toBe(false);
  });

  it("remove() clears both tiers so the next read reloads", async () => {
    const ctx = createExecutionContext();
    const cache = new TieredCache(ctx);
    const key = `rm-${Math.random()}`;
    await cache.swr("keyByHash", key, async () => "a");
    await waitOnExecutionContext(ctx);
    await cache.remove("keyByHash", key);
    expect(await cache.swr("keyByHash", key, async () => "b")).toBe("b");
  });

  it("caches negative answers (null) too", async () => {
    const cache = new TieredCache(createExecutionContext(), { now: clock });
    let loads = 0;
    const key = `null-${now}`;
    await cache.swr("keyByHash", key, async () => (loads++, null));
    expect(await cache.swr("keyByHash", key, async () => (loads++, "x"))).toBeNull();
    expect(loads).toBe(1);
  });

  it("coalesces concurrent misses for one key into one load", async () => {
    const cache = new TieredCache(createExecutionContext(), { now: clock, enabled: true });
    let loads = 0;
    const key = `coalesce-${now}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.swr("keyByHash", key, async () => (await new Promise((r) => setTimeout(r, 5)), ++loads))),
    );
    expect(new Set(results)).toEqual(new Set([1]));
    expect(loads).toBe(1);
  });

  it("can be switched off (cold-path benchmarks)", async () => {
    const cache = new TieredCache(createExecutionContext(), { enabled: false });
    let loads = 0;
    await cache.swr("keyByHash", "off", async () => ++loads);
    await cache.swr("keyByHash", "off", async () => ++loads);
    expect(loads).toBe(2);
  });
});
