/**
 * Rate limits inside keys.verifyKey (keys-and-apis §5.6, ratelimit-identities-rbac §3).
 * INTERFACE ONLY until the rate-limiting work lands.
 */
export interface RatelimitConfig {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

/** One entry of verifyKey's request `ratelimits[]`. */
export interface RequestedRatelimit {
  name: string;
  cost?: number;
  limit?: number;
  duration?: number;
}

/** VerifyKeyRatelimitData of the response. */
export interface VerifyRatelimitResult extends RatelimitConfig {
  exceeded: boolean;
  remaining: number;
  reset: number;
}

export interface KeyLimitsInput {
  workspaceId: string;
  keyId: string;
  keyRatelimits: RatelimitConfig[];
  identity?: { id: string; externalId: string; ratelimits: RatelimitConfig[] } | null;
  requested?: RequestedRatelimit[];
}

/**
 * Evaluates auto-applied and requested limits all-or-nothing. Throws ApiError 412
 * (precondition_failed) for a requested name that exists on neither key nor identity.
 */
export async function applyKeyRatelimits(
  _env: import("../env").Env,
  _input: KeyLimitsInput,
): Promise<{ exceeded: boolean; results: VerifyRatelimitResult[] }> {
  throw new Error("key rate limits are not implemented yet");
}
