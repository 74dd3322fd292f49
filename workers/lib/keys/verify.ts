import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import type { TieredCache } from "../cache";
import type { RequestScope } from "../scope";
import { ApiError, invalidInput } from "../errors";
import { sha256Base64, sha256Hex } from "../crypto";
import { apiAction, satisfies, type Grants } from "../auth/permissions";
import { evaluatePermissionQuery, parsePermissionQuery, type PermissionQuery } from "../rbac/query";
import { applyKeyRatelimits, type VerifyRatelimitResult } from "../ratelimit/keyLimits";
import { recordVerification } from "../analytics/events";
import { Identity } from "./response";
import { loadKey, type KeyRecord, type KeyspaceState } from "./loader";
import { ipAllowed } from "./ipAllowlist";
import { abandonIdempotent, beginIdempotent, completeIdempotent, readCredits, spendCredits, type Answer } from "./credits";

/**
 * keys.verifyKey (keys-and-apis §5), shared by the HTTP route and the service-binding RPC
 * (ApiEntrypoint.verifyKey). Knows nothing about Hono: callers hand in the authenticated root
 * key and a few request facts (caller IP, Idempotency-Key).
 */

// ---- schemas -------------------------------------------------------------------------------

export const VerifyKeyBody = z.object({
  key: z.string().min(1).max(512).openapi({ description: "The key exactly as your user presented it, prefix included." }),
  tags: z
    .array(z.string().min(1).max(512))
    .max(20)
    .optional()
    .openapi({ description: "Labels stored with this verification for analytics, e.g. `path=/v1/orders`." }),
  permissions: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ description: "A permission query the key must satisfy: slugs combined with AND, OR and parentheses." }),
  credits: z
    .object({ cost: z.number().int().min(0).max(1_000_000_000_000) })
    .strict()
    .optional()
    .openapi({ description: "Credits this verification costs (default 1 for keys with limited credits; 0 spends none)." }),
  ratelimits: z
    .array(
      z.object({
        name: z.string().min(3).max(255),
        cost: z.number().int().min(0).default(1),
        limit: z.number().int().min(0).optional(),
        duration: z.number().int().min(0).optional(),
      }),
    )
    .optional()
    .openapi({ description: "Rate limits to check: names of limits on the key or its identity, or ad-hoc limits with `limit` and `duration`." }),
  migrationId: z.string().max(256).optional().openapi({ description: "Migration of pre-hashed keys to try when the key is not found in native form." }),
});
export type VerifyKeyInput = z.infer<typeof VerifyKeyBody>;

export const VERIFY_CODES = ["VALID", "NOT_FOUND", "FORBIDDEN", "INSUFFICIENT_PERMISSIONS", "USAGE_EXCEEDED", "RATE_LIMITED", "DISABLED", "EXPIRED"] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

export const VerifyKeyRatelimitData = z
  .object({
    id: z.string(),
    name: z.string(),
    limit: z.number().int(),
    duration: z.number().int(),
    reset: z.number().int().openapi({ description: "Unix ms when the current window ends." }),
    remaining: z.number().int(),
    autoApply: z.boolean(),
    exceeded: z.boolean(),
  })
  .openapi("VerifyKeyRatelimitData");

export const VerifyKeyData = z
  .object({
    valid: z.boolean(),
    code: z.enum(VERIFY_CODES),
    keyId: z.string().optional(),
    name: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    expires: z.number().int().optional(),
    credits: z.number().int().optional().openapi({ description: "Credits left after this verification (limited keys only)." }),
    enabled: z.boolean().optional(),
    permissions: z.array(z.string()).optional(),
    roles: z.array(z.string()).optional(),
    identity: Identity.optional(),
    ratelimits: z.array(VerifyKeyRatelimitData).optional(),
  })
  .openapi("V2KeysVerifyKeyResponseData");
export type VerifyKeyResult = z.infer<typeof VerifyKeyData>;

// ---- verification --------------------------------------------------------------------------

export interface VerifyDeps {
  env: Env;
  waitUntil(p: Promise<unknown>): void;
  cache: TieredCache;
  requestId: string;
  /** the address the allowlist is checked against */
  callerIp: string | null;
  /** optional Idempotency-Key: a retry within the window replays the first answer */
  idempotencyKey?: string | null;
  region?: string;
  /** analytics source: "api" for keys.verifyKey, "gateway" for the Sentinel */
  source?: string;
  appId?: string | null;
  /** called with the key's keyspace once it passed the workspace and permission checks (the Sentinel's Principal needs it) */
  onKeyspace?: (keyspaceId: string) => void;
}

