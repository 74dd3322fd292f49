import { ApiError } from "../errors";
import { recordRatelimit } from "../analytics/events";
import { and, or, type Requirement } from "../auth/permissions";
import { requirePermission, type RootKeyContext } from "../auth/rootKey";
import type { RequestScope } from "../scope";
import { noteExceeded } from "./exceeded";
import { limitAll } from "./limiter";
import { createNamespaces, findNamespace, matchOverride, namespaceGone, type Namespace } from "./namespaces";

/**
 * Rate limiting as a service: the one function every caller goes through (`ratelimit.limit`,
 * `ratelimit.multiLimit`, `ApiEntrypoint.limit` and the Sentinel's ratelimit policy). It applies
 * a stored namespace's overrides, runs the checks all-or-nothing on the RateLimiter objects and
 * records each decision (analytics event, `ratelimit.exceeded` webhook).
 */

/**
 * Where a check is counted. A stored namespace (`rlns_…`) has overrides and is counted under
 * its id; any other counter name (the Sentinel's `gateway:<policyId>`, an RPC caller's own
 * string) has none and costs no lookup.
 */
export type CounterNamespace = { stored: true; id: string; name: string } | { stored: false; name: string };

export interface LimitCheck {
  namespace: CounterNamespace;
  identifier: string;
  /** tokens per window, unless an override applies */
  limit: number;
  /** window in ms */
  duration: number;
  /** 0 only checks */
  cost: number;
}

export interface LimitDecision {
  /** the limit and window that applied (the override's, if one did) */
  limit: number;
  duration: number;
  remaining: number;
  /** Unix ms at which the current window ends */
  reset: number;
  /** whether this check alone fits */
  passed: boolean;
  overrideId?: string;
}

export interface LimitOutcome {
  /** every check fits, and all were charged; otherwise none was */
  passed: boolean;
  results: LimitDecision[];
}

export type LimitScope = Pick<RequestScope, "env" | "db" | "cache" | "waitUntil" | "requestId">;

const counterId = (ns: CounterNamespace) => (ns.stored ? ns.id : ns.name);

/** Runs checks at one instant for a workspace; a limiter failure is a 500, never a silent pass. */
export async function checkLimits(
  scope: LimitScope,
  workspaceId: string,
  checks: LimitCheck[],
  opts: { record?: boolean; now?: number } = {},
): Promise<LimitOutcome> {
  const overrides = await Promise.all(checks.map((c) => (c.namespace.stored ? matchOverride(scope, c.namespace.id, c.identifier) : null)));
  const now = opts.now ?? Date.now();
  const applied = checks.map((c, k) => ({ limit: overrides[k]?.limit ?? c.limit, duration: overrides[k]?.duration ?? c.duration }));
  let out: Awaited<ReturnType<typeof limitAll>>;
  try {
    out = await limitAll(
      scope.env,
      checks.map((c, k) => ({
        owner: { kind: "namespace" as const, workspaceId, namespace: counterId(c.namespace), identifier: c.identifier },
        bucket: "",
        limit: applied[k]!.limit,
        duration: applied[k]!.duration,
        cost: c.cost,
      })),
      now,
    );
  } catch (err) {
    console.error(`[${scope.requestId}] ratelimit: limiter unavailable`, err);
    throw new ApiError("unkey/application/unexpected_error", "The rate limiter is temporarily unavailable. Please retry.");
  }
  const results = checks.map((c, k): LimitDecision => {
    const r = out.results[k]!;
    const o = overrides[k];
    if (opts.record !== false) {
      record(scope, {
        workspaceId,
        namespaceId: counterId(c.namespace),
        namespaceName: c.namespace.name,
        identifier: c.identifier,
        passed: out.passed && r.passed,
        cost: c.cost,
        limit: applied[k]!.limit,
        duration: applied[k]!.duration,
        time: now,
        remaining: r.remaining,
        reset: r.reset,
        overrideId: o?.id ?? null,
        latency: Date.now() - now,
      });
    }
    return { ...applied[k]!, remaining: r.remaining, reset: r.reset, passed: r.passed, ...(o ? { overrideId: o.id } : {}) };
  });
  return { passed: out.passed, results };
}

