/**
 * The refill calendar of key credits (keys-and-apis: daily, or monthly on a day clamped to the
 * month's length), as pure functions of the state and the time. The UsageLimiter object applies
 * them to the balance it keeps; reads elsewhere can show the balance a refill would give.
 */
export interface CreditsRefill {
  interval: "daily" | "monthly";
  amount: number;
  refillDay: number | null;
}

/** What a refill reads and writes of a key's credit state. */
export interface RefillState {
  remaining: number | null;
  refill: CreditsRefill | null;
  lastRefillAt: number | null;
  createdAt: number;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** The latest scheduled refill instant at or before `now`. */
export function lastRefillBoundary(refill: CreditsRefill, now: number): number {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const today = Date.UTC(y, m, d.getUTCDate());
  if (refill.interval === "daily") return today;
  const day = refill.refillDay ?? 1;
  const thisMonth = Date.UTC(y, m, Math.min(day, daysInMonth(y, m)));
  if (thisMonth <= now) return thisMonth;
  const py = m === 0 ? y - 1 : y;
  const pm = m === 0 ? 11 : m - 1;
  return Date.UTC(py, pm, Math.min(day, daysInMonth(py, pm)));
}

/**
 * Applies a refill that became due since the last one (or since creation). Returns whether the
 * state changed. Pure, so reads elsewhere can show the balance a refill would give.
 */
export function applyDueRefill(s: RefillState, now: number): boolean {
  if (!s.refill) return false;
  const since = s.lastRefillAt ?? s.createdAt;
  if (lastRefillBoundary(s.refill, now) <= since) return false;
  if (s.remaining === null || s.remaining < s.refill.amount) s.remaining = s.refill.amount;
  s.lastRefillAt = now;
  return true;
}
