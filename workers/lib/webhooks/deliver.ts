import { and, eq, inArray, lt } from "drizzle-orm";
import type { Env } from "../env";
import { db, schema, type Database } from "../db";
import { decryptKeys } from "../vault";
import { destinationPolicy, webhookUrlProblem } from "../destinations";
import { webhookHeaders } from "./sign";
import { enqueue, type WebhookMessage } from "./emit";
import { boundToEndpoint } from "./endpoints";
import { auditStatement } from "../audit";

const DAY = 86_400_000;
/** An endpoint failing this long is disabled; a delivery this old stops retrying on its own. */
export const GIVE_UP_AFTER_MS = 5 * DAY;
/** Deliveries (and their retryDelivery) are kept this long. */
export const DELIVERY_RETENTION_MS = 30 * DAY;
export const ATTEMPT_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Longest single wait: the Queue's maximum message delay (12 h). */
export const MAX_DELAY_MS = 12 * 3600_000;

/** Exponential backoff with ±20% jitter: base, 2·base, 4·base … capped at 12 h. */
export function retryDelayMs(env: Env, attempts: number, rand = Math.random()): number {
  const base = Number(env.WEBHOOK_RETRY_BASE_MS) > 0 ? Number(env.WEBHOOK_RETRY_BASE_MS) : 5000;
  const exp = Math.min(base * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
  return Math.round(exp * (0.8 + 0.4 * rand));
}

type Endpoint = typeof schema.webhookEndpoints.$inferSelect;

/** The secrets that sign now: the current one, and the previous one within 24 h of a rotation. */
async function signingSecrets(env: Env, d: Database, ep: Endpoint, now: number): Promise<string[]> {
  const boundTo = boundToEndpoint(ep.id);
  const rows = [{ keyId: "current", encrypted: ep.secretEncrypted, encryptionKeyId: ep.secretKeyId, boundTo }];
  if (ep.previousSecretEncrypted && ep.previousSecretKeyId && (ep.previousSecretExpiresAt ?? 0) > now)
    rows.push({ keyId: "previous", encrypted: ep.previousSecretEncrypted, encryptionKeyId: ep.previousSecretKeyId, boundTo });
  const plain = await decryptKeys(env, d, ep.workspaceId, rows);
  return ["current", "previous"].map((k) => plain.get(k)).filter((s): s is string => !!s);
}

/** Reads at most `limit` bytes of a body and drops the rest (a 10 MB answer costs us 64 KiB). */
async function readCapped(res: Response, limit = MAX_RESPONSE_BYTES): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.byteLength + n > limit ? value.slice(0, limit - n) : value);
      n += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) out.set(c, o), (o += c.byteLength);
  return new TextDecoder().decode(out);
}

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

/** One HTTP attempt: 10 s timeout, redirects not followed, body read up to 64 KiB. */
export async function attempt(url: string, headers: Record<string, string>, body: string): Promise<AttemptOutcome> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "keyforge-webhooks/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await readCapped(res).catch(() => "");
    const latencyMs = Date.now() - started;
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status, error: null, latencyMs };
    const error = res.status >= 300 && res.status < 400 ? `redirect to ${res.headers.get("location") ?? "?"} not followed` : `HTTP ${res.status}`;
    return { ok: false, statusCode: res.status, error, latencyMs };
  } catch (e) {
    const err = e as Error;
    const error =
      err.name === "TimeoutError" || err.name === "AbortError" ? `timed out after ${ATTEMPT_TIMEOUT_MS / 1000} s` : `fetch failed: ${err.message ?? String(e)}`;
    return { ok: false, statusCode: null, error, latencyMs: Date.now() - started };
  }
}

/** A `webhook.disable` audit row written by the platform itself. */
function disableAudit(d: Database, ep: Endpoint, now: number) {
  return auditStatement(d, {
    workspaceId: ep.workspaceId,
    event: "webhook.disable",
    time: now,
    description: `Disabled webhook endpoint ${ep.id}: every delivery failed for 5 days`,
    actor: { type: "system", id: "webhooks", name: "webhook delivery" },
    remoteIp: null,
    userAgent: null,
    meta: { url: ep.url, failingSince: ep.failingSince },
    targets: [{ type: "webhook", id: ep.id, name: ep.url }],
  });
}

/**
 * Runs one attempt of a delivery and records it. Returns the delay before the next attempt, or
 * null when the delivery is settled (succeeded, failed for good, paused or cancelled).
 */
