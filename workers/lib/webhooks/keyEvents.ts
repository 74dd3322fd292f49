import type { Env } from "../env";
import { emitWebhookEvent } from "./emit";
import type { WebhookEventType } from "./events";

type KeyEventType = Extract<WebhookEventType, `key.${string}`>;

interface KeyInfo {
  id: string;
  workspace_id: string;
  keyspace_id: string;
  api_id: string | null;
  name: string | null;
  start: string;
  enabled: number;
  expires: number | null;
  remaining: number | null;
  external_id: string | null;
  meta: string | null;
}

/** Reads a key (even a deleted one) with its API and identity, for an event payload. */
export async function loadKeyInfo(env: Env, keyId: string): Promise<KeyInfo | null> {
  return env.DB.prepare(
    `SELECT k.id, k.workspace_id, k.keyspace_id, a.id AS api_id, k.name, k.start, k.enabled, k.expires, k.remaining, i.external_id, k.meta
     FROM keys k LEFT JOIN apis a ON a.keyspace_id = k.keyspace_id LEFT JOIN identities i ON i.id = k.identity_id WHERE k.id = ?`,
  )
    .bind(keyId)
    .first<KeyInfo>();
}

/** The `data` of every key event: the key as keys.getKey names its fields, plus event extras. */
export function keyData(k: KeyInfo, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    keyId: k.id,
    apiId: k.api_id,
    start: k.start,
    name: k.name,
    enabled: !!k.enabled,
    expires: k.expires,
    remaining: k.remaining,
  };
  if (k.external_id) out.externalId = k.external_id;
  return { ...out, ...extra };
}

/** Emits a key event (reads the key first); for `waitUntil`, never throws. */
export async function emitKeyEvent(
  env: Env,
  type: KeyEventType,
  keyId: string,
  extra: Record<string, unknown> = {},
  opts: { endpointIds?: string[]; info?: KeyInfo } = {},
): Promise<void> {
  try {
    const k = opts.info ?? (await loadKeyInfo(env, keyId));
    if (!k) return;
    await emitWebhookEvent(env, k.workspace_id, { type, apiId: k.api_id, data: keyData(k, extra), endpointIds: opts.endpointIds });
  } catch (e) {
    console.error(`webhooks: ${type} for ${keyId}:`, e);
  }
}

/** `ctx.waitUntil` when there is a context (request, Durable Object), else fire and forget. */
export function background(ctx: { waitUntil(p: Promise<unknown>): void } | null | undefined, p: Promise<unknown>): void {
  if (ctx) ctx.waitUntil(p);
  else p.catch(() => {});
}

/** KeyInfo from a keys row already in hand (a permanently deleted key can no longer be read). */
export function keyInfoOf(
  k: {
    id: string;
    workspaceId: string;
    keyspaceId: string;
    name: string | null;
    start: string;
    enabled: boolean;
    expires: number | null;
    remaining: number | null;
  },
  apiId: string | null,
): KeyInfo {
  return {
    id: k.id,
    workspace_id: k.workspaceId,
    keyspace_id: k.keyspaceId,
    api_id: apiId,
    name: k.name,
    start: k.start,
    enabled: k.enabled ? 1 : 0,
    expires: k.expires,
    remaining: k.remaining,
    external_id: null,
    meta: null,
  };
}
