import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../../../workers/api/index";
import { consumeAnalyticsBatch, enforceAnalyticsRetention, retryDelaySeconds, writeEvents } from "../../../../workers/lib/analytics/consumer";
import {
  parseMessage,
  type AnalyticsMessage,
  type GatewayRequestRow,
  type RatelimitEvent,
  type RuntimeLogRow,
} from "../../../../workers/lib/analytics/messages";
import { ratelimit, verification } from "../../../helpers/analytics";

const GRAINS = ["minute", "hour", "day", "month"] as const;

async function counts(workspaceId: string) {
  const raw = await env.ANALYTICS_DB.prepare("SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE workspace_id = ?").bind(workspaceId).first<{ n: number }>();
  const out: Record<string, number> = { raw: raw!.n };
  for (const g of GRAINS) {
    const r = await env.ANALYTICS_DB.prepare(`SELECT COALESCE(SUM(count), 0) AS n FROM key_verifications_per_${g}_v1 WHERE workspace_id = ?`)
      .bind(workspaceId)
      .first<{ n: number }>();
    out[g] = r!.n;
  }
  return out;
}

const ws = () => `ws_consumer_${crypto.randomUUID().slice(0, 8)}`;

describe("analytics queue consumer", () => {
  it("N verification events land exactly N times in the raw table and every aggregate", async () => {
    const w = ws();
    const msgs = Array.from({ length: 37 }, (_, i) =>
      verification({ workspaceId: w, outcome: i % 3 === 0 ? "RATE_LIMITED" : "VALID", keyId: `key_${i % 4}`, tags: i % 2 ? ["a=1"] : [] }),
    );
    const batch = createMessageBatch<unknown>(
      "keyforge-analytics",
      msgs.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue!(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.length).toBe(37);
    expect(result.retryMessages).toEqual([]);
    expect(await counts(w)).toEqual({ raw: 37, minute: 37, hour: 37, day: 37, month: 37 });
  });

  it("a redelivered batch counts once", async () => {
    const w = ws();
    const msgs = Array.from({ length: 20 }, () => verification({ workspaceId: w, spentCredits: 2 }));
    for (let round = 0; round < 3; round++) {
      const batch = createMessageBatch<unknown>(
        "keyforge-analytics",
        msgs.map((body, i) => ({ id: `r${round}m${i}`, timestamp: new Date(), attempts: round + 1, body })),
      );
      const ctx = createExecutionContext();
      await worker.queue!(batch, env);
      await getQueueResult(batch, ctx);
    }
    expect(await counts(w)).toEqual({ raw: 20, minute: 20, hour: 20, day: 20, month: 20 });
    const credits = await env.ANALYTICS_DB.prepare("SELECT SUM(spent_credits) AS c FROM key_verifications_per_day_v1 WHERE workspace_id = ?")
      .bind(w)
      .first<{ c: number }>();
    expect(credits!.c).toBe(40);
  });

  it("a partly redelivered batch adds only the new events", async () => {
    const w = ws();
    const first = Array.from({ length: 5 }, () => verification({ workspaceId: w }));
    await writeEvents(env, first);
    const fresh = await writeEvents(env, [...first, ...Array.from({ length: 3 }, () => verification({ workspaceId: w }))]);
    expect(fresh.length).toBe(3);
    expect(await counts(w)).toEqual({ raw: 8, minute: 8, hour: 8, day: 8, month: 8 });
  });

  it("aggregates bucket by minute, hour, day and month start", async () => {
    const w = ws();
    const t = Date.UTC(2026, 10, 15, 13, 45, 30, 123);
    await writeEvents(env, [verification({ workspaceId: w, time: t }), verification({ workspaceId: w, time: t + 1000 })]);
    const bucket = async (g: string) =>
      (await env.ANALYTICS_DB.prepare(`SELECT time, count FROM key_verifications_per_${g}_v1 WHERE workspace_id = ?`).bind(w).all()).results;
    expect(await bucket("minute")).toEqual([{ time: Date.UTC(2026, 10, 15, 13, 45), count: 2 }]);
    expect(await bucket("hour")).toEqual([{ time: Date.UTC(2026, 10, 15, 13), count: 2 }]);
    expect(await bucket("day")).toEqual([{ time: Date.UTC(2026, 10, 15), count: 2 }]);
    expect(await bucket("month")).toEqual([{ time: Date.UTC(2026, 10, 1), count: 2 }]);
  });

  it("rate-limit events fill ratelimits_v1 and its aggregates (passed and total)", async () => {
    const w = ws();
    const msgs = [ratelimit({ workspaceId: w, passed: true }), ratelimit({ workspaceId: w, passed: true }), ratelimit({ workspaceId: w, passed: false })];
    await writeEvents(env, msgs);
    await writeEvents(env, msgs);
    const raw = await env.ANALYTICS_DB.prepare("SELECT COUNT(*) AS n FROM ratelimits_v1 WHERE workspace_id = ?").bind(w).first<{ n: number }>();
    expect(raw!.n).toBe(3);
    for (const g of GRAINS) {
      const r = await env.ANALYTICS_DB.prepare(`SELECT SUM(passed) AS p, SUM(total) AS t FROM ratelimits_per_${g}_v1 WHERE workspace_id = ?`).bind(w).first();
      expect(r).toEqual({ p: 2, t: 3 });
    }
  });

  it("a malformed message goes to the dead-letter queue and does not block the batch", async () => {
    const w = ws();
    const good = verification({ workspaceId: w });
    const batch = createMessageBatch<unknown>("keyforge-analytics", [
      { id: "bad1", timestamp: new Date(), attempts: 1, body: { hello: "world" } },
      { id: "bad2", timestamp: new Date(), attempts: 1, body: { ...good, id: "x", event: { ...good.event, time: "yesterday" } } },
      { id: "good", timestamp: new Date(), attempts: 1, body: good },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["bad1", "bad2", "good"]);
    expect(result.retryMessages).toEqual([]);
    expect((await counts(w)).raw).toBe(1);
  });

  it("retries with backoff when the store fails", async () => {
    const broken = {
      ...env,
      ANALYTICS_DB: { prepare: env.ANALYTICS_DB.prepare.bind(env.ANALYTICS_DB), batch: async () => Promise.reject(new Error("D1 down")) },
    } as never;
    const batch = createMessageBatch<unknown>("keyforge-analytics", [
      { id: "a", timestamp: new Date(), attempts: 1, body: verification({ workspaceId: ws() }) },
      { id: "b", timestamp: new Date(), attempts: 4, body: verification({ workspaceId: ws() }) },
    ]);
    const ctx = createExecutionContext();
    await consumeAnalyticsBatch(batch, broken);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["a", "b"]);
  });

  it("backs off exponentially between attempts, capped at five minutes", () => {
    expect([1, 2, 3, 4, 8, 9, 20].map(retryDelaySeconds)).toEqual([2, 4, 8, 16, 256, 300, 300]);
  });

  it("rejects message shapes it cannot write", () => {
    expect(parseMessage(null)).toBeNull();
    expect(parseMessage({ v: 2 })).toBeNull();
    expect(parseMessage({ ...verification({ workspaceId: "ws_1" }), type: "other" })).toBeNull();
    const ok = verification({ workspaceId: "ws_1" });
    expect(parseMessage(ok)).toEqual(ok);
    expect(parseMessage({ ...ok, event: { ...ok.event, tags: [1] } })).toBeNull();
  });

  it("retention deletes rows older than the workspace's setting, bucket by bucket", async () => {
    const w = ws();
    await env.DB.prepare("INSERT INTO workspaces (id, name, analytics_retention_days, created_at) VALUES (?, 'r', 7, ?)").bind(w, Date.now()).run();
    const now = Date.UTC(2026, 10, 27, 3, 30);
    const day = 86_400_000;
    await writeEvents(env, [
      verification({ workspaceId: w, time: now - 8 * day }),
      verification({ workspaceId: w, time: now - 6 * day }),
      verification({ workspaceId: w, time: now - 1000 }),
    ]);
    const other = ws(); // unknown workspace: default 30 days
    await writeEvents(env, [verification({ workspaceId: other, time: now - 8 * day }), verification({ workspaceId: other, time: now - 31 * day })]);
    await enforceAnalyticsRetention(env, now);
    const raw = await env.ANALYTICS_DB.prepare("SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE workspace_id = ?").bind(w).first<{ n: number }>();
    expect(raw!.n).toBe(2);
    const daily = await env.ANALYTICS_DB.prepare("SELECT SUM(count) AS n FROM key_verifications_per_day_v1 WHERE workspace_id = ?")
      .bind(w)
      .first<{ n: number }>();
    expect(daily!.n).toBe(2);
    // the month bucket still holds days inside the window, so it stays whole
    const monthly = await env.ANALYTICS_DB.prepare("SELECT SUM(count) AS n FROM key_verifications_per_month_v1 WHERE workspace_id = ?")
      .bind(w)
      .first<{ n: number }>();
    expect(monthly!.n).toBe(3);
    const otherRaw = await env.ANALYTICS_DB.prepare("SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE workspace_id = ?").bind(other).first<{ n: number }>();
    expect(otherRaw!.n).toBe(1);
  });

  it("the cron trigger runs retention through scheduled()", async () => {
    const w = ws();
    await env.DB.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, 'cron', ?)").bind(w, Date.now()).run();
    await writeEvents(env, [verification({ workspaceId: w, time: Date.now() - 40 * 86_400_000 }), verification({ workspaceId: w })]);
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "7 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await counts(w)).toEqual({ raw: 1, minute: 1, hour: 1, day: 1, month: (await counts(w)).month });
  });

  it("writes one Analytics Engine data point per newly stored event", async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const ae = { writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) };
    const e = { ...env, AE_VERIFICATIONS: ae, AE_RATELIMITS: ae } as typeof env;
    const w = ws();
    const msgs = [verification({ workspaceId: w, keyId: "key_ae", tags: ["x=1"] }), ratelimit({ workspaceId: w })];
    await writeEvents(e, msgs);
    await writeEvents(e, msgs);
    expect(points.length).toBe(2);
    expect(points[0]!.indexes).toEqual([w]);
    expect(points[0]!.blobs).toContain("key_ae");
    expect(points[0]!.blobs).toContain('["x=1"]');
  });
});

