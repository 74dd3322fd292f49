import { createExecutionContext, createMessageBatch, env, evictDurableObject, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { consumeAnalyticsBatch } from "../../../workers/lib/analytics/consumer";
import { usageLimiter } from "../../../workers/lib/keys/credits";
import type { Env } from "../../../workers/lib/env";
import { verification } from "../../helpers/analytics";
import { call, newApi, newWorkspace } from "../../helpers/harness";

/**
 * The reliability suite's accuracy checks, through the public API where possible: concurrency
 * never oversells credits or windows, evictions lose nothing, and queue faults never lose or
 * double an analytics event.
 */
// Windows align to multiples of their duration on the real clock: a 30-day window keeps a run from
// straddling a boundary, where the weighted previous window would blur the exact counts.
const WINDOW = 2_592_000_000;

describe("concurrency and accuracy", () => {
  it("1,000 concurrent verifications with mixed costs spend exactly 100 credits, never below 0", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const { key, keyId } = (await call("keys.createKey", { apiId, credits: { remaining: 100 } }, ws.rootKey)).body.data;
    // half of the calls cost 1, so the balance must drain to exactly 0 whatever the order
    const costs = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 1 : 1 + (i % 7)));
    const answers = await Promise.all(costs.map((cost) => call("keys.verifyKey", { key, credits: { cost } }, ws.rootKey)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    let spent = 0;
    for (let i = 0; i < answers.length; i++) {
      const d = answers[i]!.body.data;
      expect(d.credits).toBeGreaterThanOrEqual(0);
      if (d.code === "VALID") spent += costs[i]!;
      else expect(d.code).toBe("USAGE_EXCEEDED");
    }
    expect(spent).toBe(100);
    const after = await call("keys.verifyKey", { key, credits: { cost: 0 } }, ws.rootKey);
    expect(after.body.data).toMatchObject({ valid: true, credits: 0 });
    const read = await call("keys.updateCredits", { keyId, operation: "increment", value: 0 }, ws.rootKey);
    expect(read.body.data.remaining).toBe(0);
  });

  it("a rate limit passes exactly its limit out of many concurrent requests", async () => {
    const ws = await newWorkspace();
    const answers = await Promise.all(
      Array.from({ length: 250 }, () => call("ratelimit.limit", { namespace: "acc", identifier: "u1", limit: 60, duration: WINDOW }, ws.rootKey)),
    );
    expect(answers.filter((a) => a.body.data?.success === true).length).toBe(60);
  });

  it("multiLimit stays all-or-nothing under concurrency: the looser limit is charged only with the tighter one", async () => {
    const ws = await newWorkspace();
    const limits = [
      { namespace: "tight", identifier: "u", limit: 40, duration: WINDOW },
      { namespace: "loose", identifier: "u", limit: 90, duration: WINDOW },
    ];
    const answers = await Promise.all(Array.from({ length: 150 }, () => call("ratelimit.multiLimit", limits, ws.rootKey)));
    expect(answers.filter((a) => a.body.data?.passed === true).length).toBe(40);
    const probe = await call("ratelimit.limit", { namespace: "loose", identifier: "u", limit: 90, duration: WINDOW, cost: 0 }, ws.rootKey);
    expect(probe.body.data.remaining).toBe(50);
  });

  it("an evicted credit counter mid-stream neither loses nor doubles a spend", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const { key, keyId } = (await call("keys.createKey", { apiId, credits: { remaining: 50, refill: { interval: "daily", amount: 50 } } }, ws.rootKey)).body
      .data;
    let valid = 0;
    for (let round = 0; round < 5; round++) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => call("keys.verifyKey", { key }, ws.rootKey)));
      valid += batch.filter((a) => a.body.data.code === "VALID").length;
      await evictDurableObject(usageLimiter(env as unknown as Env, keyId));
    }
    expect(valid).toBe(40);
    const last = await call("keys.verifyKey", { key, credits: { cost: 0 } }, ws.rootKey);
    expect(last.body.data.credits).toBe(10);
  });
});

describe("queue consumer faults", () => {
  /** The real D1 binding, failing its first `n` batch calls (a transient outage). */
  function flakyDb(n: number): D1Database {
    let failures = n;
    return new Proxy(env.ANALYTICS_DB, {
      get(target, prop, receiver) {
        if (prop === "batch") {
          return async (stmts: D1PreparedStatement[]) => {
            if (failures-- > 0) throw new Error("injected D1 outage");
            return target.batch(stmts);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as D1Database;
  }

  async function count(workspaceId: string) {
    const raw = await env.ANALYTICS_DB.prepare("SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE workspace_id = ?")
      .bind(workspaceId)
      .first<{ n: number }>();
    const day = await env.ANALYTICS_DB.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM key_verifications_per_day_v1 WHERE workspace_id = ?")
      .bind(workspaceId)
      .first<{ n: number }>();
    return { raw: raw!.n, day: day!.n };
  }

  it("failed writes are retried, and redelivery after partial success counts every event exactly once", async () => {
    const w = `ws_fault_${crypto.randomUUID().slice(0, 8)}`;
    const msgs = Array.from({ length: 20 }, () => verification({ workspaceId: w }));
    const deliver = async (db: D1Database, attempts: number) => {
      const batch = createMessageBatch<unknown>(
        "keyforge-analytics",
        msgs.map((body, i) => ({ id: `f${i}`, timestamp: new Date(), attempts, body })),
      );
      const ctx = createExecutionContext();
      await consumeAnalyticsBatch(batch, { ...(env as unknown as Env), ANALYTICS_DB: db });
      return getQueueResult(batch, ctx);
    };
    // first delivery: the batch write and the first 5 one-by-one writes fail, the rest land
    const first = await deliver(flakyDb(6), 1);
    expect(first.retryMessages.length).toBe(5);
    expect(first.explicitAcks.length).toBe(15);
    expect(await count(w)).toEqual({ raw: 15, day: 15 });
    // at-least-once delivery: the whole batch comes again, acked ones included
    const second = await deliver(env.ANALYTICS_DB, 2);
    expect(second.retryMessages).toEqual([]);
    expect(await count(w)).toEqual({ raw: 20, day: 20 });
    // and once more, for good measure
    await deliver(env.ANALYTICS_DB, 3);
    expect(await count(w)).toEqual({ raw: 20, day: 20 });
  });
});
