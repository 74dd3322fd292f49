/**
 * The sliding-window approximation every limiter in this project uses (docs/ratelimiting.md).
 *
 * Windows are fixed slices of `duration` ms aligned to the Unix epoch. A request at time `now`
 * counts the tokens already taken in the current slice plus the share of the previous slice
 * that still overlaps the sliding window ending at `now` (its weight shrinks linearly as the
 * current slice advances). Pure function: the RateLimiter Durable Object feeds it the two stored
 * counts and records `cost` only when it passes.
 */
export interface WindowInput {
  now: number;
  duration: number;
  limit: number;
  cost: number;
  /** tokens recorded in the current slice */
  current: number;
  /** tokens recorded in the slice before it */
  previous: number;
}

export interface WindowDecision {
  passed: boolean;
  /** tokens left after this request (0 when denied) */
  remaining: number;
  /** Unix ms at which the current fixed slice ends */
  reset: number;
  /** index of the current slice: floor(now / duration) */
  seq: number;
  /** current + weighted previous + cost */
  effective: number;
}

export function slidingWindow(i: WindowInput): WindowDecision {
  const seq = Math.floor(i.now / i.duration);
  const windowStart = seq * i.duration;
  const reset = windowStart + i.duration;
  const elapsed = (i.now - windowStart) / i.duration;
  const effective = i.current + Math.floor(i.previous * (1 - elapsed)) + i.cost;
  // A limit of 0 (possible through overrides) always denies, even a zero-cost check.
  if (i.limit <= 0 || effective > i.limit) return { passed: false, remaining: 0, reset, seq, effective };
  return { passed: true, remaining: Math.max(0, i.limit - effective), reset, seq, effective };
}

/** Same-shaped validation the limiter applies to every check; violations are programming errors. */
export function assertValidCheck(c: { bucket: string; limit: number; duration: number; cost: number }) {
  if (typeof c.bucket !== "string") throw new RangeError("ratelimit bucket must be a string");
  if (!Number.isSafeInteger(c.limit) || c.limit < 0) throw new RangeError("ratelimit limit must be an integer ≥ 0");
  if (!Number.isSafeInteger(c.duration) || c.duration < 1000) throw new RangeError("ratelimit duration must be an integer ≥ 1000 ms");
  if (!Number.isSafeInteger(c.cost) || c.cost < 0) throw new RangeError("ratelimit cost must be an integer ≥ 0");
}
