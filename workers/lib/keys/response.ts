import { z } from "@hono/zod-openapi";
import type { schema } from "../db";

/** KeyResponseData (getKey, whoami, listKeys items). Optional fields are omitted when empty. */
export const RatelimitResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    limit: z.number().int(),
    duration: z.number().int(),
    autoApply: z.boolean(),
  })
  .openapi("RatelimitResponse");

export const KeyCreditsRefill = z
  .object({
    interval: z.enum(["daily", "monthly"]),
    amount: z.number().int().min(1),
    refillDay: z.number().int().min(1).max(31).optional(),
  })
  .openapi("KeyCreditsRefill");

export const KeyCreditsData = z
  .object({ remaining: z.number().int().nullable(), refill: KeyCreditsRefill.optional() })
  .openapi("KeyCreditsData");

export const Identity = z
  .object({
    id: z.string(),
    externalId: z.string(),
    meta: z.record(z.string(), z.unknown()).optional(),
    ratelimits: z.array(RatelimitResponse).optional(),
  })
  .openapi("Identity");

export const KeyResponseData = z
  .object({
    keyId: z.string(),
    start: z.string(),
    enabled: z.boolean(),
    name: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
    lastUsedAt: z.number().int().optional(),
    expires: z.number().int().optional(),
    permissions: z.array(z.string()).optional(),
    roles: z.array(z.string()).optional(),
    credits: KeyCreditsData.optional(),
    identity: Identity.optional(),
    ratelimits: z.array(RatelimitResponse).optional(),
    plaintext: z.string().optional(),
  })
  .openapi("KeyResponseData");

export type KeyResponse = z.infer<typeof KeyResponseData>;
export type KeyRow = typeof schema.keys.$inferSelect;

/** The base fields of a key row; the keys module adds identity, RBAC, limits and plaintext. */
export function baseKeyResponse(k: KeyRow): KeyResponse {
  const out: KeyResponse = { keyId: k.id, start: k.start, enabled: k.enabled, createdAt: k.createdAt };
  if (k.name) out.name = k.name;
  if (k.meta) out.meta = k.meta;
  if (k.updatedAt) out.updatedAt = k.updatedAt;
  if (k.lastUsedAt) out.lastUsedAt = k.lastUsedAt;
  if (k.expires !== null) out.expires = k.expires;
  if (k.remaining !== null) {
    out.credits = { remaining: k.remaining };
    if (k.refillInterval && k.refillAmount) {
      out.credits.refill = { interval: k.refillInterval, amount: k.refillAmount };
      if (k.refillInterval === "monthly" && k.refillDay) out.credits.refill.refillDay = k.refillDay;
    }
  }
  return out;
}
