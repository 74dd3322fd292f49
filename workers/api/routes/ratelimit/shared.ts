import type { Context } from "hono";
import type { AppEnv } from "../../../lib/env";
import { z } from "../../route";
import { ApiError } from "../../../lib/errors";
import { recordRatelimit, type RatelimitEvent } from "../../../lib/analytics/events";
import { noteExceeded } from "../../../lib/ratelimit/exceeded";
import { limitAll, type Check, type Outcome } from "../../../lib/ratelimit/limiter";

/** Body of one rate-limit check (ratelimit.limit, and each multiLimit item). */
export const LimitRequest = z.object({
  namespace: z.string().min(1).max(512).openapi({ description: "Namespace id (`rlns_…`) or name; created on first use when the root key may." }),
  identifier: z.string().min(1).max(512).openapi({ description: "Whose requests are counted: a user id, an IP, an organisation…" }),
  limit: z.number().int().min(1).openapi({ description: "Tokens allowed per window, unless an override applies." }),
  duration: z.number().int().min(1000).max(2_592_000_000).openapi({ description: "Window length in milliseconds (1 s to 30 days)." }),
  cost: z.number().int().min(0).default(1).openapi({ description: "Tokens this request takes; 0 only checks." }),
});

export const RatelimitOverride = z
  .object({
    overrideId: z.string(),
    identifier: z.string(),
    limit: z.number().int(),
    duration: z.number().int(),
  })
  .openapi("RatelimitOverride");

export const NamespaceAndIdentifier = z.object({
  namespace: z.string().min(1).max(512).openapi({ description: "Namespace id (`rlns_…`) or name." }),
  identifier: z.string().min(1).max(512).openapi({ description: "Identifier or pattern; `*` matches any run of characters." }),
});

/** Runs checks for the public endpoints: a limiter failure is a 500, never a silent pass. */
export async function runChecks(checks: Check[], c: Context<AppEnv>, now: number): Promise<Outcome> {
  try {
    return await limitAll(c.env, checks, now);
  } catch (err) {
    console.error(`[${c.get("requestId")}] ratelimit: limiter unavailable`, err);
    throw new ApiError("unkey/application/unexpected_error", "The rate limiter is temporarily unavailable. Please retry.");
  }
}

export function record(
  c: Context<AppEnv>,
  e: Omit<RatelimitEvent, "requestId">,
) {
  try {
    recordRatelimit({ env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) }, { requestId: c.get("requestId"), ...e });
    if (!e.passed) noteExceeded(c.env, (p) => c.executionCtx.waitUntil(p), e);
  } catch (err) {
    console.error("ratelimit: could not record event", err);
  }
}