function record(scope: LimitScope, e: Omit<import("../analytics/events").RatelimitEvent, "requestId"> & { namespaceName: string }) {
  try {
    recordRatelimit({ env: scope.env, waitUntil: scope.waitUntil }, { requestId: scope.requestId, ...e });
    if (!e.passed) noteExceeded(scope.env, scope.waitUntil, e);
  } catch (err) {
    console.error("ratelimit: could not record event", err);
  }
}

/**
 * The counter namespace an RPC caller names: an `rlns_…` id of a live namespace of the
 * workspace shares the HTTP API's counters and overrides; anything else is counted under the
 * string itself, with no overrides.
 */
export async function counterNamespace(scope: LimitScope, workspaceId: string, name: string): Promise<CounterNamespace> {
  if (name.startsWith("rlns_")) {
    const ns = await findNamespace(scope, workspaceId, name);
    if (ns && !ns.deleted && ns.id === name) return { stored: true, id: ns.id, name: ns.name };
  }
  return { stored: false, name };
}

const stored = (ns: Namespace): CounterNamespace => ({ stored: true, id: ns.id, name: ns.name });

/**
 * `ratelimit.limit`: the namespace by id or name, created on the spot when the root key may
 * (`ratelimit.*.create_namespace`, and `ratelimit.*.limit` since the new namespace's own
 * permission cannot be held yet), then one check.
 */
export async function limitForRootKey(
  scope: RequestScope,
  root: RootKeyContext,
  body: { namespace: string; identifier: string; limit: number; duration: number; cost: number },
): Promise<LimitDecision> {
  let ns = await findNamespace(scope, root.workspaceId, body.namespace);
  if (!ns) {
    requirePermission(root, "ratelimit.*.create_namespace");
    // refuse before writing anything: without ratelimit.*.limit the request would fail right after
    requirePermission(root, "ratelimit.*.limit");
    ns = (await createNamespaces(scope, root.workspaceId, [body.namespace])).get(body.namespace)!;
  }
  if (ns.deleted) throw namespaceGone();
  requirePermission(root, or(`ratelimit.${ns.id}.limit`, "ratelimit.*.limit"));
  const out = await checkLimits(scope, root.workspaceId, [{ ...body, namespace: stored(ns) }]);
  return out.results[0]!;
}

/**
 * `ratelimit.multiLimit`: every namespace resolved (missing ones created when the root key
 * may) and every permission checked before anything is counted; then all checks at one instant.
 */
export async function multiLimitForRootKey(
  scope: RequestScope,
  root: RootKeyContext,
  items: { namespace: string; identifier: string; limit: number; duration: number; cost: number }[],
): Promise<LimitOutcome> {
  const names = [...new Set(items.map((i) => i.namespace))];
  const found = new Map<string, Namespace>();
  const missing: string[] = [];
  await Promise.all(
    names.map(async (n) => {
      const ns = await findNamespace(scope, root.workspaceId, n);
      if (ns) found.set(n, ns);
      else missing.push(n);
    }),
  );
  if (missing.length > 0) {
    requirePermission(root, "ratelimit.*.create_namespace");
    // new namespaces can only be used through ratelimit.*.limit: check before writing anything
    requirePermission(root, "ratelimit.*.limit");
    // …and a deleted namespace among the others would end the request in 410 anyway
    if ([...found.values()].some((ns) => ns.deleted)) throw namespaceGone();
    for (const [n, ns] of await createNamespaces(scope, root.workspaceId, missing)) found.set(n, ns);
  }
  const namespaces = names.map((n) => found.get(n)!);
  const ids = [...new Set(namespaces.map((ns) => ns.id))];
  const each: Requirement = ids.length === 1 ? `ratelimit.${ids[0]}.limit` : and(...ids.map((id) => `ratelimit.${id}.limit`));
  requirePermission(root, or(each, "ratelimit.*.limit"));
  if (namespaces.some((ns) => ns.deleted)) throw namespaceGone();
  return checkLimits(
    scope,
    root.workspaceId,
    items.map((item) => ({ ...item, namespace: stored(found.get(item.namespace)!) })),
  );
}
