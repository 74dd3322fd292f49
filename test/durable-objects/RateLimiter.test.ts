import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  NAMESPACE_SHARDS,
  bucketName,
  legacyObjectName,
  limitAll,
  limiterStub,
  objectName,
  rateLimiters,
  shardOf,
  type CounterOwner,
} from "../../workers/lib/ratelimit/limiter";

const D = 60_000;
// a slice boundary a little in the future, so real-time garbage collection never interferes
const T0 = Math.ceil((Date.now() + 3_600_000) / D) * D;
let n = 0;
// an owner with an object of its own (key limits), so these tests see one object's whole state
const owner = (): CounterOwner => ({ kind: "key", workspaceId: "ws_test", keyId: `key-${++n}-${Math.random()}` });
const nsOwner = (namespace: string, identifier: string): CounterOwner => ({ kind: "namespace", workspaceId: "ws_test", namespace, identifier });
const check = (limit: number, cost = 1, duration = D, bucket = "") => ({ bucket, limit, duration, cost });

describe("RateLimiter Durable Object", () => {
  it("reproduces the sliding-window vectors from stored slices on a controlled clock", async () => {
    const stub = limiterStub(env, owner());
    // previous slice: 10 tokens; current slice: 5 tokens
    for (let i = 0; i < 10; i++) await stub.limit({ now: T0 + i, checks: [check(100)] });
    for (let i = 0; i < 5; i++) await stub.limit({ now: T0 + D + i, checks: [check(100)] });
    // halfway through: 5 + floor(10 × 0.5) + 1 = 11 > 10
    let r = await stub.limit({ now: T0 + D + D / 2, checks: [check(10)] });
    expect(r.results[0]).toEqual({ passed: false, limit: 10, remaining: 0, reset: T0 + 2 * D });
    // at 99 %: 5 + 0 + 1 = 6
    r = await stub.limit({ now: T0 + D + 0.99 * D, checks: [check(10)] });
    expect(r.results[0]).toEqual({ passed: true, limit: 10, remaining: 4, reset: T0 + 2 * D });
  });

  it("denied requests consume nothing and cost 0 is a pure check", async () => {
    const stub = limiterStub(env, owner());
    expect((await stub.limit({ now: T0, checks: [check(2, 2)] })).results[0]!.remaining).toBe(0);
    expect((await stub.limit({ now: T0, checks: [check(2, 1)] })).passed).toBe(false);
    const pure = await stub.limit({ now: T0, checks: [check(2, 0)] });
    expect(pure.results[0]).toMatchObject({ passed: true, remaining: 0 });
    expect((await stub.inspect()).windows).toEqual([{ bucket: "", duration: D, seq: T0 / D, tokens: 2 }]);
  });

  it("a cost above the limit always denies", async () => {
    const stub = limiterStub(env, owner());
    expect((await stub.limit({ now: T0, checks: [check(10, 100)] })).passed).toBe(false);
  });

  it("passes exactly `limit` of many concurrent requests", async () => {
    const stub = limiterStub(env, owner());
    const outcomes = await Promise.all(Array.from({ length: 300 }, () => stub.limit({ now: T0 + 5, checks: [check(77)] })));
    expect(outcomes.filter((o) => o.passed)).toHaveLength(77);
    const remaining = outcomes
      .filter((o) => o.passed)
      .map((o) => o.results[0]!.remaining)
      .sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 77 }, (_, i) => i));
  });

  it("keeps its counts when evicted mid-window", async () => {
    const o = owner();
    let stub = limiterStub(env, o);
    for (let i = 0; i < 6; i++) await stub.limit({ now: T0 + i, checks: [check(10)] });
    await evictDurableObject(stub);
    stub = limiterStub(env, o);
    const r = await stub.limit({ now: T0 + 100, checks: [check(10)] });
    expect(r.results[0]!.remaining).toBe(3);
  });

  it("keeps a pending reservation across eviction; it can still be committed or released", async () => {
    const o = owner();
    let stub = limiterStub(env, o);
    await stub.reserve({ reservationId: "survivor", now: T0, checks: [check(5, 4)] });
    await evictDurableObject(stub);
    stub = limiterStub(env, o);
    expect((await stub.limit({ now: T0, checks: [check(5, 2)] })).passed).toBe(false);
    expect(await stub.release("survivor")).toBe(true);
    expect((await stub.limit({ now: T0, checks: [check(5, 2)] })).results[0]!.remaining).toBe(3);
  });

  it("checks of one batch on the same counter add up and are all-or-nothing", async () => {
    const stub = limiterStub(env, owner());
    const r = await stub.limit({ now: T0, checks: [check(3, 2), check(3, 2)] });
    expect(r.passed).toBe(false);
    expect(r.results.map((x) => x.passed)).toEqual([true, false]);
    expect(r.results[0]!.remaining).toBe(3); // reported as if not charged
    expect((await stub.inspect()).windows).toEqual([]);
  });

  it("counts each duration and bucket separately", async () => {
    const stub = limiterStub(env, owner());
    await stub.limit({ now: T0, checks: [check(5, 5, D, "a")] });
    expect((await stub.limit({ now: T0, checks: [check(5, 1, D, "b")] })).passed).toBe(true);
    expect((await stub.limit({ now: T0, checks: [check(5, 1, 2 * D, "a")] })).passed).toBe(true);
    expect((await stub.limit({ now: T0, checks: [check(5, 1, D, "a")] })).passed).toBe(false);
  });

  it("reserved tokens count at once, commit keeps them, release hands them back", async () => {
    const stub = limiterStub(env, owner());
    expect((await stub.reserve({ reservationId: "r1", now: T0, checks: [check(5, 3)] })).passed).toBe(true);
    expect((await stub.limit({ now: T0, checks: [check(5, 3)] })).passed).toBe(false);
    expect(await stub.release("r1")).toBe(true);
    expect((await stub.limit({ now: T0, checks: [check(5, 3)] })).passed).toBe(true);
    expect((await stub.reserve({ reservationId: "r2", now: T0, checks: [check(5, 2)] })).passed).toBe(true);
    expect(await stub.commit("r2")).toBe(true);
    expect(await stub.release("r2")).toBe(false);
    expect((await stub.limit({ now: T0, checks: [check(5, 1)] })).passed).toBe(false);
  });

  it("releases reservations that were never committed once they expire", async () => {
    const stub = limiterStub(env, owner());
    await stub.reserve({ reservationId: "lost", now: T0, checks: [check(4, 4)], ttlMs: 0 });
    expect((await stub.limit({ now: T0, checks: [check(4, 1)] })).passed).toBe(false);
    await runDurableObjectAlarm(stub);
    expect((await stub.inspect()).reservations).toBe(0);
    expect((await stub.limit({ now: T0, checks: [check(4, 1)] })).passed).toBe(true);
  });

  it("garbage-collects slices older than the previous one, never the live ones", async () => {
    // a simulated clock far in the past: collection must follow it, not the real clock
    const past = 1_000 * D;
    const stub = limiterStub(env, owner());
    await stub.limit({ now: past, checks: [check(10, 1, D, "x")] });
    await stub.limit({ now: past + D, checks: [check(10, 1, D, "x")] });
    await runDurableObjectAlarm(stub);
    expect((await stub.inspect()).windows.map((w) => w.seq)).toEqual([1000, 1001]);
    await stub.limit({ now: past + 2 * D, checks: [check(10, 1, D, "x")] });
    await runDurableObjectAlarm(stub);
    expect((await stub.inspect()).windows.map((w) => w.seq)).toEqual([1001, 1002]);
  });

  it("rejects invalid checks before reaching an object", async () => {
    await expect(limitAll(env, [{ owner: owner(), ...check(10, 1, 999) }], T0)).rejects.toThrow(/duration/);
    await expect(limitAll(env, [{ owner: owner(), ...check(10, -1) }], T0)).rejects.toThrow(/cost/);
  });
});

