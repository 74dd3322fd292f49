import { describe, expect, it } from "vitest";
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { call, newApi, newWorkspace } from "../helpers/harness";
import { IDEMPOTENCY_WINDOW_MS, type UsageLimiter } from "../../durable-objects/UsageLimiter";
import { applyDueRefill, lastRefillBoundary } from "../../workers/lib/keys/refill";
import { creditsChanged, usageLimiter } from "../../workers/lib/keys/credits";

async function keyWith(body: Record<string, unknown>) {
  const ws = await newWorkspace("credits");
  const apiId = await newApi(ws.rootKey);
  const res = await call<{ keyId: string; key: string }>("keys.createKey", { apiId, ...body }, ws.rootKey);
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return { rootKey: ws.rootKey, ...res.body.data };
}

async function verify(rootKey: string, body: Record<string, unknown>) {
  const res = await call<{ valid: boolean; code: string; credits?: number }>("keys.verifyKey", body, rootKey);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

/** A controllable clock for the key's UsageLimiter. */
async function controlClock(keyId: string, start: number) {
  const clock = { now: start };
  await runInDurableObject(usageLimiter(env, keyId), (instance: UsageLimiter) => {
    instance.setClockForTests(() => clock.now);
  });
  return clock;
}

const at = (iso: string) => Date.parse(iso);

async function d1Remaining(keyId: string) {
  return (await env.DB.prepare("SELECT remaining, credits_version FROM keys WHERE id = ?")
    .bind(keyId)
    .first<{ remaining: number | null; credits_version: number }>())!;
}

describe("UsageLimiter exactness", () => {
  it("lets exactly C of N ≥ 200 concurrent verifications through", async () => {
    const C = 150;
    const N = 250;
    const { rootKey, key, keyId } = await keyWith({ credits: { remaining: C } });
    const results = await Promise.all(Array.from({ length: N }, () => verify(rootKey, { key })));
    const valid = results.filter((r) => r.code === "VALID");
    expect(valid).toHaveLength(C);
    expect(results.filter((r) => r.code === "USAGE_EXCEEDED")).toHaveLength(N - C);
    // every VALID answer reports a distinct balance: no credit was handed out twice
    expect(new Set(valid.map((r) => r.credits)).size).toBe(C);
    const live = await usageLimiter(env, keyId).read(keyId);
    expect(live.remaining).toBe(0);
  });

  it("never oversells under concurrent costs larger than one", async () => {
    const { rootKey, key } = await keyWith({ credits: { remaining: 100 } });
    const results = await Promise.all(Array.from({ length: 200 }, () => verify(rootKey, { key, credits: { cost: 3 } })));
    expect(results.filter((r) => r.code === "VALID")).toHaveLength(33);
    expect(await verify(rootKey, { key, credits: { cost: 0 } })).toMatchObject({ code: "VALID", credits: 1 });
  });
});

describe("UsageLimiter persistence and write-back", () => {
  it("keeps its balance across an eviction, from its own storage rather than D1", async () => {
    const { rootKey, key, keyId } = await keyWith({ credits: { remaining: 10 } });
    for (let i = 0; i < 3; i++) await verify(rootKey, { key });
    const stub = usageLimiter(env, keyId);
    await stub.flush();
    // tamper with D1's copy without bumping the version: the object must not re-read it
    await env.DB.prepare("UPDATE keys SET remaining = 999 WHERE id = ?").bind(keyId).run();
    await evictDurableObject(stub);
    expect((await stub.read(keyId)).remaining).toBe(7);
    expect(await verify(rootKey, { key })).toMatchObject({ code: "VALID", credits: 6 });
  });

  it("writes the balance back to D1 from its alarm", async () => {
    const { rootKey, key, keyId } = await keyWith({ credits: { remaining: 5 } });
    await verify(rootKey, { key });
    await verify(rootKey, { key, credits: { cost: 2 } });
    await runDurableObjectAlarm(usageLimiter(env, keyId));
    expect((await d1Remaining(keyId)).remaining).toBe(2);
    const got = await call<{ credits?: { remaining: number | null } }>("keys.getKey", { keyId }, rootKey);
    expect(got.body.data.credits?.remaining).toBe(2);
  });

  it("does not let a late write-back undo an API write of the credits", async () => {
    const { rootKey, key, keyId } = await keyWith({ credits: { remaining: 5 } });
    await verify(rootKey, { key });
    // an API write (as updateKey does it): new balance and a new version, not yet seen by the object
    await env.DB.prepare("UPDATE keys SET remaining = 50, credits_version = credits_version + 1 WHERE id = ?").bind(keyId).run();
    await usageLimiter(env, keyId).flush();
    expect((await d1Remaining(keyId)).remaining).toBe(50);
    await creditsChanged(env, keyId);
    expect((await usageLimiter(env, keyId).read(keyId)).remaining).toBe(50);
  });

  it("reloads when a verification shows it a newer credits version", async () => {
    const { rootKey, key, keyId } = await keyWith({ credits: { remaining: 5 } });
    await verify(rootKey, { key });
    const upd = await call("keys.updateKey", { keyId, credits: { remaining: 20 } }, rootKey);
    expect(upd.status).toBe(200);
    expect(await verify(rootKey, { key })).toMatchObject({ code: "VALID", credits: 19 });
  });
});

describe("UsageLimiter refills (controlled clock)", () => {
  it("tops a daily key up to its amount once per UTC day, never cutting a surplus", async () => {
    const { rootKey, key, keyId } = await keyWith({ credits: { remaining: 2, refill: { interval: "daily", amount: 3 } } });
    const clock = await controlClock(keyId, Date.now());
    const today = new Date(clock.now);
    const tomorrow = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1);
    expect(await verify(rootKey, { key, credits: { cost: 2 } })).toMatchObject({ code: "VALID", credits: 0 });
    expect((await verify(rootKey, { key })).code).toBe("USAGE_EXCEEDED");
    clock.now = tomorrow + 1000;
    expect(await verify(rootKey, { key })).toMatchObject({ code: "VALID", credits: 2 });
    clock.now = tomorrow + 20 * 3_600_000;
    expect(await verify(rootKey, { key })).toMatchObject({ code: "VALID", credits: 1 });
    // a surplus above the amount is kept at the next refill
    await call("keys.updateCredits", { keyId, operation: "set", value: 50 }, rootKey);
    await runInDurableObject(usageLimiter(env, keyId), (i: UsageLimiter) => i.setClockForTests(() => clock.now));
    clock.now = tomorrow + 24 * 3_600_000 + 1000;
    expect(await verify(rootKey, { key })).toMatchObject({ code: "VALID", credits: 49 });
  });

  it("refills monthly keys on refillDay, or on the last day of shorter months", async () => {
    const { keyId } = await keyWith({ credits: { remaining: 0, refill: { interval: "monthly", amount: 100, refillDay: 31 } } });
    const stub = usageLimiter(env, keyId);
    const clock = await controlClock(keyId, at("2027-01-15T12:00:00Z"));
    // the refill of 2026-12-31 was due since the key was created
    expect((await stub.read(keyId)).remaining).toBe(100);
    await stub.spend({ keyId, cost: 100 });
    const steps: [string, number][] = [
      ["2027-01-30T23:59:59Z", 0],
      ["2027-01-31T00:00:01Z", 100],
      ["2027-02-27T12:00:00Z", 0],
      ["2027-02-28T00:00:01Z", 100],
      ["2027-03-30T12:00:00Z", 0],
      ["2027-03-31T08:00:00Z", 100],
    ];
    for (const [time, expected] of steps) {
      clock.now = at(time);
      const { remaining } = await stub.read(keyId);
      expect(remaining, time).toBe(expected);
      if (remaining === 100) await stub.spend({ keyId, cost: 100 });
    }
  });

  it("computes refill boundaries across month ends and leap years", () => {
    const monthly = (refillDay: number) => ({ interval: "monthly" as const, amount: 1, refillDay });
    expect(lastRefillBoundary(monthly(31), at("2028-02-29T10:00:00Z"))).toBe(at("2028-02-29T00:00:00Z"));
    expect(lastRefillBoundary(monthly(31), at("2028-02-28T10:00:00Z"))).toBe(at("2028-01-31T00:00:00Z"));
    expect(lastRefillBoundary(monthly(30), at("2027-01-05T00:00:00Z"))).toBe(at("2026-12-30T00:00:00Z"));
    expect(lastRefillBoundary(monthly(1), at("2027-06-01T00:00:00Z"))).toBe(at("2027-06-01T00:00:00Z"));
    expect(lastRefillBoundary({ interval: "daily", amount: 1, refillDay: null }, at("2027-06-01T13:14:15Z"))).toBe(at("2027-06-01T00:00:00Z"));
    const s = { remaining: 5, refill: { interval: "daily" as const, amount: 3, refillDay: null }, lastRefillAt: null, createdAt: at("2027-06-01T10:00:00Z") };
    expect(applyDueRefill(s, at("2027-06-01T23:00:00Z"))).toBe(false);
    expect(applyDueRefill(s, at("2027-06-02T00:00:01Z"))).toBe(true);
    expect(s.remaining).toBe(5);
  });
});

