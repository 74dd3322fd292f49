import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import type { RootKeyContext } from "./rootKey";

/**
 * Per-workspace API rate limit (analytics-audit-portal-security §5.4): a one-minute window per
 * workspace, applied right after authentication. `null` means unlimited and sends no headers;
 * `0` rejects every request. Positive limits are counted by the RateLimiter Durable Object
 * (see lib/ratelimit); that path fails open if the limiter is unavailable.
 */
export async function enforceWorkspaceRateLimit(c: Context<AppEnv>, root: RootKeyContext): Promise<void> {
  const limit = root.workspace.apiRateLimitPerMinute;
  if (limit === null || limit === undefined) return;
  if (limit <= 0) throw limited(limit);
  const hook = workspaceLimiter;
  if (!hook) return;
  let result: { success: boolean; remaining: number; reset: number } | undefined;
  try {
    result = await hook(c, root.workspaceId, limit);
  } catch {
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

type WorkspaceLimiter = (
  c: Context<AppEnv>,
  workspaceId: string,
  limitPerMinute: number,
) => Promise<{ success: boolean; remaining: number; reset: number }>;

let workspaceLimiter: WorkspaceLimiter | undefined;

/** The rate-limit module registers the Durable Object-backed counter here at import time. */
export function setWorkspaceLimiter(fn: WorkspaceLimiter) {
  workspaceLimiter = fn;
}