describe("limitAll across several objects", () => {
  it("charges nothing anywhere when one object denies", async () => {
    const a = owner();
    const b = owner();
    await limitAll(env, [{ owner: b, ...check(1) }], T0);
    const r = await limitAll(
      env,
      [
        { owner: a, ...check(10) },
        { owner: b, ...check(1) },
      ],
      T0,
    );
    expect(r.passed).toBe(false);
    expect(r.results.map((x) => x.passed)).toEqual([true, false]);
    expect(r.results[0]!.remaining).toBe(10);
    const tokens = (await limiterStub(env, a).inspect()).windows.reduce((s, w) => s + w.tokens, 0);
    expect(tokens).toBe(0);
  });

  it("stays all-or-nothing under concurrency", async () => {
    const a = owner();
    const b = owner();
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, () =>
        limitAll(
          env,
          [
            { owner: a, ...check(100) },
            { owner: b, ...check(7) },
          ],
          T0 + 1,
        ),
      ),
    );
    const passed = outcomes.filter((o) => o.passed).length;
    // reservations can make a racing batch fail conservatively, never overspend
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThanOrEqual(7);
    const tokensA = (await limiterStub(env, a).inspect()).windows.reduce((s, w) => s + w.tokens, 0);
    const tokensB = (await limiterStub(env, b).inspect()).windows.reduce((s, w) => s + w.tokens, 0);
    expect(tokensA).toBe(passed);
    expect(tokensB).toBe(passed);
    expect((await limiterStub(env, a).inspect()).reservations).toBe(0);
  });
});

