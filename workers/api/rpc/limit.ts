import type { LimitScope } from "../../lib/ratelimit/service";
import { checkLimits, counterNamespace } from "../../lib/ratelimit/service";
import { z } from "@hono/zod-openapi";
import { LimitRequest } from "../routes/ratelimit/schemas";

/**
 * Rate limiting for other Workers over a service binding (ApiEntrypoint.limit). The caller is
 * trusted (it holds the binding) and names the workspace itself. Counters are the same
 * RateLimiter objects `ratelimit.limit` uses, keyed by (workspace, namespace, identifier): pass
 * the `rlns_…` id of a namespace to share its counters and overrides with the HTTP API, or any
 * other string for counters of your own (no overrides). Namespaces are never created here.
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
  /** the limit that applied: an override's when one matched */
  limit: number;
  remaining: number;
  /** Unix ms at which the current window ends */
  reset: number;
  overrideId?: string;
}

/** The HTTP route's own schema, plus the workspace an RPC caller names. */
const RpcLimitBody = LimitRequest.extend({ workspaceId: z.string().min(1), requestId: z.string().optional() });

export async function limitRpc(scope: LimitScope, raw: RpcLimitInput): Promise<RpcLimitResult> {
  const parsed = RpcLimitBody.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`limit: ${issue?.path.join(".") || "input"}: ${issue?.message ?? "invalid"}`);
  }
  const input = parsed.data;
  const namespace = await counterNamespace(scope, input.workspaceId, input.namespace);
  const out = await checkLimits(scope, input.workspaceId, [
    { namespace, identifier: input.identifier, limit: input.limit, duration: input.duration, cost: input.cost },
  ]);
  const r = out.results[0]!;
  return { success: r.passed, limit: r.limit, remaining: r.remaining, reset: r.reset, ...(r.overrideId ? { overrideId: r.overrideId } : {}) };
}
