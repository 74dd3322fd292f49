import type { Env } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { newCache } from "../services";
import { sha256Base64 } from "../crypto";
import { loadKey, queryKeyspace } from "../keys/loader";
import type { TieredCache } from "../cache";
import { verifyKey, type VerifyKeyResult } from "../keys/verify";

/**
 * Key verification for the Sentinel's keyauth policy (ApiEntrypoint.gatewayVerifyKey). The
 * Sentinel holds no root key: the policy itself, written with a root key allowed to set
 * policies, names the keyspaces. So the caller here is the workspace of the route, allowed to
 * verify keys of exactly those keyspaces' APIs; a key of any other keyspace reads as NOT_FOUND,
 * as it would for a root key without verify rights.
 */
export interface GatewayVerifyInput {
  workspaceId: string;
  /** resolved keyspace ids of the policy */
  keySpaceIds: string[];
  key: string;
  permissionQuery?: string;
  credits?: number;
  ratelimits?: { name: string; limit?: number; duration?: number; cost?: number }[];
  appId: string;
  requestId: string;
  ip?: string;
}

export interface GatewayVerifyOk {
  ok: true;
  result: VerifyKeyResult;
  /** keyspace of the key (VALID or a failure code for a known key), for the Principal */
  keySpaceId: string;
}

export type GatewayVerifyResult = GatewayVerifyOk | { ok: false; status: number; code: string; detail: string };

export async function gatewayVerifyKey(env: Env, ctx: ExecutionContext, input: GatewayVerifyInput): Promise<GatewayVerifyResult> {
  try {
    const cache = newCache(env, ctx);
    const apiIds = await apisOfKeyspaces(cache, env.DB, input.workspaceId, input.keySpaceIds);
    const permissions = new Set(apiIds.map((id) => `api.${id}.verify_key`));
    const result = await verifyKey(
      {
        env,
        waitUntil: (p) => ctx.waitUntil(p),
        cache,
        requestId: input.requestId || newId("req", 12),
        callerIp: input.ip ?? null,
        source: "gateway",
        appId: input.appId,
      },
      { workspaceId: input.workspaceId, fullAccess: false, permissions },
      {
        key: input.key,
        permissions: input.permissionQuery || undefined,
        credits: input.credits === undefined ? undefined : { cost: input.credits },
        ratelimits: input.ratelimits?.map((r) => ({ name: r.name, cost: r.cost ?? 1, limit: r.limit, duration: r.duration })),
      },
    );
    let keySpaceId = "";
    if (result.keyId) {
      const found = await loadKey(cache, env.DB, await sha256Base64(input.key));
      keySpaceId = found?.key.keyspaceId ?? "";
    }
    return { ok: true, result, keySpaceId };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, status: err.status, code: err.code, detail: err.detail };
    console.error("gatewayVerifyKey failed", err instanceof Error ? err.stack : err);
    return { ok: false, status: 500, code: "unkey/application/unexpected_error", detail: "verification failed" };
  }
}

/** The APIs of the policy's keyspaces, through the same cache verification uses. */
async function apisOfKeyspaces(cache: TieredCache, d1: D1Database, workspaceId: string, keySpaceIds: string[]): Promise<string[]> {
  const states = await Promise.all(keySpaceIds.map((id) => cache.swr("keyspaceById", id, () => queryKeyspace(d1, id))));
  return states.flatMap((s) => (s && s.workspaceId === workspaceId && s.apiId && !s.deleted ? [s.apiId] : []));
}
