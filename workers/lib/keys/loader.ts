import type { TieredCache } from "../cache";
import type { RatelimitConfig } from "../ratelimit/keyLimits";

/**
 * The hot-path lookup of keys.verifyKey: everything verification needs about a key, by the
 * hash of the presented secret, through the tiered cache.
 *
 * Two cache entries per key, so that a change of the API or workspace reaches every key of
 * it with one invalidation:
 * - `keyByHash:<hash>`: the key itself (state, identity and limits, permissions, roles), or
 *   `null` for an unknown hash (negative answers are cached too);
 * - `keyspaceById:<keyspaceId>`: the keyspace/API state and its workspace's `enabled` flag,
 *   invalidated by apis.deleteApi / apis.updateApi and by workspaces.updateWorkspace.
 *
 * On a miss one D1 query loads both (JSON subqueries for the lists); a key hit with a
 * keyspace miss reloads only the keyspace.
 */
export interface KeyRecord {
  id: string;
  hash: string;
  workspaceId: string;
  keyspaceId: string;
  name: string | null;
  meta: Record<string, unknown> | null;
  enabled: boolean;
  expires: number | null;
  deleted: boolean;
  createdAt: number;
  /** null = unlimited. A snapshot: the UsageLimiter Durable Object holds the live balance. */
  remaining: number | null;
  refill: { interval: "daily" | "monthly"; amount: number; refillDay: number | null } | null;
  creditsVersion: number;
  pendingMigrationId: string | null;
  identity: { id: string; externalId: string; meta: Record<string, unknown> | null; ratelimits: RatelimitConfig[] } | null;
  ratelimits: RatelimitConfig[];
  /** Slugs, direct ∪ via roles, deduplicated and sorted. */
  permissions: string[];
  /** Role names, sorted. */
  roles: string[];
}

export interface KeyspaceState {
  keyspaceId: string;
  /** The API whose handle this keyspace is; null when none exists. */
  apiId: string | null;
  workspaceId: string;
  /** keyspace or API soft-deleted (or no API at all): its keys verify as NOT_FOUND */
  deleted: boolean;
  ipWhitelist: string | null;
  workspaceEnabled: boolean;
}

const RATELIMIT_JSON = `json_object('id', r.id, 'name', r.name, 'limit', r."limit", 'duration', r.duration, 'autoApply', r.auto_apply)`;

const KEYSPACE_COLUMNS = `
  ks.id AS ks_id, ks.workspace_id AS ks_workspace_id, ks.deleted_at AS ks_deleted_at,
  a.id AS api_id, a.deleted_at AS api_deleted_at, a.ip_whitelist AS ip_whitelist,
  w.enabled AS ws_enabled, w.deleted_at AS ws_deleted_at`;

const KEYSPACE_JOINS = `
  LEFT JOIN apis a ON a.keyspace_id = ks.id
  LEFT JOIN workspaces w ON w.id = ks.workspace_id`;

/** The one query of a key-cache miss. */
const KEY_QUERY = `
SELECT
  k.id, k.hash, k.workspace_id, k.keyspace_id, k.name, k.meta, k.enabled, k.expires, k.deleted_at, k.created_at,
  k.remaining, k.refill_interval, k.refill_amount, k.refill_day, k.credits_version, k.pending_migration_id,
  i.id AS identity_id, i.external_id AS identity_external_id, i.meta AS identity_meta,
  ${KEYSPACE_COLUMNS},
  (SELECT json_group_array(${RATELIMIT_JSON}) FROM ratelimits r WHERE r.key_id = k.id) AS key_ratelimits,
  (SELECT json_group_array(${RATELIMIT_JSON}) FROM ratelimits r WHERE i.id IS NOT NULL AND r.identity_id = i.id) AS identity_ratelimits,
  (SELECT json_group_array(slug) FROM (
     SELECT p.slug AS slug FROM keys_permissions kp JOIN permissions p ON p.id = kp.permission_id WHERE kp.key_id = k.id
     UNION
     SELECT p.slug AS slug FROM keys_roles kr
       JOIN roles_permissions rp ON rp.role_id = kr.role_id
       JOIN permissions p ON p.id = rp.permission_id
     WHERE kr.key_id = k.id)) AS permissions,
  (SELECT json_group_array(ro.name) FROM keys_roles kr JOIN roles ro ON ro.id = kr.role_id WHERE kr.key_id = k.id) AS roles
FROM keys k
LEFT JOIN keyspaces ks ON ks.id = k.keyspace_id
${KEYSPACE_JOINS}
LEFT JOIN identities i ON i.id = k.identity_id AND i.deleted_at IS NULL
WHERE k.hash = ?
LIMIT 1`;