describe("namespace shards", () => {
  it("spreads many identifiers of a namespace over a fixed number of objects, each counted on its own", async () => {
    const ns = `rlns_spread_${Math.random()}`;
    const ids = Array.from({ length: 400 }, (_, i) => `user_${i}`);
    expect(new Set(ids.map((id) => objectName(nsOwner(ns, id)))).size).toBeLessThanOrEqual(NAMESPACE_SHARDS);
    const first = await Promise.all(ids.map((id) => limitAll(env, [{ owner: nsOwner(ns, id), ...check(2, 2) }], T0)));
    expect(first.every((o) => o.passed && o.results[0]!.remaining === 0)).toBe(true);
    const second = await Promise.all(ids.map((id) => limitAll(env, [{ owner: nsOwner(ns, id), ...check(2, 1) }], T0 + 1)));
    expect(second.every((o) => !o.passed)).toBe(true);
    // another namespace with the same identifiers has its own counters
    const other = await limitAll(env, [{ owner: nsOwner(`${ns}_b`, "user_1"), ...check(2, 1) }], T0 + 1);
    expect(other.passed).toBe(true);
  });

  it("stays exact for concurrent requests on identifiers that share a shard", async () => {
    const ns = `rlns_share_${Math.random()}`;
    const a = "alpha";
    let b = "beta0";
    for (let i = 1; shardOf(b) !== shardOf(a); i++) b = `beta${i}`;
    expect(objectName(nsOwner(ns, a))).toBe(objectName(nsOwner(ns, b)));
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => limitAll(env, [{ owner: nsOwner(ns, i % 2 ? a : b), ...check(31) }], T0 + 2)));
    expect(outcomes.filter((o, i) => o.passed && i % 2 === 1)).toHaveLength(31);
    expect(outcomes.filter((o, i) => o.passed && i % 2 === 0)).toHaveLength(31);
  });

  it("multiLimit over identifiers of one shard is one atomic call, all-or-nothing", async () => {
    const ns = `rlns_multi_${Math.random()}`;
    const a = "one";
    let b = "two0";
    for (let i = 1; shardOf(b) !== shardOf(a); i++) b = `two${i}`;
    await limitAll(env, [{ owner: nsOwner(ns, b), ...check(1) }], T0);
    const r = await limitAll(
      env,
      [
        { owner: nsOwner(ns, a), ...check(5) },
        { owner: nsOwner(ns, b), ...check(1) },
      ],
      T0,
    );
    expect(r.passed).toBe(false);
    expect(r.results[0]).toMatchObject({ passed: true, remaining: 5 });
    const w = (await limiterStub(env, nsOwner(ns, a)).inspect()).windows;
    expect(w.filter((x) => x.bucket === bucketName(nsOwner(ns, a), ""))).toEqual([]);
  });
});

