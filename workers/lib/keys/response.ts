import { z } from "@hono/zod-openapi";
import { and, asc, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import { schema, type Database } from "../db";
import type { Env } from "../env";
import { boundToKey, decryptKeys } from "../vault";
import { readCredits } from "./credits";

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

export const KeyCreditsData = z.object({ remaining: z.number().int().nullable(), refill: KeyCreditsRefill.optional() }).openapi("KeyCreditsData");

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

type RatelimitRow = typeof schema.ratelimits.$inferSelect;

const toRatelimit = (r: RatelimitRow): z.infer<typeof RatelimitResponse> => ({
  id: r.id,
  name: r.name,
  limit: r.limit,
  duration: r.duration,
  autoApply: r.autoApply,
});

const jsonIn = (column: SQL, values: string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

/**
 * Full KeyResponseData for a page of keys of one workspace, in the order given. Everything
 * related (identity and its limits, key limits, direct and role-inherited permissions, role
 * names, ciphertexts) comes from one D1 batch, whatever the number of keys.
 *
 * `plaintext` is filled in only when `decrypt` is set; the caller has checked grants, vault
 * and the keyspace flag. Undecryptable keys come back without it.
 */
export async function loadKeyResponses(env: Env, d: Database, workspaceId: string, rows: KeyRow[], opts: { decrypt?: boolean } = {}): Promise<KeyResponse[]> {
  if (rows.length === 0) return [];
  const keyIds = rows.map((k) => k.id);
  const identityIds = [...new Set(rows.map((k) => k.identityId).filter((x): x is string => !!x))];
  const s = schema;
  const [identities, limits, direct, inherited, roleNames, encrypted] = await d.batch([
    d
      .select()
      .from(s.identities)
      .where(and(jsonIn(sql`${s.identities.id}`, identityIds), isNull(s.identities.deletedAt))),
    d
      .select()
      .from(s.ratelimits)
      .where(or(jsonIn(sql`${s.ratelimits.keyId}`, keyIds), jsonIn(sql`${s.ratelimits.identityId}`, identityIds)))
      .orderBy(asc(s.ratelimits.name)),
    d
      .select({ keyId: s.keysPermissions.keyId, slug: s.permissions.slug })
      .from(s.keysPermissions)
      .innerJoin(s.permissions, eq(s.permissions.id, s.keysPermissions.permissionId))
      .where(jsonIn(sql`${s.keysPermissions.keyId}`, keyIds)),
    d
      .select({ keyId: s.keysRoles.keyId, slug: s.permissions.slug })
      .from(s.keysRoles)
      .innerJoin(s.rolesPermissions, eq(s.rolesPermissions.roleId, s.keysRoles.roleId))
      .innerJoin(s.permissions, eq(s.permissions.id, s.rolesPermissions.permissionId))
      .where(jsonIn(sql`${s.keysRoles.keyId}`, keyIds)),
    d
      .select({ keyId: s.keysRoles.keyId, name: s.roles.name })
      .from(s.keysRoles)
      .innerJoin(s.roles, eq(s.roles.id, s.keysRoles.roleId))
      .where(jsonIn(sql`${s.keysRoles.keyId}`, keyIds)),
    d
      .select()
      .from(s.encryptedKeys)
      .where(opts.decrypt ? jsonIn(sql`${s.encryptedKeys.keyId}`, keyIds) : sql`0`),
  ]);

  const group = <T>(items: T[], keyOf: (t: T) => string | null) => {
    const m = new Map<string, T[]>();
    for (const it of items) {
      const k = keyOf(it);
      if (k === null) continue;
      const list = m.get(k);
      if (list) list.push(it);
      else m.set(k, [it]);
    }
    return m;
  };
  const identityById = new Map(identities.map((i) => [i.id, i]));
  const limitsByKey = group(limits, (r) => r.keyId);
  const limitsByIdentity = group(limits, (r) => r.identityId);
  const permsByKey = group([...direct, ...inherited], (r) => r.keyId);
  const rolesByKey = group(roleNames, (r) => r.keyId);
  const plaintexts = opts.decrypt
    ? await decryptKeys(
        env,
        d,
        workspaceId,
        encrypted.map((e) => ({ ...e, boundTo: boundToKey(e.keyId) })),
      )
    : new Map<string, string>();

  return rows.map((k) => {
    const out = baseKeyResponse(k);
    const perms = [...new Set((permsByKey.get(k.id) ?? []).map((p) => p.slug))].sort();
    if (perms.length) out.permissions = perms;
    const roles = [...new Set((rolesByKey.get(k.id) ?? []).map((r) => r.name))].sort();
    if (roles.length) out.roles = roles;
    const identity = k.identityId ? identityById.get(k.identityId) : undefined;
    if (identity) {
      const idOut: z.infer<typeof Identity> = { id: identity.id, externalId: identity.externalId };
      if (identity.meta && Object.keys(identity.meta).length > 0) idOut.meta = identity.meta;
      const idLimits = limitsByIdentity.get(identity.id);
      if (idLimits?.length) idOut.ratelimits = idLimits.map(toRatelimit);
      out.identity = idOut;
    }
    const keyLimits = limitsByKey.get(k.id);
    if (keyLimits?.length) out.ratelimits = keyLimits.map(toRatelimit);
    const plaintext = plaintexts.get(k.id);
    if (plaintext !== undefined) out.plaintext = plaintext;
    return out;
  });
}

/**
 * Replaces the D1 snapshot of `credits.remaining` with the live balance held by the key's
 * UsageLimiter (refills applied), for single-key reads. Falls back to the snapshot if the
 * object cannot answer.
 */
export async function withLiveCredits(env: Env, data: KeyResponse): Promise<KeyResponse> {
  if (!data.credits || data.credits.remaining === null) return data;
  try {
    const live = await readCredits(env, data.keyId);
    if (live.found) {
      if (live.remaining === null) {
        const { credits: _dropped, ...rest } = data;
        return rest;
      }
      return { ...data, credits: { ...data.credits, remaining: live.remaining } };
    }
  } catch (err) {
    console.error(`live credits of ${data.keyId} unavailable`, err);
  }
  return data;
}
