import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { z } from "@hono/zod-openapi";
import type { Database } from "../db";
import { schema } from "../db";
import { invalidInput } from "../errors";
import type { PortalSession } from "./sessions";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bounds the answer when the workspace sets no retention limit. */
const MAX_POINTS = 5_000;

export const VerificationPoint = z
  .object({
    time: z.number().int(),
    total: z.number().int(),
    valid: z.number().int(),
    rateLimited: z.number().int(),
    insufficientPermissions: z.number().int(),
    forbidden: z.number().int(),
    disabled: z.number().int(),
    expired: z.number().int(),
    usageExceeded: z.number().int(),
  })
  .openapi("V2PortalGetVerificationsDataPoint");

export type VerificationPoint = z.infer<typeof VerificationPoint>;

/** Outcome → field of a data point; other outcomes (NOT_FOUND, INVALID…) count only in `total`. */
const FIELD: Record<string, keyof Omit<VerificationPoint, "time" | "total">> = {
  VALID: "valid",
  RATE_LIMITED: "rateLimited",
  INSUFFICIENT_PERMISSIONS: "insufficientPermissions",
  FORBIDDEN: "forbidden",
  DISABLED: "disabled",
  EXPIRED: "expired",
  USAGE_EXCEEDED: "usageExceeded",
};

/** Bucket size by window: up to 3 hours per minute, up to 4 days per hour, else per day. */
export function bucketFor(windowMs: number): { size: number; table: typeof schema.keyVerificationsPerMinuteV1 } {
  if (windowMs <= 3 * HOUR) return { size: MINUTE, table: schema.keyVerificationsPerMinuteV1 };
  if (windowMs <= 4 * DAY) return { size: HOUR, table: schema.keyVerificationsPerHourV1 };
  return { size: DAY, table: schema.keyVerificationsPerDayV1 };
}

const empty = (time: number): VerificationPoint => ({
  time,
  total: 0,
  valid: 0,
  rateLimited: 0,
  insufficientPermissions: 0,
  forbidden: 0,
  disabled: 0,
  expired: 0,
  usageExceeded: 0,
});

/**
 * The end user's verifications in [startTime, endTime), bucketed and zero-filled, oldest
 * first. Always restricted to the session's workspace, keyspaces and externalId; a `keyId`
 * the user does not own simply matches nothing.
 */
export async function verificationSeries(
  d: Database,
  session: PortalSession,
  q: { startTime: number; endTime: number; keyId?: string },
): Promise<VerificationPoint[]> {
  if (q.endTime <= q.startTime) throw invalidInput("`endTime` must be greater than `startTime`.");
  const retention = session.workspace.analyticsRetentionDays;
  if (retention > 0 && q.endTime - q.startTime > retention * DAY) {
    throw invalidInput(`The requested time window is too large. The maximum window is ${retention} days.`);
  }
  const { size, table: t } = bucketFor(q.endTime - q.startTime);
  const first = Math.floor(q.startTime / size) * size;
  if ((q.endTime - first) / size > MAX_POINTS) {
    throw invalidInput(`The requested time window is too large. It would return more than ${MAX_POINTS} data points.`);
  }
  const rows =
    session.keyspaceIds.length === 0
      ? []
      : await d
          .select({ time: t.time, outcome: t.outcome, count: sql<number>`sum(${t.count})` })
          .from(t)
          .where(
            and(
              eq(t.workspaceId, session.workspaceId),
              eq(t.externalId, session.externalId),
              inArray(t.keySpaceId, session.keyspaceIds),
              // an id longer than any key id matches nothing, like an unknown one
              q.keyId !== undefined ? eq(t.keyId, q.keyId.length > 255 ? "" : q.keyId) : undefined,
              gte(t.time, first),
              lt(t.time, q.endTime),
            ),
          )
          .groupBy(t.time, t.outcome);
  const points = new Map<number, VerificationPoint>();
  for (let time = first; time < q.endTime; time += size) points.set(time, empty(time));
  for (const r of rows) {
    const p = points.get(r.time);
    if (!p) continue;
    const n = Number(r.count);
    p.total += n;
    const field = FIELD[r.outcome];
    if (field) p[field] += n;
  }
  return [...points.values()];
}
