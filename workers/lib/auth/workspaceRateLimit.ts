import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import type { RootKeyContext } from "./rootKey";
import { limitAll } from "../ratelimit/limiter";

/**
 * Per-workspace API rate limit (analytics-audit-portal-security §5.4): a one-minute window per
 * workspace, applied right after authentication. `null` means unlimited and sends no headers;
 * `0` rejects every request. Positive limits are counted by the workspace's own RateLimiter
 * Durable Object (a sliding one-minute window, cost 1 per request); that path fails open if the
 * limiter is unavailable.
 */
export async function enforceWorkspaceRateLimit(c: Context<AppEnv>, root: RootKeyContext): Promise<void> {
  const limit = root.workspace.apiRateLimitPerMinute;
  if (limit === null || limit === undefined) return;
  if (limit <= 0) throw limited(limit);
  let result: { success: boolean; remaining: number; reset: number };
  try {
    result = await countWorkspaceRequest(c, root.workspaceId, limit);
  } catch (err) {
    console.error("workspace rate limit: limiter unavailable, letting the request through", err);
    return; // fail open
  }
  const resetSeconds = Math.max(0, Math.ceil((result.reset - Date.now()) / 1000));
  const headers = {
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(Math.max(0, result.remaining)),
    "RateLimit-Reset": String(resetSeconds),
  };
  if (!result.success) throw limited(limit, { ...headers, "Retry-After": String(resetSeconds) });
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
}

function limited(limit: number, headers?: Record<string, string>) {
  return new ApiError(
    "user/too_many_requests/workspace_rate_limited",
    `This workspace has exceeded its API rate limit of ${limit}/1m0s. Please try again later.`,
    { headers },
  );
}

/** One request against the workspace's one-minute window. */
async function countWorkspaceRequest(c: Context<AppEnv>, workspaceId: string, limitPerMinute: number) {
  const out = await limitAll(
    c.env,
    [{ owner: { kind: "workspace", workspaceId }, bucket: "workspace.ratelimit", limit: limitPerMinute, duration: 60_000, cost: 1 }],
    Date.now(),
  );
  const r = out.results[0]!;
  return { success: r.passed, remaining: r.remaining, reset: r.reset };
}
