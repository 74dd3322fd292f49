import { eq } from "drizzle-orm";
import type { Env } from "../env";
import type { TieredCache } from "../cache";
import { ApiError } from "../errors";
import { sha256Base64 } from "../crypto";
import { db, schema } from "../db";
import { describeMissing, satisfies, type Grants, type Requirement } from "./permissions";

export interface RootKeyContext extends Grants {
  id: string;
  name: string | null;
  workspaceId: string;
  workspace: {
    id: string;
    name: string;
    enabled: boolean;
    apiRateLimitPerMinute: number | null;
    analyticsEnabled: boolean;
    analyticsRetentionDays: number;
    auditRetentionDays: number;
  };
}

type RootKeyRow = {
  id: string;
  name: string | null;
  workspaceId: string;
  permissions: string[];
  fullAccess: boolean;
  enabled: boolean;
  expires: number | null;
  deleted: boolean;
  workspace: RootKeyContext["workspace"] | null;
};

/** One D1 query: the root key and its workspace. Cached by hash (also negative answers). */
async function loadRootKey(d1: D1Database, hash: string): Promise<RootKeyRow | null> {
  const rows = await db(d1)
    .select({ key: schema.rootKeys, ws: schema.workspaces })
    .from(schema.rootKeys)
    .leftJoin(schema.workspaces, eq(schema.workspaces.id, schema.rootKeys.workspaceId))
    .where(eq(schema.rootKeys.hash, hash))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const { key, ws } = row;
  return {
    id: key.id,
    name: key.name,
    workspaceId: key.workspaceId,
    permissions: key.permissions,
    fullAccess: key.fullAccess,
    enabled: key.enabled,
    expires: key.expires,
    deleted: key.deletedAt !== null,
    workspace:
      ws && ws.deletedAt === null
        ? {
            id: ws.id,
            name: ws.name,
            enabled: ws.enabled,
            apiRateLimitPerMinute: ws.apiRateLimitPerMinute,
            analyticsEnabled: ws.analyticsEnabled,
            analyticsRetentionDays: ws.analyticsRetentionDays,
            auditRetentionDays: ws.auditRetentionDays,
          }
        : null,
  };
}

const INVALID = "The provided root key is invalid.";

/** The grants of a cached row as a Set, built once per cached row and isolate. */
const permissionSets = new WeakMap<RootKeyRow, ReadonlySet<string>>();
function permissionSet(row: RootKeyRow): ReadonlySet<string> {
  let set = permissionSets.get(row);
  if (!set) permissionSets.set(row, (set = new Set(row.permissions)));
  return set;
}

/**
 * Root key token → its SHA-256, per isolate. Most traffic reuses one root key, and hashing it
 * (an async WebCrypto call) was the biggest fixed cost of a warm request after the body. A
 * token stays here at most a minute after its first use and the isolate already holds every
 * request's token while serving it; bounded, so a spray of bogus tokens only evicts.
 */
// A plain Map, not lru-cache's ttl (which arms a timer on every read to cache the clock).
const TOKEN_HASH_TTL_MS = 60_000;
const MAX_TOKEN_HASHES = 1_000;
const tokenHashes = new Map<string, { hash: string; until: number }>();

export async function rootKeyHash(token: string): Promise<string> {
  const now = Date.now();
  const hit = tokenHashes.get(token);
  if (hit && hit.until > now) return hit.hash;
  const hash = await sha256Base64(token);
  if (tokenHashes.size >= MAX_TOKEN_HASHES) tokenHashes.clear();
  // never extended on reads: a token leaves memory a minute after it was hashed
  tokenHashes.set(token, { hash, until: now + TOKEN_HASH_TTL_MS });
  return hash;
}

/** The context handed to handlers, built once per cached row (it holds no per-request state). */
const contexts = new WeakMap<RootKeyRow, RootKeyContext>();

/**
 * The checks of keys-and-apis §7.3 on a root key token, without any HTTP context: shared by
 * HTTP routes (workers/api/middleware/auth.ts) and service-binding RPC. The workspace rate limit is the caller's.
 */
export async function authenticateRootKey(env: Env, cache: TieredCache, token: string): Promise<RootKeyContext> {
  const hash = await rootKeyHash(token);
  const row = await cache.swr("rootKeyByHash", hash, () => loadRootKey(env.DB, hash));
  if (!row || row.deleted) {
    throw new ApiError("unkey/authentication/key_not_found", `${INVALID} We could not find the requested key.`);
  }
  if (!row.enabled) throw new ApiError("unkey/authorization/key_disabled", `${INVALID} The key is disabled.`);
  if (row.expires !== null && row.expires < Date.now()) {
    throw new ApiError("unkey/authorization/forbidden", `${INVALID} the key has expired on ${new Date(row.expires).toISOString()}`);
  }
  if (!row.workspace) {
    throw new ApiError("unkey/data/workspace_not_found", `${INVALID} The requested workspace does not exist.`);
  }
  if (!row.workspace.enabled) {
    throw new ApiError("unkey/authorization/workspace_disabled", `${INVALID} The workspace is disabled.`);
  }
  let ctx = contexts.get(row);
  if (!ctx) {
    ctx = {
      id: row.id,
      name: row.name,
      workspaceId: row.workspaceId,
      workspace: row.workspace,
      fullAccess: row.fullAccess,
      permissions: permissionSet(row),
    };
    contexts.set(row, ctx);
  }
  return ctx;
}

/** Throws the standard 403 unless the root key satisfies `req`. */
export function requirePermission(root: Grants, req: Requirement): void {
  if (!satisfies(root, req)) {
    throw new ApiError("unkey/authorization/insufficient_permissions", describeMissing(req, root));
  }
}
