/**
 * Rate-limit response headers when several writers (keyauth limits, ratelimit policies) have
 * an opinion: a denial replaces a pass and never the reverse; otherwise the lower remaining
 * wins; among denials with equal remaining the later reset wins.
 */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Unix ms */
  reset: number;
  denied: boolean;
}

export function mergeLimit(current: LimitState | null, next: LimitState): LimitState {
  if (!current) return next;
  if (next.denied !== current.denied) return next.denied ? next : current;
  if (next.remaining !== current.remaining) return next.remaining < current.remaining ? next : current;
  if (next.denied && next.reset > current.reset) return next;
  return current;
}

export function limitHeaders(s: LimitState | null, now = Date.now()): Record<string, string> {
  if (!s) return {};
  const h: Record<string, string> = {
    "X-RateLimit-Limit": String(s.limit),
    "X-RateLimit-Remaining": String(Math.max(0, s.remaining)),
    "X-RateLimit-Reset": String(Math.ceil(s.reset / 1000)),
  };
  if (s.denied) h["Retry-After"] = String(Math.max(1, Math.ceil((s.reset - now) / 1000)));
  return h;
}
