/**
 * Verification and rate-limit events (analytics-audit-portal-security §1). Handlers hand each
 * event to `recordVerification` / `recordRatelimit`; the events leave the request through
 * `waitUntil` to the analytics Queue, so the answer is never delayed. Events recorded by one
 * request are sent together with one `sendBatch`. The Queue consumer (./consumer.ts) writes
 * them to Analytics Engine and to the D1 analytics tables.
 */
import type { Env } from "../env";
import { writeEvents } from "./consumer";
import type { AnalyticsMessage, RatelimitEvent, VerificationEvent } from "./messages";

// the emitters' parameter types; the Queue's whole contract is ./messages.ts
export type { RatelimitEvent, VerificationEvent };

export interface EventContext {
  env: Env;
  waitUntil(p: Promise<unknown>): void;
}

/** Cloudflare Queues accept at most 100 messages per sendBatch. */
const MAX_SEND_BATCH = 100;

/**
 * How long the first event of a burst waits before its batch leaves. Under load one sendBatch
 * then carries the events of many requests instead of one or two (each send is a subrequest);
 * the answer never waits for it, only the request's waitUntil.
 */
const FLUSH_AFTER_MS = 5;

/** Events waiting for the next flush, per isolate. */
const pending = new WeakMap<object, AnalyticsMessage[]>();

export function recordVerification(ctx: EventContext, event: VerificationEvent): void {
  enqueue(ctx, { v: 1, type: "verification", id: eventId(), event });
}

export function recordRatelimit(ctx: EventContext, event: RatelimitEvent): void {
  enqueue(ctx, { v: 1, type: "ratelimit", id: eventId(), event });
}

function eventId(): string {
  return `evt_${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * Buffers the message per isolate (keyed by the env object); the first event of a burst
 * schedules one flush FLUSH_AFTER_MS later in its request's `waitUntil`, and every event
 * recorded before that flush runs (by this or a concurrent request) leaves in the same
 * `sendBatch`.
 */
function enqueue(ctx: EventContext, msg: AnalyticsMessage): void {
  const key = (ctx.env && typeof ctx.env === "object" ? ctx.env : ctx) as object;
  const buffered = pending.get(key);
  if (buffered) {
    buffered.push(msg);
    return;
  }
  const buf = [msg];
  pending.set(key, buf);
  ctx.waitUntil(
    (async () => {
      // let the rest of this request, and the requests running alongside it, record their events
      await new Promise((r) => setTimeout(r, FLUSH_AFTER_MS));
      pending.delete(key);
      await publish(ctx.env, buf);
    })().catch((err) => console.error("analytics: could not publish events", err)),
  );
}

/**
 * Sends messages of any kind to the analytics Queue. Without a Queue binding (a deployment that did not
 * configure one) the events are written directly, so nothing is lost.
 */
export async function publish(env: Env, messages: AnalyticsMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const queue = env.ANALYTICS_QUEUE;
  if (!queue) {
    await writeEvents(env, messages);
    return;
  }
  for (let i = 0; i < messages.length; i += MAX_SEND_BATCH) {
    const chunk = messages.slice(i, i + MAX_SEND_BATCH);
    try {
      await queue.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
    } catch (err) {
      // the Queue refused the batch: store the events directly rather than lose them
      console.error("analytics: Queue send failed, writing events directly", err);
      await writeEvents(env, chunk);
    }
  }
}
