import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import type { UsageLimiter } from "../../durable-objects/UsageLimiter";
import { usageLimiter } from "../../workers/lib/keys/credits";
import { call, newApi, newWorkspace } from "../helpers/harness";

/** Credit webhooks come from the UsageLimiter that owns the counter (docs/webhooks.md). */
async function setup(
  credits: number,
  threshold: Record<string, number>,
  refill?: Record<string, unknown>,
  events = ["key.credits_low", "key.credits_exhausted"],
) {
  const ws = await newWorkspace("credit webhooks");
  const apiId = await newApi(ws.rootKey);
  // .invalid never resolves: attempts fail fast; the deliveries rows are what we count
  const ep = await call<{ endpointId: string }>(
    "webhooks.createEndpoint",
    { url: "https://receiver.invalid/hook", events, creditsLowThreshold: threshold },
    ws.rootKey,
  );
  expect(ep.status, JSON.stringify(ep.body)).toBe(200);
  const key = await call<{ keyId: string; key: string }>(
    "keys.createKey",
    { apiId, credits: { remaining: credits, ...(refill ? { refill } : {}) } },
    ws.rootKey,
  );
  expect(key.status).toBe(200);
  return { ...ws, endpointId: ep.body.data.endpointId, ...key.body.data };
}

async function countEvents(endpointId: string, type: string): Promise<number> {
  const r = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND event_type = ?")
    .bind(endpointId, type)
    .first<{ n: number }>();
  return r?.n ?? 0;
}

async function eventually(fn: () => Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not met in time");
}

describe("credit webhooks from the UsageLimiter", () => {
  it("sends exactly one key.credits_low and one key.credits_exhausted when 1,000 concurrent verifications cross both", async () => {
    const s = await setup(1000, { absolute: 500 });
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => call<{ code: string }>("keys.verifyKey", { key: s.key }, s.rootKey).then((r) => r.body.data.code)),
    );
    expect(results.filter((c) => c === "VALID")).toHaveLength(1000);
    await eventually(async () => (await countEvents(s.endpointId, "key.credits_exhausted")) >= 1);
    // let any duplicate evaluation land before counting
    await new Promise((r) => setTimeout(r, 1500));
    expect(await countEvents(s.endpointId, "key.credits_low")).toBe(1);
    expect(await countEvents(s.endpointId, "key.credits_exhausted")).toBe(1);
    const row = await env.DB.prepare("SELECT payload FROM webhook_deliveries WHERE endpoint_id = ? AND event_type = 'key.credits_low'")
      .bind(s.endpointId)
      .first<{ payload: string }>();
    const body = JSON.parse(row!.payload);
    expect(body).toMatchObject({ type: "key.credits_low", data: { keyId: s.keyId, threshold: 500 } });
    expect(body.data.remaining).toBeLessThanOrEqual(500);
  });

  it("re-arms key.credits_low after a top-up above the threshold", async () => {
    const s = await setup(20, { percent: 50 });
    for (let i = 0; i < 11; i++) await call("keys.verifyKey", { key: s.key }, s.rootKey);
    await eventually(async () => (await countEvents(s.endpointId, "key.credits_low")) === 1);
    const top = await call("keys.updateCredits", { keyId: s.keyId, operation: "set", value: 20 }, s.rootKey);
    expect(top.status).toBe(200);
    for (let i = 0; i < 11; i++) await call("keys.verifyKey", { key: s.key }, s.rootKey);
    await eventually(async () => (await countEvents(s.endpointId, "key.credits_low")) === 2);
    expect(await countEvents(s.endpointId, "key.credits_exhausted")).toBe(0);
  });

  it("sends key.refilled when a refill is applied, and re-arms the low and exhausted events", async () => {
    const s = await setup(2, { absolute: 1 }, { interval: "daily", amount: 2 }, ["key.credits_low", "key.credits_exhausted", "key.refilled"]);
    const clock = { now: Date.now() };
    await runInDurableObject(usageLimiter(env, s.keyId), (i: UsageLimiter) => i.setClockForTests(() => clock.now));
    await call("keys.verifyKey", { key: s.key }, s.rootKey);
    await call("keys.verifyKey", { key: s.key }, s.rootKey);
    await eventually(async () => (await countEvents(s.endpointId, "key.credits_exhausted")) === 1);
    const today = new Date(clock.now);
    clock.now = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1) + 1000;
    await call("keys.verifyKey", { key: s.key }, s.rootKey);
    await call("keys.verifyKey", { key: s.key }, s.rootKey);
    await eventually(async () => (await countEvents(s.endpointId, "key.credits_exhausted")) === 2);
    expect(await countEvents(s.endpointId, "key.refilled")).toBe(1);
    expect(await countEvents(s.endpointId, "key.credits_low")).toBe(2);
  });
});
