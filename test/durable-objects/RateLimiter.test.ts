import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { limitAll, limiterStub, type CounterOwner } from "../../workers/lib/ratelimit/limiter";

const D = 60_000;
// a slice boundary a little in the future, so real-time garbage collection never interferes
const T0 = Math.ceil((Date.now() + 3_600_000) / D) * D;
let n = 0;
const owner = (): CounterOwner => ({ kind: "namespace", workspaceId: "ws_test", namespace: "rlns_test", identifier: `id-${++n}-${Math.random()}` });
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
    const remaining = outcomes.filter((o) => o.passed).map((o) => o.results[0]!.remaining).sort((a, b) => a - b);
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
    const r = await limitAll(env, [{ owner: a, ...check(10) }, { owner: b, ...check(1) }], T0);
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
      Array.from({ length: 60 }, () => limitAll(env, [{ owner: a, ...check(100) }, { owner: b, ...check(7) }], T0 + 1)),
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
