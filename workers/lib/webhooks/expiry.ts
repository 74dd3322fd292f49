import type { Env } from "../env";
import { emitKeyEvent, loadKeyInfo } from "./keyEvents";

const DAY = 86_400_000;

/** Claims a dedupe marker; true only for the one caller whose insert landed. */
export async function claimMarker(env: Env, id: string, expiresAt: number): Promise<boolean> {
  const r = await env.DB.prepare("INSERT INTO webhook_markers (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING").bind(id, expiresAt).run();
  return (r.meta.changes ?? 0) > 0;
}

/**
 * The cron's expiry events: `key.expiring` once per endpoint, key and expiry date, as soon as
 * the key is within the endpoint's `expiringLeadDays`; `key.expired` once per key and expiry
 * (for keys that expired within the last 2 days, so a new endpoint is not flooded with history).
 */
export async function emitExpiryEvents(env: Env, now = Date.now()): Promise<void> {
  try {
    const { results: endpoints } = await env.DB.prepare(
      "SELECT id, workspace_id, events, api_ids, expiring_lead_days FROM webhook_endpoints WHERE enabled = 1 AND (events LIKE '%\"key.expiring\"%' OR events LIKE '%\"key.expired\"%')",
    ).all<{ id: string; workspace_id: string; events: string; api_ids: string | null; expiring_lead_days: number }>();
    const expiredDone = new Set<string>();
    for (const ep of endpoints) {
      const events = JSON.parse(ep.events) as string[];
      if (events.includes("key.expiring")) {
        const { results: keys } = await env.DB.prepare(
          "SELECT id, expires FROM keys WHERE workspace_id = ? AND deleted_at IS NULL AND expires > ? AND expires <= ? LIMIT 1000",
        )
          .bind(ep.workspace_id, now, now + ep.expiring_lead_days * DAY)
          .all<{ id: string; expires: number }>();
        for (const k of keys) {
          if (!(await claimMarker(env, `expiring:${ep.id}:${k.id}:${k.expires}`, k.expires + 30 * DAY))) continue;
          const info = await loadKeyInfo(env, k.id);
          if (info) await emitKeyEvent(env, "key.expiring", k.id, { expiresInMs: k.expires - now }, { endpointIds: [ep.id], info });
        }
      }
      if (events.includes("key.expired") && !expiredDone.has(ep.workspace_id)) {
        expiredDone.add(ep.workspace_id);
        const { results: keys } = await env.DB.prepare(
          "SELECT id, expires FROM keys WHERE workspace_id = ? AND deleted_at IS NULL AND expires <= ? AND expires > ? LIMIT 1000",
        )
          .bind(ep.workspace_id, now, now - 2 * DAY)
          .all<{ id: string; expires: number }>();
        // one event per key and expiry for every subscribed endpoint of the workspace
        for (const k of keys) if (await claimMarker(env, `expired:${k.id}:${k.expires}`, k.expires + 30 * DAY)) await emitKeyEvent(env, "key.expired", k.id);
      }
    }
  } catch (e) {
    console.error("webhooks: expiry events:", e);
  }
}
