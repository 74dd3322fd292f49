import { and, eq, inArray } from "drizzle-orm";
import type { Env } from "../env";
import { db, schema } from "../db";
import { newId } from "../ids";
import { isKeyEvent, type WebhookEventType } from "./events";

export interface WebhookEvent {
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** key events: the key's API, matched against an endpoint's `apiIds` */
  apiId?: string | null;
  /** only these endpoints (sendTest, or thresholds that differ per endpoint) */
  endpointIds?: string[];
}

/** Message on the keyforge-webhooks Queue: one attempt of one delivery. */
export interface WebhookMessage {
  deliveryId: string;
}

/** The JSON body every receiver gets: `{type, timestamp, data}`. */
export function payloadOf(type: string, data: Record<string, unknown>, now = Date.now()): string {
  return JSON.stringify({ type, timestamp: new Date(now).toISOString(), data });
}

/**
 * Records one delivery per subscribed, enabled endpoint of the workspace and queues its first
 * attempt. Callers on a request path run it in `waitUntil` (`emitInBackground`), so it never
 * adds an awaited hop; it never throws (a lost event is logged, the caller's work stands).
 * Returns the delivery ids.
 */
export async function emitWebhookEvent(env: Env, workspaceId: string, event: WebhookEvent): Promise<string[]> {
  try {
    const d = db(env.DB);
    const t = schema.webhookEndpoints;
    const endpoints = await d
      .select({ id: t.id, events: t.events, apiIds: t.apiIds })
      .from(t)
      .where(and(eq(t.workspaceId, workspaceId), eq(t.enabled, true), event.endpointIds ? inArray(t.id, event.endpointIds) : undefined));
    const targets = endpoints.filter(
      (e) =>
        (event.type === "webhook.test" || e.events.includes(event.type)) &&
        (!isKeyEvent(event.type) || !e.apiIds || e.apiIds.length === 0 || (event.apiId != null && e.apiIds.includes(event.apiId))),
    );
    if (targets.length === 0) return [];
    const now = Date.now();
    const payload = payloadOf(event.type, event.data, now);
    const rows = targets.map((e) => ({
      id: newId("msg"),
      workspaceId,
      endpointId: e.id,
      eventType: event.type,
      payload,
      status: "pending" as const,
      attempts: 0,
      nextRetryAt: now,
      createdAt: now,
    }));
    await d.insert(schema.webhookDeliveries).values(rows);
    await enqueue(
      env,
      rows.map((r) => r.id),
    );
    return rows.map((r) => r.id);
  } catch (e) {
    console.error(`webhooks: could not emit ${event.type} for ${workspaceId}:`, e);
    return [];
  }
}

/** Fire and forget from a request or object: `waitUntil` keeps it alive past the response. */
export function emitInBackground(env: Env, waitUntil: (p: Promise<unknown>) => void, workspaceId: string, event: WebhookEvent): void {
  waitUntil(emitWebhookEvent(env, workspaceId, event));
}

/** Queues attempts now (or after `delaySeconds`). Without the Queue binding the rows stay pending for the cron. */
export async function enqueue(env: Env, deliveryIds: string[], delaySeconds = 0): Promise<void> {
  const q = env.WEBHOOK_QUEUE;
  if (!q || deliveryIds.length === 0) return;
  const opts = delaySeconds > 0 ? { delaySeconds } : undefined;
  for (let i = 0; i < deliveryIds.length; i += 100) {
    await q.sendBatch(deliveryIds.slice(i, i + 100).map((id) => ({ body: { deliveryId: id } satisfies WebhookMessage, ...opts })));
  }
}
