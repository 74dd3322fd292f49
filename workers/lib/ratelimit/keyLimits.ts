import type { Env } from "../env";
import { ApiError } from "../errors";
import { recordRatelimit, type EventContext } from "../analytics/events";
import { limitAll, type Check, type CounterOwner } from "./limiter";

/**
 * Rate limits inside keys.verifyKey (keys-and-apis §5.6, ratelimit-identities-rbac §3.4).
 *
 * Which limits run:
 * - the configs of the key and of its identity, merged by name (the key's wins a clash);
 * - every merged config with `autoApply`, at cost 1;
 * - each requested entry: with both `limit` and `duration` an inline limit on the key (id "",
 *   not auto-applied); otherwise it must name a merged config, whose limit and duration are used
 *   with the entry's `cost`. Either replaces an auto-applied run of the same name (a later entry
 *   of the same name replaces an earlier one). An unknown name is a 412 before anything counts.
 *
 * Counters: key-level and inline limits count per key, identity-level limits per identity (one
 * pool for all its keys); the limit name and the duration pick the counter. All limits of one
 * verification are checked all-or-nothing (limiter.ts). Inline limits the limiter cannot run
 * (limit < 1 or duration < 1 s) are skipped, and a limiter outage lets the verification through:
 * both as the reference server does (fail open).
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

export interface KeyLimitsOptions {
  /** the instant all limits are evaluated at (default: now) */
  now?: number;
  /** where rate-limit events go (one per evaluated limit); omitted → none recorded */
  events?: { ctx: EventContext; requestId: string };
}

type Selected = { config: RatelimitConfig; cost: number; owner: "key" | "identity" };

/**
 * Evaluates auto-applied and requested limits all-or-nothing. Throws ApiError 412
 * (precondition_failed) for a requested name that exists on neither key nor identity.
 */
export async function applyKeyRatelimits(
  env: Env,
  input: KeyLimitsInput,
  opts: KeyLimitsOptions = {},
): Promise<{ exceeded: boolean; results: VerifyRatelimitResult[] }> {
  const configs = new Map<string, { config: RatelimitConfig; owner: "key" | "identity" }>();
  for (const config of input.identity?.ratelimits ?? []) configs.set(config.name, { config, owner: "identity" });
  for (const config of input.keyRatelimits) configs.set(config.name, { config, owner: "key" });

  const selected = new Map<string, Selected>();
  for (const { config, owner } of configs.values()) {
    if (config.autoApply) selected.set(config.name, { config, cost: 1, owner });
  }
  for (const r of input.requested ?? []) {
    const cost = r.cost ?? 1;
    if (r.limit !== undefined && r.duration !== undefined) {
      selected.set(r.name, { config: { id: "", name: r.name, limit: r.limit, duration: r.duration, autoApply: false }, cost, owner: "key" });
      continue;
    }
    const found = configs.get(r.name);
    if (!found) throw unknownRatelimit(r.name, input);
    selected.set(r.name, { config: found.config, cost, owner: found.owner });
  }

  // what the limiter cannot run is ignored, as the reference does with limiter errors
  const runnable = [...selected.values()].filter(
    (s) => Number.isSafeInteger(s.config.limit) && s.config.limit >= 1 && Number.isSafeInteger(s.config.duration) && s.config.duration >= 1000,
  );
  if (runnable.length === 0) return { exceeded: false, results: [] };

  const keyOwner: CounterOwner = { kind: "key", workspaceId: input.workspaceId, keyId: input.keyId };
  const identityOwner: CounterOwner | null = input.identity ? { kind: "identity", workspaceId: input.workspaceId, identityId: input.identity.id } : null;
  const checks: Check[] = runnable.map((s) => ({
    owner: s.owner === "identity" && identityOwner ? identityOwner : keyOwner,
    bucket: s.config.name,
    limit: s.config.limit,
    duration: s.config.duration,
    cost: s.cost,
  }));
  const now = opts.now ?? Date.now();
  let out: Awaited<ReturnType<typeof limitAll>>;
  try {
    out = await limitAll(env, checks, now);
  } catch (err) {
    console.error("ratelimit: limiter unavailable during verification, letting it through", err);
    return { exceeded: false, results: [] };
  }

  if (opts.events) {
    runnable.forEach((s, i) => {
      try {
        recordRatelimit(opts.events!.ctx, {
          requestId: opts.events!.requestId,
          time: now,
          workspaceId: input.workspaceId,
          namespaceId: s.config.id,
          namespaceName: s.config.name,
          identifier: s.owner === "identity" && input.identity ? input.identity.id : input.keyId,
          passed: out.passed,
          cost: s.cost,
          limit: s.config.limit,
          duration: s.config.duration,
          remaining: out.results[i]!.remaining,
          reset: out.results[i]!.reset,
          latency: Date.now() - now,
        });
      } catch (err) {
        console.error("ratelimit: could not record event", err);
      }
    });
  }

  return {
    exceeded: !out.passed,
    results: runnable.map((s, i) => {
      const r = out.results[i]!;
      return { ...s.config, exceeded: !r.passed, remaining: r.remaining, reset: r.reset };
    }),
  };
}

function unknownRatelimit(name: string, input: KeyLimitsInput) {
  const tail = input.identity ? `nor identity: '${input.identity.id}' external ID: '${input.identity.externalId}'` : "and there is no identity connected.";
  return new ApiError("unkey/application/precondition_failed", `ratelimit '${name}' was requested but does not exist for key '${input.keyId}' ${tail}`);
}