const KEYSPACE_QUERY = `
SELECT ${KEYSPACE_COLUMNS}
FROM keyspaces ks
${KEYSPACE_JOINS}
WHERE ks.id = ?
LIMIT 1`;

type Row = Record<string, unknown>;

function parseJson<T>(v: unknown, fallback: T): T {
  if (typeof v !== "string" || v === "") return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

function toRatelimits(v: unknown): RatelimitConfig[] {
  return parseJson<Array<RatelimitConfig & { autoApply: unknown }>>(v, [])
    .filter((r) => r && r.id)
    .map((r) => ({ id: r.id, name: r.name, limit: r.limit, duration: r.duration, autoApply: !!r.autoApply }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function toStrings(v: unknown): string[] {
  return [...new Set(parseJson<unknown[]>(v, []).filter((x): x is string => typeof x === "string"))].sort();
}

function keyspaceFromRow(r: Row, keyspaceId: string): KeyspaceState {
  if (r.ks_id == null) {
    return { keyspaceId, apiId: null, workspaceId: "", deleted: true, ipWhitelist: null, workspaceEnabled: false };
  }
  return {
    keyspaceId,
    apiId: (r.api_id as string | null) ?? null,
    workspaceId: r.ks_workspace_id as string,
    deleted: r.ks_deleted_at != null || r.api_id == null || r.api_deleted_at != null,
    ipWhitelist: ((r.ip_whitelist as string | null) ?? "").trim() || null,
    workspaceEnabled: r.ws_enabled != null && !!r.ws_enabled && r.ws_deleted_at == null,
  };
}

function keyFromRow(r: Row): KeyRecord {
  const interval = r.refill_interval as "daily" | "monthly" | null;
  return {
    id: r.id as string,
    hash: r.hash as string,
    workspaceId: r.workspace_id as string,
    keyspaceId: r.keyspace_id as string,
    name: (r.name as string | null) ?? null,
    meta: parseJson<Record<string, unknown> | null>(r.meta, null),
    enabled: !!r.enabled,
    expires: (r.expires as number | null) ?? null,
    deleted: r.deleted_at != null,
    createdAt: r.created_at as number,
    remaining: (r.remaining as number | null) ?? null,
    refill: interval && r.refill_amount != null ? { interval, amount: r.refill_amount as number, refillDay: (r.refill_day as number | null) ?? null } : null,
    creditsVersion: (r.credits_version as number) ?? 0,
    pendingMigrationId: (r.pending_migration_id as string | null) ?? null,
    identity:
      r.identity_id != null
        ? {
            id: r.identity_id as string,
            externalId: r.identity_external_id as string,
            meta: parseJson<Record<string, unknown> | null>(r.identity_meta, null),
            ratelimits: toRatelimits(r.identity_ratelimits),
          }
        : null,
    ratelimits: toRatelimits(r.key_ratelimits),
    permissions: toStrings(r.permissions),
    roles: toStrings(r.roles),
  };
}

/** One D1 round trip: the key and its keyspace state, or null for an unknown hash. */
export async function queryKeyByHash(d1: D1Database, hash: string): Promise<{ key: KeyRecord; keyspace: KeyspaceState } | null> {
  const row = await d1.prepare(KEY_QUERY).bind(hash).first<Row>();
  if (!row) return null;
  const key = keyFromRow(row);
  return { key, keyspace: keyspaceFromRow(row, key.keyspaceId) };
}

export async function queryKeyspace(d1: D1Database, keyspaceId: string): Promise<KeyspaceState> {
  const row = await d1.prepare(KEYSPACE_QUERY).bind(keyspaceId).first<Row>();
  return keyspaceFromRow(row ?? {}, keyspaceId);
}

/**
 * The key (or null) and its keyspace state, through the tiered cache. A warm isolate answers
 * from memory without any I/O.
 */
export async function loadKey(cache: TieredCache, d1: D1Database, hash: string): Promise<{ key: KeyRecord; keyspace: KeyspaceState } | null> {
  let seeded: KeyspaceState | undefined;
  const key = await cache.swr("keyByHash", hash, async () => {
    const found = await queryKeyByHash(d1, hash);
    if (!found) return null;
    seeded = found.keyspace;
    cache.set("keyspaceById", found.key.keyspaceId, found.keyspace);
    return found.key;
  });
  if (!key) return null;
  const keyspace = seeded ?? (await cache.swr("keyspaceById", key.keyspaceId, () => queryKeyspace(d1, key.keyspaceId)));
  return { key, keyspace };
}
