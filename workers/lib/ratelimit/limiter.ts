import type { Env } from "../env";
import { assertValidCheck } from "./slidingWindow";
import type { BatchOutcome, RateLimiter, WindowCheck, WindowOutcome } from "../../../durable-objects/RateLimiter";

/**
 * Client side of the RateLimiter Durable Object: names the objects and runs a set of checks
 * all-or-nothing, however many objects they touch.
 *
 * Sharding (see docs/ratelimiting.md, "Where counters live"):
 * - standalone API: NAMESPACE_SHARDS objects per (workspace, namespace id); an identifier's
 *   counters live in shard hash(identifier) mod NAMESPACE_SHARDS, its bucket there is the
 *   identifier. A namespace with 100,000 identifiers is 64 objects, not 100,000;
 * - a key's named limits (key-level configs and inline limits): (workspace, key id);
 * - an identity's named limits, shared by all its keys: (workspace, identity id);
 * - the workspace API quota: (workspace).
 * Inside an object the limit name is the bucket and the duration part of the counter, so one
 * verification touches at most two objects (its key and its identity).
 */
export type CounterOwner =
  | { kind: "namespace"; workspaceId: string; namespace: string; identifier: string }
  | { kind: "key"; workspaceId: string; keyId: string }
  | { kind: "identity"; workspaceId: string; identityId: string }
  | { kind: "workspace"; workspaceId: string };

/**
 * Shards per namespace. Part of every shard's name: changing it starts fresh counters (live
 * windows would be lost once), so it is a constant, not a setting.
 */
export const NAMESPACE_SHARDS = 64;

/** FNV-1a over the UTF-16 code units: cheap, stable, spreads similar identifiers. */
export function shardOf(identifier: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < identifier.length; i++) {
    h ^= identifier.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % NAMESPACE_SHARDS;
}

/** The object a namespace identifier had before sharding (one per identifier, bucket ""). */
export function legacyObjectName(o: { workspaceId: string; namespace: string; identifier: string }): string {
  return JSON.stringify(["ns", o.workspaceId, o.namespace, o.identifier]);
}

/** The object holding an owner's counters. */
export function objectName(o: CounterOwner): string {
  switch (o.kind) {
    case "namespace":
      return JSON.stringify(["nss", o.workspaceId, o.namespace, shardOf(o.identifier)]);
    case "key":
      return JSON.stringify(["key", o.workspaceId, o.keyId]);
    case "identity":
      return JSON.stringify(["identity", o.workspaceId, o.identityId]);
    case "workspace":
      return JSON.stringify(["workspace", o.workspaceId]);
  }
}

/** The counter's name inside its object: namespace shards hold many identifiers. */
export function bucketName(o: CounterOwner, bucket: string): string {
  return o.kind === "namespace" ? (bucket === "" ? o.identifier : JSON.stringify([o.identifier, bucket])) : bucket;
}

/**
 * Until this time (RATELIMIT_LEGACY_UNTIL, Unix ms or an ISO date) a shard's first touch of an
 * identifier copies the live windows of its pre-sharding object. Unset: no copies.
 */
export function legacyUntil(env: Env): number {
  const v = env.RATELIMIT_LEGACY_UNTIL;
  if (typeof v !== "string" || v === "") return 0;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isFinite(n) ? n : 0;
}

export interface Check extends Omit<WindowCheck, "legacy"> {
  owner: CounterOwner;
}

export interface Outcome {
  passed: boolean;
  results: WindowOutcome[];
}

export function rateLimiters(env: Env): DurableObjectNamespace<RateLimiter> {
  const ns = env.RATE_LIMITER as DurableObjectNamespace<RateLimiter> | undefined;
  if (!ns) throw new Error("RATE_LIMITER binding is missing");
  return ns;
}

export function limiterStub(env: Env, owner: CounterOwner) {
  const ns = rateLimiters(env);
  return ns.get(ns.idFromName(objectName(owner)));
}

/**
 * Evaluates every check at the same instant `now`. Either all pass and all are charged, or none
 * is charged (`passed: false`; each result still says whether that check alone fitted).
 *
 * One object: a single atomic call. Several: reserve in each (in parallel); commit everywhere
 * if all reserved, else release the ones that did. Throws when an object cannot be reached —
 * after releasing whatever was reserved — so callers choose fail-open or an error.
 */
export async function limitAll(env: Env, checks: Check[], now: number): Promise<Outcome> {
  if (checks.length === 0) return { passed: true, results: [] };
  checks.forEach(assertValidCheck);
  const groups = new Map<string, { owner: CounterOwner; idx: number[] }>();
  checks.forEach((c, i) => {
    const name = objectName(c.owner);
    const g = groups.get(name) ?? { owner: c.owner, idx: [] };
    g.idx.push(i);
    groups.set(name, g);
  });
  const migrating = Date.now() < legacyUntil(env);
  const toWindow = (i: number): WindowCheck => {
    const { owner, bucket, limit, duration, cost } = checks[i]!;
    const w: WindowCheck = { bucket: bucketName(owner, bucket), limit, duration, cost };
    if (migrating && owner.kind === "namespace" && bucket === "") w.legacy = legacyObjectName(owner);
    return w;
  };
  const results: WindowOutcome[] = new Array(checks.length);
  const list = [...groups.values()];

  if (list.length === 1) {
    const g = list[0]!;
    const out = await limiterStub(env, g.owner).limit({ now, checks: g.idx.map(toWindow) });
    for (const [j, i] of g.idx.entries()) results[i] = out.results[j]!;
    return { passed: out.passed, results };
  }

  const reservationId = crypto.randomUUID();
  const stubs = list.map((g) => limiterStub(env, g.owner));
  const settled = await Promise.allSettled(list.map((g, k) => stubs[k]!.reserve({ reservationId, now, checks: g.idx.map(toWindow) })));
  const held = settled.flatMap((s, k) => (s.status === "fulfilled" && s.value.passed ? [k] : []));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  const allPassed = !failure && held.length === list.length;

  if (allPassed) {
    await Promise.all(held.map((k) => settle(() => stubs[k]!.commit(reservationId))));
  } else {
    await Promise.all(held.map((k) => settle(() => stubs[k]!.release(reservationId))));
  }
  if (failure) throw failure.reason;

  list.forEach((g, k) => {
    const out = (settled[k] as PromiseFulfilledResult<BatchOutcome>).value;
    g.idx.forEach((i, j) => {
      const r = { ...out.results[j]! };
      // an object whose checks all fitted was rolled back: report its results as uncharged
      if (!allPassed && out.passed && r.passed) r.remaining = Math.min(r.limit, r.remaining + checks[i]!.cost);
      results[i] = r;
    });
  });
  return { passed: allPassed, results };
}

/** Commit/release with one retry; a lost commit only means the reservation expires (tokens refunded). */
async function settle(fn: () => Promise<boolean>) {
  try {
    await fn();
  } catch {
    try {
      await fn();
    } catch (err) {
      console.error("ratelimit: could not settle a reservation", err);
    }
  }
}
