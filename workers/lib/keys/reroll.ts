import type { BatchItem } from "drizzle-orm/batch";
import { eq, sql } from "drizzle-orm";
import { rawStatement, schema } from "../db";
import { auditInserts, type Actor } from "../audit";
import { ApiError } from "../errors";
import { generateKey, sha256Base64 } from "../crypto";
import { newId } from "../ids";
import { boundToKey, encryptKey, vaultConfigured, vaultMissing } from "../vault";
import { invalidateKeys } from "./invalidate";
import { readCredits } from "./credits";
import type { KeyWithApi } from "./lookup";
import { background, emitKeyEvent } from "../webhooks/keyEvents";
import type { RequestScope } from "../scope";

/** When the old key of a reroll stops working: now, or now + grace rounded up to a full minute. */
export function rerollExpiry(now: number, expiration: number): number {
  if (expiration <= 0) return now;
  return Math.ceil((now + expiration) / 60_000) * 60_000;
}

/** The prefix of a rerolled key: the old `start` up to its first `_` (Unkey's quirk), else the keyspace default. */
export function rerollPrefix(start: string, keyspaceDefault: string | null): string | null {
  const i = start.indexOf("_");
  if (i > 0) return start.slice(0, i);
  return keyspaceDefault;
}

/**
 * Issues a new key with the configuration of `old` (enabled, name, meta, identity, credits and
 * refill, expiry, key-level rate limits with new ids, roles, direct permissions, and
 * recoverability) and makes the old key expire after `expiration` ms (keys-and-apis §6.9).
 * The caller has checked the root key's (or portal session's) rights, including that an
 * encrypted old key may be re-encrypted. Returns the new id and plaintext.
 */
export async function rerollKey(scope: RequestScope, old: KeyWithApi, expiration: number, actor?: Actor): Promise<{ keyId: string; key: string }> {
  const d = scope.db;
  const { key: oldKey, api, keyspace } = old;
  const ws = oldKey.workspaceId;
  const [ciphertext] = await d.select().from(schema.encryptedKeys).where(eq(schema.encryptedKeys.keyId, oldKey.id)).limit(1);
  if (ciphertext) {
    if (!vaultConfigured(scope.env)) throw vaultMissing();
    if (!keyspace.storeEncryptedKeys) {
      throw new ApiError("unkey/application/precondition_failed", "This API does not support key encryption.");
    }
  }
  const now = Date.now();
  const keyId = newId("key");
  const { key, start } = generateKey(rerollPrefix(oldKey.start, keyspace.defaultPrefix), keyspace.defaultBytes ?? 16);
  const hash = await sha256Base64(key);
  const limits = await d.select().from(schema.ratelimits).where(eq(schema.ratelimits.keyId, oldKey.id));
  // the new key starts with the old one's live balance (the D1 column may lag behind spends)
  let remaining = oldKey.remaining;
  if (remaining !== null) {
    try {
      const live = await readCredits(scope.env, oldKey.id);
      if (live.found && live.remaining !== null) remaining = live.remaining;
    } catch (err) {
      console.error(`live credits of ${oldKey.id} unavailable; using the stored balance`, err);
    }
  }

  const writes: BatchItem<"sqlite">[] = [
    d.insert(schema.keys).values({
      id: keyId,
      workspaceId: ws,
      keyspaceId: oldKey.keyspaceId,
      hash,
      start,
      name: oldKey.name,
      meta: oldKey.meta,
      identityId: oldKey.identityId,
      expires: oldKey.expires,
      enabled: oldKey.enabled,
      remaining,
      refillInterval: oldKey.refillInterval,
      refillAmount: oldKey.refillAmount,
      refillDay: oldKey.refillDay,
      lastRefillAt: oldKey.lastRefillAt,
      createdAt: now,
    }),
    rawStatement(
      d,
      sql`INSERT INTO keys_permissions (key_id, permission_id, workspace_id, created_at)
      SELECT ${keyId}, permission_id, workspace_id, ${now} FROM keys_permissions WHERE key_id = ${oldKey.id}`,
    ),
    rawStatement(
      d,
      sql`INSERT INTO keys_roles (key_id, role_id, workspace_id, created_at)
      SELECT ${keyId}, role_id, workspace_id, ${now} FROM keys_roles WHERE key_id = ${oldKey.id}`,
    ),
    d
      .update(schema.keys)
      .set({ expires: rerollExpiry(now, expiration), updatedAt: now })
      .where(eq(schema.keys.id, oldKey.id)),
  ];
  for (const l of limits) {
    writes.push(
      d.insert(schema.ratelimits).values({
        id: newId("rl"),
        workspaceId: ws,
        keyId,
        name: l.name,
        limit: l.limit,
        duration: l.duration,
        autoApply: l.autoApply,
        createdAt: now,
      }),
    );
  }
  if (ciphertext) {
    const sealed = await encryptKey(scope.env, d, ws, key, boundToKey(keyId));
    writes.push(d.insert(schema.encryptedKeys).values({ keyId, workspaceId: ws, ...sealed, createdAt: now }));
  }
  writes.push(
    ...auditInserts(
      scope,
      ws,
      [
        {
          event: "key.reroll",
          description: `Rerolled key (${oldKey.id}) to (${keyId})`,
          targets: [
            { type: "key", id: keyId, name: oldKey.name },
            { type: "key", id: oldKey.id, name: oldKey.name },
            { type: "api", id: api.id, name: api.name },
          ],
          meta: { expiration },
        },
      ],
      actor,
    ),
  );
  await d.batch(writes as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  await invalidateKeys(scope, oldKey.hash);
  background(scope, emitKeyEvent(scope.env, "key.rerolled", keyId, { previousKeyId: oldKey.id, previousKeyExpires: expiration }));
  return { keyId, key };
}

/** Whether the key has a stored ciphertext (rerolling it needs the encrypt grant). */
export async function hasCiphertext(scope: RequestScope, keyId: string): Promise<boolean> {
  const rows = await scope.db.select({ keyId: schema.encryptedKeys.keyId }).from(schema.encryptedKeys).where(eq(schema.encryptedKeys.keyId, keyId)).limit(1);
  return rows.length > 0;
}