describe("the analytics message contract", () => {
  const gatewayRow = (w: string): GatewayRequestRow => ({
    request_id: `req_${crypto.randomUUID().replaceAll("-", "")}`,
    time: Date.now(),
    workspace_id: w,
    project_id: "proj_1",
    app_id: "app_1",
    environment_id: "env_1",
    deployment_id: "dep_1",
    instance_id: "o.example",
    region: "local",
    method: "GET",
    host: "a.localhost",
    path: "/",
    query_string: "",
    query_params: "{}",
    request_headers: "[]",
    request_body: "",
    response_status: 200,
    response_headers: "[]",
    response_body: "",
    user_agent: "",
    ip_address: "",
    total_latency: 3,
    instance_latency: 2,
    gateway_latency: 1,
  });
  const runtimeRow = (w: string): RuntimeLogRow => ({
    log_id: crypto.randomUUID(),
    time: Date.now(),
    inserted_at: Date.now(),
    workspace_id: w,
    severity: "info",
    message: "hello",
    project_id: "proj_1",
    app_id: "app_1",
    environment_id: "env_1",
    deployment_id: "dep_1",
    region: "local",
    attributes_text: "{}",
  });
  const rowCount = async (table: string, w: string) =>
    (await env.ANALYTICS_DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE workspace_id = ?`).bind(w).first<{ n: number }>())!.n;

  it("every kind on the Queue is written: verification, rate limit, gateway request, runtime log", async () => {
    const w = ws();
    const g = gatewayRow(w);
    const r = runtimeRow(w);
    const bodies = [
      verification({ workspaceId: w }),
      ratelimit({ workspaceId: w }),
      { v: 1, type: "gateway_request", id: `evt_${g.request_id}`, event: g },
      { v: 1, type: "runtime_log", id: `log_${r.log_id}`, event: r },
    ];
    const batch = createMessageBatch<unknown>(
      "keyforge-analytics",
      bodies.map((body, i) => ({ id: `k${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue!(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["k0", "k1", "k2", "k3"]);
    for (const table of ["key_verifications_v1", "ratelimits_v1", "gateway_requests_v1", "runtime_logs_v1"]) expect(await rowCount(table, w), table).toBe(1);
    const stored = await env.ANALYTICS_DB.prepare("SELECT cpu_time, total_latency FROM gateway_requests_v1 WHERE request_id = ?").bind(g.request_id).first();
    expect(stored).toEqual({ cpu_time: null, total_latency: 3 });
  });

  it("a rate-limit message of the older, looser shape (no cost, limit, duration or namespace name) is still stored with its defaults", async () => {
    const w = ws();
    const { cost, limit, duration, namespaceName, ...older } = ratelimit({ workspaceId: w, passed: false }).event as RatelimitEvent;
    void [cost, limit, duration, namespaceName];
    const body = { v: 1, type: "ratelimit", id: `evt_old_${crypto.randomUUID()}`, event: { ...older, remaining: null, reset: null } };
    const msg = parseMessage(body);
    expect(msg).not.toBeNull();
    await writeEvents(env, [msg!]);
    const row = await env.ANALYTICS_DB.prepare("SELECT passed, cost, max_requests, duration, remaining, reset_at FROM ratelimits_v1 WHERE workspace_id = ?")
      .bind(w)
      .first();
    expect(row).toEqual({ passed: 0, cost: 1, max_requests: 0, duration: 0, remaining: 0, reset_at: 0 });
  });

  it("a row's extra properties never reach the SQL, whether the message was checked or not", async () => {
    const w = ws();
    const smuggled = { ...gatewayRow(w), "x) VALUES (1); --": 1, batch_id: "forged" };
    const body = { v: 1, type: "gateway_request", id: "evt_smuggled", event: smuggled };
    const checked = parseMessage(body);
    expect(checked?.type === "gateway_request" && Object.keys(checked.event)).not.toContain("batch_id");
    expect(Object.keys(parseMessage({ ...verification({ workspaceId: w }), extra: 1 })!)).toEqual(["v", "type", "id", "event"]);
    // writeEvents trusts its caller's types; a value carrying more than its type still writes only the table's columns
    await writeEvents(env, [body as AnalyticsMessage]);
    expect(await rowCount("gateway_requests_v1", w)).toBe(1);
  });

  it("refuses a row kind whose row misses a column or has a severity outside the four", () => {
    const w = ws();
    const { path, ...noPath } = gatewayRow(w);
    void path;
    expect(parseMessage({ v: 1, type: "gateway_request", id: "evt_1", event: noPath })).toBeNull();
    expect(parseMessage({ v: 1, type: "runtime_log", id: "log_1", event: { ...runtimeRow(w), severity: "fatal" } })).toBeNull();
    expect(parseMessage({ v: 1, type: "runtime_log", id: "log_1", event: runtimeRow(w) })).not.toBeNull();
  });
});