describe("UsageLimiter idempotency store", () => {
  it("replays a stored answer after an eviction and forgets it after the window", async () => {
    const { rootKey, key, keyId } = await keyWith({ credits: { remaining: 10 } });
    const h = { "idempotency-key": "retry-me" };
    const first = await call<{ code: string; credits?: number }>("keys.verifyKey", { key }, rootKey, h);
    expect(first.body.data).toMatchObject({ code: "VALID", credits: 9 });
    const stub = usageLimiter(env, keyId);
    await evictDurableObject(stub);
    const replay = await call("keys.verifyKey", { key }, rootKey, h);
    expect(replay.body.data).toEqual(first.body.data);
    // past the window (controlled clock) the key counts as new and the alarm purges old answers
    const clock = await controlClock(keyId, Date.now() + IDEMPOTENCY_WINDOW_MS + 1000);
    expect(clock.now).toBeGreaterThan(Date.now());
    const fresh = await call("keys.verifyKey", { key }, rootKey, h);
    expect(fresh.body.data).toMatchObject({ code: "VALID", credits: 8 });
    await runDurableObjectAlarm(stub);
    const left = await runInDurableObject(
      stub,
      (_i: UsageLimiter, state: DurableObjectState) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency").one().n,
    );
    expect(left).toBe(1);
  });
});