describe("upgrade from one object per identifier", () => {
  // what the previous layout left behind: windows under bucket "" in the identifier's own object
  async function legacyState(ns: string, identifier: string, tokens: number, now: number) {
    const o = rateLimiters(env);
    const stub = o.get(o.idFromName(legacyObjectName({ workspaceId: "ws_test", namespace: ns, identifier })));
    await stub.limit({ now, checks: [{ bucket: "", limit: 1_000, duration: D, cost: tokens }] });
  }
  const migrating = { ...env, RATELIMIT_LEGACY_UNTIL: String(Date.now() + 3_600_000) };

  it("a shard's first touch of an identifier keeps the live window of its old object", async () => {
    const ns = `rlns_up_${Math.random()}`;
    await legacyState(ns, "user_live", 7, T0);
    const r = await limitAll(migrating, [{ owner: nsOwner(ns, "user_live"), ...check(10) }], T0 + 10);
    expect(r.results[0]).toMatchObject({ passed: true, remaining: 2 });
    // copied once: the next request does not add the old tokens again
    const again = await limitAll(migrating, [{ owner: nsOwner(ns, "user_live"), ...check(10) }], T0 + 20);
    expect(again.results[0]).toMatchObject({ passed: true, remaining: 1 });
  });

  it("the previous slice of the old object keeps weighing on the sliding window", async () => {
    const ns = `rlns_prev_${Math.random()}`;
    await legacyState(ns, "user_prev", 10, T0);
    // halfway through the next slice: floor(10 × 0.5) + 1 = 6 of 10
    const r = await limitAll(migrating, [{ owner: nsOwner(ns, "user_prev"), ...check(10) }], T0 + D + D / 2);
    expect(r.results[0]).toMatchObject({ passed: true, remaining: 4 });
  });

  it("concurrent first touches copy the old window once and pass exactly the rest of the limit", async () => {
    const ns = `rlns_race_${Math.random()}`;
    await legacyState(ns, "user_race", 15, T0);
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => limitAll(migrating, [{ owner: nsOwner(ns, "user_race"), ...check(40) }], T0 + 5)));
    expect(outcomes.filter((o) => o.passed)).toHaveLength(25);
  });

  it("without RATELIMIT_LEGACY_UNTIL (or after it) old objects are never read", async () => {
    const ns = `rlns_off_${Math.random()}`;
    await legacyState(ns, "user_off", 9, T0);
    await legacyState(ns, "user_off2", 9, T0);
    const off = await limitAll(env, [{ owner: nsOwner(ns, "user_off"), ...check(10) }], T0 + 1);
    expect(off.results[0]!.remaining).toBe(9);
    const past = { ...env, RATELIMIT_LEGACY_UNTIL: new Date(Date.now() - 1000).toISOString() };
    const after = await limitAll(past, [{ owner: nsOwner(ns, "user_off2"), ...check(10) }], T0 + 1);
    expect(after.results[0]!.remaining).toBe(9);
  });

  it("a multi-object batch copies old windows before reserving", async () => {
    const ns = `rlns_resv_${Math.random()}`;
    await legacyState(ns, "a", 3, T0);
    const r = await limitAll(
      migrating,
      [
        { owner: nsOwner(ns, "a"), ...check(3) },
        { owner: nsOwner(`${ns}_other`, "a"), ...check(3) },
      ],
      T0 + 1,
    );
    expect(r.passed).toBe(false);
    expect(r.results[0]!.passed).toBe(false);
  });
});