/** What verification is asked for beyond the request scope, per entry point. */
export interface VerifyOptions {
  /** the end user's address when the caller names it (RPC); default the scope's caller */
  callerIp?: string | null;
  idempotencyKey?: string | null;
  /** analytics source: "api" (default) or "gateway" */
  source?: string;
  appId?: string | null;
  onKeyspace?: (keyspaceId: string) => void;
}

/**
 * The one place verification's dependencies are assembled from a request scope: the HTTP
 * route, ApiEntrypoint.verifyKey and ApiEntrypoint.gatewayVerifyKey all call it. Reads only
 * what the scope already holds (no awaits on the verify path).
 */
export function verifyDeps(scope: Pick<RequestScope, "env" | "waitUntil" | "cache" | "requestId" | "callerIp" | "region">, o: VerifyOptions = {}): VerifyDeps {
  return {
    env: scope.env,
    waitUntil: scope.waitUntil,
    cache: scope.cache,
    requestId: scope.requestId,
    callerIp: o.callerIp !== undefined ? o.callerIp : scope.callerIp,
    idempotencyKey: o.idempotencyKey ?? null,
    region: scope.region,
    source: o.source ?? "api",
    appId: o.appId ?? null,
    onKeyspace: o.onKeyspace,
  };
}

/** The authenticated caller: a root key acting on its workspace. */
export interface VerifyCaller extends Grants {
  workspaceId: string;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const NOT_FOUND: VerifyKeyResult = { valid: false, code: "NOT_FOUND" };
const notFound = (): VerifyKeyResult => ({ ...NOT_FOUND });

/** Isolate-local throttle of last_used_at writes: at most one per key per minute. */
const LAST_USED_INTERVAL_MS = 60_000;
const lastTouched = new Map<string, number>();

export async function verifyKey(deps: VerifyDeps, caller: VerifyCaller, input: VerifyKeyInput): Promise<VerifyKeyResult> {
  const started = Date.now();
  const { env } = deps;
  if (deps.idempotencyKey && deps.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw invalidInput(`The Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, [
      { location: "header.Idempotency-Key", message: `longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` },
    ]);
  }
  const hash = await sha256Base64(input.key);
  let found = await loadKey(deps.cache, env.DB, hash);
  // 1. unknown or deleted (a migration may still know it)
  if ((!found || found.key.deleted) && input.migrationId) {
    found = await migrateOnVerify(deps, caller, input.key, input.migrationId);
  }
  if (!found || found.key.deleted) return notFound();
  const { key, keyspace } = found;

  // 2–5: remembered, reported only if 6–8 let them through
  let early: VerifyCode | null = null;
  if (!keyspace.workspaceEnabled) early = "FORBIDDEN";
  else if (keyspace.deleted) early = "NOT_FOUND";
  else if (!key.enabled) early = "DISABLED";
  else if (key.expires !== null && Date.now() > key.expires) early = "EXPIRED";

  // 6–7: another workspace's key, or a root key that may not verify this API's keys, is absent
  if (key.workspaceId !== caller.workspaceId) return notFound();
  if (!keyspace.apiId || !satisfies(caller, apiAction(keyspace.apiId, "verify_key"))) return notFound();
  deps.onKeyspace?.(key.keyspaceId);

  // 8: a malformed query is an HTTP 400 whatever the key's state
  const query = input.permissions !== undefined ? parsePermissionQuery(input.permissions) : null;
  if (early === "NOT_FOUND") return notFound();

  const idem = deps.idempotencyKey ? { key: deps.idempotencyKey, fingerprint: await fingerprintOf(hash, input) } : null;
  if (idem) {
    const begun = await beginIdempotent(env, key.id, idem.key, idem.fingerprint);
    if (begun.status === "replay") return begun.answer as VerifyKeyResult;
    if (begun.status === "conflict") throw idempotencyConflict();
  }

  let outcome: Outcome;
  try {
    outcome = await decide(deps, key, keyspace, input, query, early, idem);
    if (idem && !outcome.stored) {
      // NOT_FOUND answers are never stored: a retry looks again
      if (outcome.data.code === "NOT_FOUND") await abandonIdempotent(env, key.id, idem.key);
      else await completeIdempotent(env, key.id, idem.key, idem.fingerprint, outcome.data as Answer);
    }
  } catch (err) {
    if (idem) deps.waitUntil(abandonIdempotent(env, key.id, idem.key).catch(() => {}));
    throw err;
  }
  if (outcome.recorded) {
    recordVerification(
      { env, waitUntil: (p) => deps.waitUntil(p) },
      {
        requestId: deps.requestId,
        time: Date.now(),
        workspaceId: key.workspaceId,
        keySpaceId: key.keyspaceId,
        keyId: key.id,
        identityId: key.identity?.id ?? null,
        externalId: key.identity?.externalId ?? null,
        outcome: outcome.data.code,
        region: deps.region,
        tags: input.tags ?? [],
        spentCredits: outcome.spent,
        source: deps.source ?? "api",
        appId: deps.appId ?? null,
        latency: Date.now() - started,
      },
    );
    touchLastUsed(deps, key.id);
  }
  return outcome.data;
}

interface Outcome {
  data: VerifyKeyResult;
  /** credits spent */
  spent: number;
  /** whether the answer was already stored under the idempotency key (by the spend) */
  stored: boolean;
  /** whether this verification goes to analytics */
  recorded: boolean;
}

/** Steps 2–5 (remembered) and 9–12 for a key the caller may see. */
async function decide(
  deps: VerifyDeps,
  key: KeyRecord,
  keyspace: KeyspaceState,
  input: VerifyKeyInput,
  query: PermissionQuery | null,
  early: VerifyCode | null,
  idem: { key: string; fingerprint: string } | null,
): Promise<Outcome> {
  const limited = key.remaining !== null || key.refill !== null;
  const done = async (code: VerifyCode, extra: { credits?: number | null; ratelimits?: VerifyRatelimitResult[] } = {}): Promise<Outcome> => {
    let credits = extra.credits;
    // an answer that stops before the credit step still reports the live balance
    if (credits === undefined) credits = limited ? await liveBalance(deps.env, key) : null;
    return { data: keyData(key, code, credits, extra.ratelimits), spent: 0, stored: false, recorded: true };
  };
  if (early) return done(early);
  // 9. IP allowlist of the API
  if (!ipAllowed(keyspace.ipWhitelist, deps.callerIp)) return done("FORBIDDEN");
  // 10. permission query
  if (query && !evaluatePermissionQuery(query, new Set(key.permissions))) return done("INSUFFICIENT_PERMISSIONS");
  // 11. rate limits: auto-applied ones and those the request names
  let ratelimits: VerifyRatelimitResult[] | undefined;
  if (needsRatelimits(key, input)) {
    const rl = await applyKeyRatelimits(
      deps.env,
      {
        workspaceId: key.workspaceId,
        keyId: key.id,
        keyRatelimits: key.ratelimits,
        identity: key.identity ? { id: key.identity.id, externalId: key.identity.externalId, ratelimits: key.identity.ratelimits } : null,
        requested: input.ratelimits,
      },
      { events: { ctx: { env: deps.env, waitUntil: (p) => deps.waitUntil(p) }, requestId: deps.requestId } },
    );
    ratelimits = rl.results;
    if (rl.exceeded) return done("RATE_LIMITED", { ratelimits });
  }
  // 12. credits, counted by the key's UsageLimiter; unlimited keys need no call at all
  if (!limited) return done("VALID", { credits: null, ratelimits });
  const cost = input.credits?.cost ?? 1;
  const base = keyData(key, "VALID", null, ratelimits);
  const res = await spendCredits(deps.env, {
    keyId: key.id,
    cost,
    version: key.creditsVersion,
    idempotency: idem ? { ...idem, answer: base as Answer } : undefined,
  });
  switch (res.status) {
    case "replay":
      return { data: res.answer as VerifyKeyResult, spent: 0, stored: true, recorded: false };
    case "conflict":
      throw idempotencyConflict();
    case "not_found":
      // deleted since this location cached it
      return { data: notFound(), spent: 0, stored: false, recorded: false };
    case "spent":
    case "exceeded": {
      const spent = res.status === "spent" && res.remaining !== null ? cost : 0;
      const data = res.answer ? (res.answer as VerifyKeyResult) : keyData(key, res.status === "spent" ? "VALID" : "USAGE_EXCEEDED", res.remaining, ratelimits);
      return { data, spent, stored: !!res.answer, recorded: true };
    }
  }
}

/** The balance from the key's UsageLimiter; the cached snapshot if the object can't be reached. */
async function liveBalance(env: Env, key: KeyRecord): Promise<number | null> {
  try {
    const live = await readCredits(env, key.id);
    return live.found ? live.remaining : key.remaining;
  } catch {
    return key.remaining;
  }
}

function needsRatelimits(key: KeyRecord, input: VerifyKeyInput): boolean {
  if (input.ratelimits && input.ratelimits.length > 0) return true;
  if (key.ratelimits.some((r) => r.autoApply)) return true;
  return !!key.identity?.ratelimits.some((r) => r.autoApply);
}

/** The response data for a key the caller may see. Empty optional fields are omitted. */
function keyData(key: KeyRecord, code: VerifyCode, credits: number | null, ratelimits?: VerifyRatelimitResult[]): VerifyKeyResult {
  const d: VerifyKeyResult = { valid: code === "VALID", code, keyId: key.id };
  if (key.name) d.name = key.name;
  if (key.meta) d.meta = key.meta;
  if (key.expires !== null) d.expires = key.expires;
  if (credits !== null) d.credits = credits;
  d.enabled = key.enabled;
  if (key.permissions.length > 0) d.permissions = key.permissions;
  if (key.roles.length > 0) d.roles = key.roles;
  if (key.identity) {
    const identity: VerifyKeyResult["identity"] & object = { id: key.identity.id, externalId: key.identity.externalId };
    if (key.identity.meta && Object.keys(key.identity.meta).length > 0) identity.meta = key.identity.meta;
    // identity limits shadowed by a same-named key limit are not the identity's to report
    const own = new Set(key.ratelimits.map((r) => r.name));
    const limits = key.identity.ratelimits.filter((r) => !own.has(r.name));
    if (limits.length > 0) identity.ratelimits = limits;
    d.identity = identity;
  }
  if (ratelimits && ratelimits.length > 0) d.ratelimits = ratelimits;
  return d;
}

/** Same idempotency key, different request → refused rather than answered with another's result. */
function idempotencyConflict() {
  return invalidInput("The Idempotency-Key was already used with a different verification request.", [
    { location: "header.Idempotency-Key", message: "reused with a different request body", fix: "Use a new Idempotency-Key for each distinct verification." },
  ]);
}

async function fingerprintOf(hash: string, input: VerifyKeyInput): Promise<string> {
  return sha256Base64(
    JSON.stringify([hash, input.credits?.cost ?? null, input.permissions ?? null, input.ratelimits ?? null, input.tags ?? null, input.migrationId ?? null]),
  );
}

function touchLastUsed(deps: VerifyDeps, keyId: string) {
  const now = Date.now();
  const last = lastTouched.get(keyId);
  if (last !== undefined && now - last < LAST_USED_INTERVAL_MS) return;
  if (lastTouched.size > 50_000) lastTouched.clear();
  lastTouched.set(keyId, now);
  deps.waitUntil(
    deps.env.DB.prepare("UPDATE keys SET last_used_at = ? WHERE id = ?")
      .bind(now, keyId)
      .run()
      .catch(() => lastTouched.delete(keyId)),
  );
}

// ---- migrations of pre-hashed keys (§6.11) -------------------------------------------------

/** The migration algorithm whose keys are rewritten on first verification (workers/lib/keys/migrations.ts). */
const SEAM = "github.com/seamapi/prefixed-api-key";

/**
 * A native miss with a `migrationId`: find the key under the migration's hash form; when it
 * still waits for this migration, rewrite it to native form and carry on with it.
 */
async function migrateOnVerify(
  deps: VerifyDeps,
  caller: VerifyCaller,
  plaintext: string,
  migrationId: string,
): Promise<{ key: KeyRecord; keyspace: KeyspaceState } | null> {
  const d1 = deps.env.DB;
  const migration = await d1
    .prepare("SELECT id, algorithm FROM key_migrations WHERE id = ? AND workspace_id = ?")
    .bind(migrationId, caller.workspaceId)
    .first<{ id: string; algorithm: string }>();
  if (!migration) return null;
  // other algorithms are converted to the native hash at import: the miss stands
  if (migration.algorithm !== SEAM) return null;
  const parts = plaintext.split("_");
  if (parts.length < 3) throw new ApiError("unkey/authentication/malformed", "Invalid key format");
  const long = parts[parts.length - 1]!;
  const short = parts[parts.length - 2]!;
  const prefix = parts.slice(0, -2).join("_");
  const legacyHash = await sha256Hex(long);
  const start = `${prefix}_${`${short}_${long}`.slice(0, 4)}`;
  const legacy = await d1
    .prepare("SELECT id FROM keys WHERE hash = ? AND workspace_id = ? AND pending_migration_id = ? AND deleted_at IS NULL")
    .bind(legacyHash, caller.workspaceId, migration.id)
    .first<{ id: string }>();
  if (!legacy) return null;
  const nativeHash = await sha256Base64(plaintext);
  try {
    await d1
      .prepare("UPDATE keys SET hash = ?, start = ?, pending_migration_id = NULL, updated_at = ? WHERE id = ? AND pending_migration_id = ?")
      .bind(nativeHash, start, Date.now(), legacy.id, migration.id)
      .run();
  } catch {
    return null; // the native hash is taken by another key
  }
  await deps.cache.remove("keyByHash", nativeHash, legacyHash);
  return loadKey(deps.cache, d1, nativeHash);
}
