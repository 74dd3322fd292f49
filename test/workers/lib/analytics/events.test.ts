import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recordRatelimit, recordVerification, type EventContext } from "../../../../workers/lib/analytics/events";

function context(e: EventContext["env"]) {
  const pending: Promise<unknown>[] = [];
  return { ctx: { env: e, waitUntil: (p: Promise<unknown>) => void pending.push(p) }, settle: () => Promise.all(pending) };
}

async function countIn(table: string, workspaceId: string) {
  const row = await env.ANALYTICS_DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE workspace_id = ?`).bind(workspaceId).first<{ n: number }>();
  return row!.n;
}

const base = (workspaceId: string) => ({
  requestId: "req_test",
  time: Date.now(),
  workspaceId,
  keySpaceId: "ks_events",
  keyId: "key_events",
  outcome: "VALID",
  tags: ["a=b"],
});

describe("recordVerification / recordRatelimit", () => {
  it("send one Queue batch per burst from waitUntil, and the consumer stores every event", async () => {
    const ws = `ws_events_${crypto.randomUUID().slice(0, 8)}`;
    const sent: unknown[][] = [];
    const queue = {
      send: async () => {},
      sendBatch: async (msgs: { body: unknown }[]) => {
        sent.push(msgs.map((m) => m.body));
        await env.ANALYTICS_QUEUE!.sendBatch(msgs as never);
      },
    };
    const { ctx, settle } = context({ ...env, ANALYTICS_QUEUE: queue as never });
    for (let i = 0; i < 12; i++) recordVerification(ctx, base(ws));
    recordRatelimit(ctx, {
      requestId: "req_test",
      time: Date.now(),
      workspaceId: ws,
      namespaceId: "rlns_1",
      namespaceName: "api",
      identifier: "u",
      passed: false,
      cost: 1,
      limit: 1,
      duration: 1000,
    });
    expect(sent).toEqual([]); // nothing leaves during the request itself
    await settle();
    expect(sent.length).toBe(1);
    expect(sent[0]!.length).toBe(13);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && ((await countIn("key_verifications_v1", ws)) < 12 || (await countIn("ratelimits_v1", ws)) < 1)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await countIn("key_verifications_v1", ws)).toBe(12);
    expect(await countIn("ratelimits_v1", ws)).toBe(1);
  });

  it("write directly when no Queue is bound", async () => {
    const ws = `ws_events_${crypto.randomUUID().slice(0, 8)}`;
    const { ctx, settle } = context({ ...env, ANALYTICS_QUEUE: undefined });
    recordVerification(ctx, base(ws));
    recordVerification(ctx, { ...base(ws), outcome: "EXPIRED" });
    await settle();
    expect(await countIn("key_verifications_v1", ws)).toBe(2);
    expect(await countIn("key_verifications_per_hour_v1", ws)).toBe(2);
  });

  it("fall back to a direct write when the Queue refuses the batch", async () => {
    const ws = `ws_events_${crypto.randomUUID().slice(0, 8)}`;
    const queue = { send: async () => {}, sendBatch: async () => Promise.reject(new Error("queue unavailable")) };
    const { ctx, settle } = context({ ...env, ANALYTICS_QUEUE: queue as never });
    for (let i = 0; i < 3; i++) recordVerification(ctx, base(ws));
    await settle();
    expect(await countIn("key_verifications_v1", ws)).toBe(3);
  });
});
