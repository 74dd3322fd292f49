import type { Env } from "../env";
import type {
  Answer,
  BeginResult,
  CreditsRefill,
  SpendRequest,
  SpendResult,
  UpdateRequest,
  UpdateResult,
  UsageLimiter,
} from "../../../durable-objects/UsageLimiter";

export { IDEMPOTENCY_WINDOW_MS } from "../../../durable-objects/UsageLimiter";
export { applyDueRefill } from "./refill";
export type { Answer, CreditsRefill, SpendResult, UpdateResult };

/**
 * Client of the UsageLimiter Durable Object, the authority for a key's `remaining`. One
 * object per key, addressed by the key id.
 */
export function usageLimiter(env: Env, keyId: string): DurableObjectStub<UsageLimiter> {
  const ns = env.USAGE_LIMITER as DurableObjectNamespace<UsageLimiter>;
  return ns.get(ns.idFromName(keyId));
}

/**
 * Spends `cost` credits (verification step 12). With an idempotency key, an error the runtime
 * marks retryable (the object was reset or moved) is retried once: the idempotency store makes
 * the retry replay the first spend if it had already happened. Without one it is not retried,
 * since the spend might have been applied before the error.
 */
export async function spendCredits(env: Env, req: SpendRequest): Promise<SpendResult> {
  try {
    return (await usageLimiter(env, req.keyId).spend(req)) as SpendResult;
  } catch (err) {
    const e = err as { retryable?: boolean; overloaded?: boolean } | null;
    if (!req.idempotency || !e?.retryable || e.overloaded) throw err;
    return (await usageLimiter(env, req.keyId).spend(req)) as SpendResult;
  }
}

/**
 * keys.updateCredits: set / increment / decrement through the object, which writes D1 (bumping
 * credits_version) together with `statements` (the audit rows) in one batch.
 */
export function updateCredits(env: Env, req: UpdateRequest): Promise<UpdateResult> {
  return usageLimiter(env, req.keyId).update(req) as Promise<UpdateResult>;
}

/** The live balance of a key (refills applied), for reads that must be exact. */
export async function readCredits(env: Env, keyId: string): Promise<{ found: boolean; remaining: number | null; refill: CreditsRefill | null }> {
  return (await usageLimiter(env, keyId).read(keyId)) as { found: boolean; remaining: number | null; refill: CreditsRefill | null };
}

/**
 * Call after writing a key's credit columns to D1 yourself (keys.updateKey with `credits`,
 * rerolls, migrations): bump `keys.credits_version` in that write, then call this so the object
 * drops its balance and reloads from D1. Unflushed spends made on the old version are discarded,
 * as "touching credits resets the live counter".
 */
export async function creditsChanged(env: Env, keyId: string): Promise<void> {
  await usageLimiter(env, keyId).reload(keyId);
}

export function beginIdempotent(env: Env, keyId: string, idempotencyKey: string, fingerprint: string): Promise<BeginResult> {
  return usageLimiter(env, keyId).begin(idempotencyKey, fingerprint) as Promise<BeginResult>;
}

export async function completeIdempotent(env: Env, keyId: string, idempotencyKey: string, fingerprint: string, answer: Answer): Promise<void> {
  await usageLimiter(env, keyId).complete(idempotencyKey, fingerprint, answer);
}

export async function abandonIdempotent(env: Env, keyId: string, idempotencyKey: string): Promise<void> {
  await usageLimiter(env, keyId).abandon(idempotencyKey);
}