export async function runDelivery(env: Env, deliveryId: string): Promise<number | null> {
  const d = db(env.DB);
  const dt = schema.webhookDeliveries;
  const [delivery] = await d.select().from(dt).where(eq(dt.id, deliveryId)).limit(1);
  if (!delivery || delivery.status !== "pending") return null;
  const now = Date.now();
  const settle = (set: Partial<typeof dt.$inferInsert>) =>
    d
      .update(dt)
      .set({ ...set, updatedAt: now })
      .where(and(eq(dt.id, deliveryId), eq(dt.status, "pending")));
  const [ep] = await d.select().from(schema.webhookEndpoints).where(eq(schema.webhookEndpoints.id, delivery.endpointId)).limit(1);
  // deleted endpoint: stop
  if (!ep) return (await settle({ status: "cancelled", nextRetryAt: null, lastError: "endpoint deleted" }), null);
  if (!ep.enabled) return (await settle({ status: "failed", nextRetryAt: null, lastError: "endpoint disabled" }), null);
  const [ws] = await d
    .select({ enabled: schema.workspaces.enabled, deletedAt: schema.workspaces.deletedAt })
    .from(schema.workspaces)
    .where(eq(schema.workspaces.id, ep.workspaceId))
    .limit(1);
  if (!ws || ws.deletedAt) return (await settle({ status: "cancelled", nextRetryAt: null, lastError: "workspace deleted" }), null);
  // paused while the workspace is disabled; resumeWebhooks() queues it again
  if (!ws.enabled) return (await settle({ status: "paused", nextRetryAt: null, lastError: "workspace disabled" }), null);

  // the destination policy again at send time: a row stored before a policy change cannot bypass it
  const problem = webhookUrlProblem(ep.url, destinationPolicy(env));
  let outcome: AttemptOutcome;
  if (problem) outcome = { ok: false, statusCode: null, error: `destination refused: the URL ${problem}`, latencyMs: 0 };
  else {
    const secrets = await signingSecrets(env, d, ep, now);
    if (secrets.length === 0) outcome = { ok: false, statusCode: null, error: "signing secret unreadable (vault keys changed?)", latencyMs: 0 };
    else outcome = await attempt(ep.url, await webhookHeaders(secrets, delivery.id, delivery.payload), delivery.payload);
  }
  const attempts = delivery.attempts + 1;
  const record = { attempts, lastStatusCode: outcome.statusCode, lastError: outcome.error, lastLatencyMs: outcome.latencyMs, lastAttemptAt: Date.now() };
  const et = schema.webhookEndpoints;
  if (outcome.ok) {
    await d.batch([settle({ ...record, status: "succeeded", nextRetryAt: null }), d.update(et).set({ failingSince: null }).where(eq(et.id, ep.id))]);
    return null;
  }
  const failingSince = ep.failingSince ?? now;
  if (now - failingSince >= GIVE_UP_AFTER_MS) {
    // failing for 5 days: disable the endpoint; its deliveries stay retryable with retryDelivery
    await d.batch([
      settle({ ...record, status: "failed", nextRetryAt: null }),
      d
        .update(et)
        .set({ enabled: false, disabledReason: "failing", updatedAt: now })
        .where(and(eq(et.id, ep.id), eq(et.enabled, true))),
      disableAudit(d, ep, now),
      d
        .update(dt)
        .set({ status: "failed", nextRetryAt: null, lastError: "endpoint disabled", updatedAt: now })
        .where(and(eq(dt.endpointId, ep.id), eq(dt.status, "pending"))),
    ]);
    return null;
  }
  if (now - delivery.createdAt >= GIVE_UP_AFTER_MS) {
    await d.batch([settle({ ...record, status: "failed", nextRetryAt: null }), d.update(et).set({ failingSince }).where(eq(et.id, ep.id))]);
    return null;
  }
  const delay = retryDelayMs(env, attempts);
  await d.batch([settle({ ...record, nextRetryAt: now + delay }), d.update(et).set({ failingSince }).where(eq(et.id, ep.id))]);
  return delay;
}

/** The keyforge-webhooks consumer: each message is one attempt; the next is a new, delayed message. */
export async function consumeWebhookBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (m) => {
      const id = (m.body as WebhookMessage | null)?.deliveryId;
      if (typeof id !== "string") return m.ack();
      try {
        const delay = await runDelivery(env, id);
        if (delay !== null) await enqueue(env, [id], Math.max(1, Math.ceil(delay / 1000)));
        m.ack();
      } catch (e) {
        console.error(`webhooks: delivery ${id} failed to run:`, e);
        m.retry({ delaySeconds: 5 });
      }
    }),
  );
}

/**
 * Cron: queue again deliveries whose message was lost or whose workspace is enabled again
 * (paused ones), and drop deliveries older than 30 days.
 */
export async function webhookHousekeeping(env: Env, now = Date.now()): Promise<void> {
  const d = db(env.DB);
  const dt = schema.webhookDeliveries;
  await d.delete(dt).where(lt(dt.createdAt, now - DELIVERY_RETENTION_MS));
  await d.delete(schema.webhookMarkers).where(lt(schema.webhookMarkers.expiresAt, now));
  await resumeWebhooks(env);
  // pending ones overdue by an hour: their message was lost (or there was no Queue)
  const stale = await d
    .select({ id: dt.id })
    .from(dt)
    .where(and(eq(dt.status, "pending"), lt(dt.nextRetryAt, now - 3600_000)))
    .limit(1000);
  await enqueue(
    env,
    stale.map((r) => r.id),
  );
}

/** Paused deliveries of enabled workspaces go back to pending and are queued (workspace re-enabled). */
export async function resumeWebhooks(env: Env, workspaceId?: string): Promise<void> {
  const d = db(env.DB);
  const dt = schema.webhookDeliveries;
  const enabledWs = d.select({ id: schema.workspaces.id }).from(schema.workspaces).where(eq(schema.workspaces.enabled, true));
  const rows = await d
    .update(dt)
    .set({ status: "pending", nextRetryAt: Date.now(), updatedAt: Date.now() })
    .where(and(eq(dt.status, "paused"), workspaceId ? eq(dt.workspaceId, workspaceId) : inArray(dt.workspaceId, enabledWs)))
    .returning({ id: dt.id });
  await enqueue(
    env,
    rows.map((r) => r.id),
  );
}
