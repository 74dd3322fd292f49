import type { Env } from "../env";
import { recordRatelimit } from "../analytics/events";
import { limitAll } from "./limiter";
import { noteExceeded } from "./exceeded";

/**
 * Rate limiting for other Workers over a service binding (ApiEntrypoint.limit), e.g. the
 * Sentinel's ratelimit policy. The caller is trusted (it holds the binding) and names the
 * workspace itself. Counters are the same RateLimiter objects `ratelimit.limit` uses, keyed by
 * (workspace, namespace, identifier): pass an `rlns_…` id to share a namespace's counters with
 * the HTTP API, or any other string (the Sentinel uses its policy id). Overrides and namespace
 * bookkeeping of the HTTP API do not apply here.
 */
export interface RpcLimitInput {
  workspaceId: string;
  namespace: string;
  identifier: string;
  limit: number;
  /** window in ms, ≥ 1000 */
  duration: number;
  /** default 1; 0 only checks */
  cost?: number;
  /** request id for the rate-limit event (optional) */
  requestId?: string;
}

export interface RpcLimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Unix ms at which the current window ends */
  reset: number;
}

export async function limitRpc(
  env: Env,
  ctx: { waitUntil(p: Promise<unknown>): void },
  input: RpcLimitInput,
): Promise<RpcLimitResult> {
  for (const [k, v] of [["workspaceId", input.workspaceId], ["namespace", input.namespace], ["identifier", input.identifier]] as const) {
    if (typeof v !== "string" || v.length === 0) throw new TypeError(`limit: ${k} must be a non-empty string`);
  }
  const cost = input.cost ?? 1;
  const now = Date.now();
  const out = await limitAll(
    env,
    [
      {
        owner: { kind: "namespace", workspaceId: input.workspaceId, namespace: input.namespace, identifier: input.identifier },
        bucket: "",
        limit: input.limit,
        duration: input.duration,
        cost,
      },
    ],
    now,
  );
  const r = out.results[0]!;
  try {
    recordRatelimit(
      { env, waitUntil: (p) => ctx.waitUntil(p) },
      {
        requestId: input.requestId ?? "",
        time: now,
        workspaceId: input.workspaceId,
        namespaceId: input.namespace,
        namespaceName: input.namespace,
        identifier: input.identifier,
        passed: r.passed,
        cost,
        limit: input.limit,
        duration: input.duration,
        remaining: r.remaining,
        reset: r.reset,
        latency: Date.now() - now,
      },
    );
  } catch (err) {
    console.error("ratelimit: could not record event", err);
  }
  if (!r.passed)
    noteExceeded(env, (p) => ctx.waitUntil(p), { workspaceId: input.workspaceId, namespaceId: input.namespace, namespaceName: input.namespace, identifier: input.identifier, limit: input.limit, duration: input.duration, reset: r.reset, time: now });
  return { success: r.passed, limit: input.limit, remaining: r.remaining, reset: r.reset };
}
