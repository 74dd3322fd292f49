import type { Env } from "../env";
import { ApiError } from "../errors";
import { limitAll } from "../ratelimit/limiter";

/** What the limit needs to know of a workspace (root-key and portal-session auth both have it). */
export interface RateLimitedWorkspace {
  id: string;
  apiRateLimitPerMinute: number | null;
}

/**
 * Per-workspace API rate limit (analytics-audit-portal-security §5.4): a one-minute window per
 * workspace, applied right after authentication. `null` means unlimited and sends no headers;
 * `0` rejects every request. Positive limits are counted by the workspace's own RateLimiter
 * Durable Object (a sliding one-minute window, cost 1 per request); that path fails open if the
 * limiter is unavailable.
 */
export async function workspaceRateLimit(env: Env, workspace: RateLimitedWorkspace): Promise<Record<string, string> | undefined> {
  const limit = workspace.apiRateLimitPerMinute;
  if (limit === null || limit === undefined) return undefined;
  if (limit <= 0) throw limited(limit);
  let result: { success: boolean; remaining: number; reset: number };
  try {
    result = await countWorkspaceRequest(env, workspace.id, limit);
  } catch (err) {
    console.error("workspace rate limit: limiter unavailable, letting the request through", err);
    return undefined; // fail open
  }
  const resetSeconds = Math.max(0, Math.ceil((result.reset - Date.now()) / 1000));
  const headers = {
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(Math.max(0, result.remaining)),
    "RateLimit-Reset": String(resetSeconds),
  };
  if (!result.success) throw limited(limit, { ...headers, "Retry-After": String(resetSeconds) });
  return headers;
}

function limited(limit: number, headers?: Record<string, string>) {
  return new ApiError(
    "user/too_many_requests/workspace_rate_limited",
    `This workspace has exceeded its API rate limit of ${limit}/1m0s. Please try again later.`,
    { headers },
  );
}

/** One request against the workspace's one-minute window. */
async function countWorkspaceRequest(env: Env, workspaceId: string, limitPerMinute: number) {
  const out = await limitAll(
    env,
    [{ owner: { kind: "workspace", workspaceId }, bucket: "workspace.ratelimit", limit: limitPerMinute, duration: 60_000, cost: 1 }],
    Date.now(),
  );
  const r = out.results[0]!;
  return { success: r.passed, remaining: r.remaining, reset: r.reset };
}
