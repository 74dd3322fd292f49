import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { call, newApi, newWorkspace } from "../../../helpers/harness";
import { retryDelayMs, runDelivery } from "../../../../workers/lib/webhooks/deliver";
import { emitExpiryEvents } from "../../../../workers/lib/webhooks/expiry";
import { payloadOf } from "../../../../workers/lib/webhooks/emit";

async function setup(events: string[], extra: Record<string, unknown> = {}) {
  const ws = await newWorkspace("webhook delivery");
  const ep = await call<{ endpointId: string }>("webhooks.createEndpoint", { url: "https://receiver.invalid/hook", events, ...extra }, ws.rootKey);
  expect(ep.status, JSON.stringify(ep.body)).toBe(200);
  return { ...ws, endpointId: ep.body.data.endpointId };
}

const count = async (endpointId: string, type: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND event_type = ?").bind(endpointId, type).first<{ n: number }>())!
    .n;

describe("webhook delivery", () => {
  it("re-applies the destination policy at send time to a URL stored before it", async () => {
    const s = await setup(["key.created"]);
    // a row written past the write-time check (an older version, a direct edit)
    await env.DB.prepare("UPDATE webhook_endpoints SET url = 'http://127.0.0.1:9/internal' WHERE id = ?").bind(s.endpointId).run();
    const id = "msg_policytest" + s.endpointId.slice(-6);
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_type, payload, status, attempts, created_at) VALUES (?, ?, ?, 'key.created', ?, 'pending', 0, ?)",
    )
      .bind(id, s.workspaceId, s.endpointId, payloadOf("key.created", {}), Date.now())
      .run();
    const delay = await runDelivery(env, id);
    expect(delay).toBeGreaterThan(0);
    const row = await env.DB.prepare("SELECT status, attempts, last_error, last_status_code FROM webhook_deliveries WHERE id = ?").bind(id).first<any>();
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_status_code: null });
    expect(row.last_error).toMatch(/^destination refused: the URL is a loopback address/);
  });

  it("disables an endpoint that has failed for 5 days, audits webhook.disable, and leaves its deliveries failed", async () => {
    const s = await setup(["key.created"]);
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?")
      .bind(Date.now() - 5 * 86_400_000 - 1000, s.endpointId)
      .run();
    const id = "msg_disabletest" + s.endpointId.slice(-6);
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_type, payload, status, attempts, created_at) VALUES (?, ?, ?, 'key.created', ?, 'pending', 3, ?)",
    )
      .bind(id, s.workspaceId, s.endpointId, payloadOf("key.created", {}), Date.now())
      .run();
    expect(await runDelivery(env, id)).toBeNull();
    const ep = await call("webhooks.getEndpoint", { endpointId: s.endpointId }, s.rootKey);
    expect(ep.body.data).toMatchObject({ enabled: false, disabledReason: "failing" });
    const [d] = (await call("webhooks.listDeliveries", { endpointId: s.endpointId }, s.rootKey)).body.data;
    expect(d).toMatchObject({ deliveryId: id, status: "failed", attempts: 4 });
    const audit = await env.DB.prepare("SELECT actor_type FROM audit_logs WHERE workspace_id = ? AND event = 'webhook.disable'").bind(s.workspaceId).all();
    expect(audit.results).toEqual([{ actor_type: "system" }]);
    // retryable once re-enabled
    expect((await call("webhooks.retryDelivery", { deliveryId: id }, s.rootKey)).status).toBe(412);
    expect((await call("webhooks.updateEndpoint", { endpointId: s.endpointId, enabled: true }, s.rootKey)).status).toBe(200);
    expect((await call("webhooks.retryDelivery", { deliveryId: id }, s.rootKey)).body.data.status).toBe("pending");
  });

  it("backs off exponentially with jitter, capped at 12 hours", () => {
    const e = { WEBHOOK_RETRY_BASE_MS: "1000" } as never;
    expect(retryDelayMs(e, 1, 0.5)).toBe(1000);
    expect(retryDelayMs(e, 4, 0.5)).toBe(8000);
    expect(retryDelayMs(e, 4, 0)).toBe(6400);
    expect(retryDelayMs(e, 4, 1)).toBe(9600);
    expect(retryDelayMs(e, 40, 0.5)).toBe(12 * 3600_000);
    expect(retryDelayMs({} as never, 1, 0.5)).toBe(5000);
  });
});

describe("expiry events from the scheduled handler", () => {
  it("sends key.expiring once per key and expiry within the lead time, and key.expired once", async () => {
    const s = await setup(["key.expiring", "key.expired"], { expiringLeadDays: 3 });
    const apiId = await newApi(s.rootKey);
    const soon = await call<{ keyId: string }>("keys.createKey", { apiId, expires: Date.now() + 2 * 86_400_000 }, s.rootKey);
    const later = await call<{ keyId: string }>("keys.createKey", { apiId, expires: Date.now() + 10 * 86_400_000 }, s.rootKey);
    const gone = await call<{ keyId: string }>("keys.createKey", { apiId, expires: Date.now() + 86_400_000 }, s.rootKey);
    await env.DB.prepare("UPDATE keys SET expires = ? WHERE id = ?")
      .bind(Date.now() - 60_000, gone.body.data.keyId)
      .run();
    await emitExpiryEvents(env);
    await emitExpiryEvents(env);
    expect(await count(s.endpointId, "key.expiring")).toBe(1);
    expect(await count(s.endpointId, "key.expired")).toBe(1);
    const expiring = await env.DB.prepare("SELECT payload FROM webhook_deliveries WHERE endpoint_id = ? AND event_type = 'key.expiring'")
      .bind(s.endpointId)
      .first<{ payload: string }>();
    expect(JSON.parse(expiring!.payload).data.keyId).toBe(soon.body.data.keyId);
    void later;
    // a new expiry date is a new event
    await env.DB.prepare("UPDATE keys SET expires = ? WHERE id = ?")
      .bind(Date.now() + 86_400_000, soon.body.data.keyId)
      .run();
    await emitExpiryEvents(env);
    expect(await count(s.endpointId, "key.expiring")).toBe(2);
  });
});
