import type { Env } from "../env";
import { emitWebhookEvent } from "../webhooks/emit";
import { claimMarker } from "../webhooks/expiry";

/**
 * `ratelimit.exceeded` webhooks: after a denied decision, at most one event per window per
 * identifier. Runs in `waitUntil`, never on the decision's path. Exactly once per window comes
 * from a D1 marker (`INSERT … ON CONFLICT DO NOTHING`: one request wins per window, across
 * isolates); an in-isolate set spares D1 the repeated denials, and workspaces without a
 * subscribed endpoint (cached 30 s) write nothing.
 */
export interface ExceededDecision {
  workspaceId: string;
  namespaceId: string;
  namespaceName: string;
  identifier: string;
  limit: number;
  duration: number;
  reset?: number;
  time: number;
}

const seen = new Map<string, number>();
const subscribed = new Map<string, { at: number; yes: boolean }>();

async function workspaceSubscribes(env: Env, workspaceId: string, now: number): Promise<boolean> {
  const hit = subscribed.get(workspaceId);
  if (hit && now - hit.at < 30_000) return hit.yes;
  const row = await env.DB.prepare(
    "SELECT 1 AS x FROM webhook_endpoints WHERE workspace_id = ? AND enabled = 1 AND events LIKE '%\"ratelimit.exceeded\"%' LIMIT 1",
  )
    .bind(workspaceId)
    .first();
  subscribed.set(workspaceId, { at: now, yes: !!row });
  return !!row;
}

export function noteExceeded(env: Env, waitUntil: (p: Promise<unknown>) => void, e: ExceededDecision): void {
  const window = Math.floor(e.time / e.duration);
  const id = `rl:${e.workspaceId}:${e.namespaceId}:${e.duration}:${window}:${e.identifier}`;
  if (seen.has(id)) return;
  if (seen.size > 10_000) for (const [k, until] of seen) if (until < e.time) seen.delete(k);
  seen.set(id, (window + 1) * e.duration);
  waitUntil(
    (async () => {
      try {
        if (!(await workspaceSubscribes(env, e.workspaceId, e.time))) return;
        if (!(await claimMarker(env, id, (window + 2) * e.duration))) return;
        await emitWebhookEvent(env, e.workspaceId, {
          type: "ratelimit.exceeded",
          data: {
            namespaceId: e.namespaceId,
            namespace: e.namespaceName,
            identifier: e.identifier,
            limit: e.limit,
            duration: e.duration,
            windowStart: window * e.duration,
            reset: e.reset,
          },
        });
      } catch (err) {
        console.error("webhooks: ratelimit.exceeded:", err);
      }
    })(),
  );
}
