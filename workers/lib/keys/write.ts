import { z } from "@hono/zod-openapi";
import type { BatchItem } from "drizzle-orm/batch";
import { schema, type Database } from "../db";
import { invalidInput } from "../errors";
import { newId } from "../ids";

/** Request-side schemas shared by createKey, updateKey, rerollKey and migrateKeys. */

export const keyIdSchema = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_]+$/);
export const externalIdSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9_.-]+$/);
export const metaSchema = z
  .record(z.string(), z.unknown())
  .refine((m) => Object.keys(m).length <= 100, { message: "meta may have at most 100 properties" })
  .openapi({ type: "object", additionalProperties: true, maxProperties: 100 });
export const roleNamesSchema = z.array(z.string().min(1).max(128)).max(100);
export const permissionSlugsSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(128)
      .regex(/^[a-zA-Z0-9_:\-.*]+$/),
  )
  .max(1000);
export const expiresSchema = z.number().int().min(0).max(4_102_444_800_000);

export const RatelimitRequest = z
  .object({
    name: z.string().min(3).max(128),
    limit: z.number().int().min(1),
    duration: z.number().int().min(1000),
    autoApply: z.boolean().default(false),
  })
  .openapi("RatelimitRequest");
export type RatelimitInput = z.infer<typeof RatelimitRequest>;
export const ratelimitsSchema = z.array(RatelimitRequest).max(50);

const refill = z
  .object({
    interval: z.enum(["daily", "monthly"]),
    amount: z.number().int().min(1),
    refillDay: z.number().int().min(1).max(31).optional(),
  })
  .strict();

/** Credits on createKey / migrateKeys. */
export const CreateCreditsInput = z
  .object({ remaining: z.number().int().min(0).nullable(), refill: refill.optional() })
  .strict()
  .openapi("KeyCreditsDataInput");
export type CreateCredits = z.infer<typeof CreateCreditsInput>;

/** Credits on updateKey: the object, its `remaining` and its `refill` may each be null. */
export const UpdateCreditsInput = z
  .object({ remaining: z.number().int().min(0).nullable().optional(), refill: refill.nullable().optional() })
  .strict()
  .nullable()
  .openapi("UpdateKeyCreditsData");
export type UpdateCredits = z.infer<typeof UpdateCreditsInput>;

export const REFILL_NEEDS_REMAINING = "`credits.remaining` must be provided when `credits.refill` is set.";
export const MONTHLY_NEEDS_DAY = "`refillDay` must be provided when the refill interval is `monthly`.";
export const DAILY_FORBIDS_DAY = "`refillDay` must not be provided when the refill interval is `daily`.";

export type CreditColumns = Pick<typeof schema.keys.$inferInsert, "remaining" | "refillInterval" | "refillAmount" | "refillDay" | "lastRefillAt">;

/** Validates createKey-style credits and returns the key columns (unlimited when absent). */
export function creditColumnsForCreate(credits: CreateCredits | undefined, now: number): CreditColumns {
  const unlimited: CreditColumns = { remaining: null, refillInterval: null, refillAmount: null, refillDay: null, lastRefillAt: null };
  if (!credits) return unlimited;
  if (credits.refill && (credits.remaining === null || credits.remaining === undefined)) throw invalidInput(REFILL_NEEDS_REMAINING);
  if (credits.refill?.interval === "monthly" && credits.refill.refillDay === undefined) throw invalidInput(MONTHLY_NEEDS_DAY);
  if (credits.remaining === null) return unlimited;
  const r = credits.refill;
  return {
    remaining: credits.remaining,
    refillInterval: r?.interval ?? null,
    refillAmount: r?.amount ?? null,
    // daily refills silently ignore refillDay
    refillDay: r?.interval === "monthly" ? r.refillDay! : null,
    // the first refill is the next one due after creation, not one immediately
    lastRefillAt: r ? now : null,
  };
}

/**
 * updateKey's credits: `null` or `remaining: null` → unlimited (refill cleared);
 * `remaining: n` sets; `refill: null` stops refilling; `refill: {…}` sets (monthly needs a
 * day, daily must not have one). Returns the columns to change, or undefined when omitted.
 */
export function creditColumnsForUpdate(
  credits: UpdateCredits | undefined,
  current: { remaining: number | null },
  now: number,
): Partial<CreditColumns> | undefined {
  if (credits === undefined) return undefined;
  const unlimited: CreditColumns = { remaining: null, refillInterval: null, refillAmount: null, refillDay: null, lastRefillAt: null };
  if (credits === null || credits.remaining === null) return unlimited;
  const r = credits.refill;
  if (r) {
    if (r.interval === "monthly" && r.refillDay === undefined) throw invalidInput(MONTHLY_NEEDS_DAY);
    if (r.interval === "daily" && r.refillDay !== undefined) throw invalidInput(DAILY_FORBIDS_DAY);
    if (credits.remaining === undefined && current.remaining === null) throw invalidInput(REFILL_NEEDS_REMAINING);
  }
  const out: Partial<CreditColumns> = {};
  if (credits.remaining !== undefined) out.remaining = credits.remaining;
  if (r === null) Object.assign(out, { refillInterval: null, refillAmount: null, refillDay: null, lastRefillAt: null });
  else if (r) {
    Object.assign(out, {
      refillInterval: r.interval,
      refillAmount: r.amount,
      refillDay: r.interval === "monthly" ? r.refillDay! : null,
      lastRefillAt: now,
    });
  }
  return out;
}

/** Inserts of key-level ratelimits with fresh `rl_` ids, chunked to stay within D1's bound-parameter limit. */
export function ratelimitInserts(d: Database, workspaceId: string, keyId: string, limits: RatelimitInput[], now: number): BatchItem<"sqlite">[] {
  const rows = limits.map((l) => ({
    id: newId("rl"),
    workspaceId,
    keyId,
    name: l.name,
    limit: l.limit,
    duration: l.duration,
    autoApply: l.autoApply ?? false,
    createdAt: now,
  }));
  const out: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += 10) out.push(d.insert(schema.ratelimits).values(rows.slice(i, i + 10)));
  return out;
}

/** Ratelimit names must be unique per key. */
export function assertUniqueRatelimitNames(limits: RatelimitInput[] | null | undefined) {
  const seen = new Set<string>();
  for (const l of limits ?? []) {
    if (seen.has(l.name)) throw invalidInput(`Ratelimit with name '${l.name}' is already defined in the request`);
    seen.add(l.name);
  }
}
