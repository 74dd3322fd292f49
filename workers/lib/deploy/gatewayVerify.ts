import type { Env } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { newCache } from "../services";
import type { TieredCache } from "../cache";
import { queryKeyspace } from "../keys/loader";
import { verifyKey, type VerifyKeyResult } from "../keys/verify";
import type { StoredPolicy } from "./gateway";

/**
 * Key verification for the Sentinel's keyauth policy (ApiEntrypoint.gatewayVerifyKey).
 *
 * The Sentinel holds no root key. It names the deployment and the keyauth policy; the rule
 * itself (keyspaces, permission query, credits, rate limits) and the workspace are read here
 * from the deployment's immutable policy snapshot, so a caller of this RPC method can never
 * widen what a policy allows. The policy was written with a root key allowed to set policies;
 * the verification acts for its workspace, allowed to verify keys of exactly the policy's
 * keyspaces: a key of any other keyspace reads as NOT_FOUND, as it would for a root key
 * without verify rights on that API.
 */
export interface GatewayVerifyInput {
  deploymentId: string;
  policyId: string;
  key: string;
  requestId: string;
  /** the client address, for the API's IP allowlist */
  ip?: string;
}

export interface GatewayVerifyOk {
  ok: true;
  result: VerifyKeyResult;
  /** keyspace of the key (when known), for the Principal */
  keySpaceId: string;
}

export type GatewayVerifyResult = GatewayVerifyOk | { ok: false; status: number; code: string; detail: string };

type Rule = { workspaceId: string; appId: string; keyauth: NonNullable<StoredPolicy["keyauth"]> };
const rules = new Map<string, Rule | null>();

/** The keyauth rule of a deployment's policy snapshot (immutable, so cached for good). */
async function ruleOf(d1: D1Database, deploymentId: string, policyId: string): Promise<Rule | null> {
  const id = `${deploymentId}/${policyId}`;
  if (rules.has(id)) return rules.get(id)!;
  const row = await d1
    .prepare("SELECT workspace_id, app_id, policies FROM deployments WHERE id = ?1")
    .bind(deploymentId)
    .first<{ workspace_id: string; app_id: string; policies: string }>();
  let rule: Rule | null = null;
  if (row) {
    const policy = (JSON.parse(row.policies) as StoredPolicy[]).find((p) => p.id === policyId);
    if (policy?.keyauth) rule = { workspaceId: row.workspace_id, appId: row.app_id, keyauth: policy.keyauth };
  }
  if (rules.size > 10_000) rules.clear();
  if (row) rules.set(id, rule);
  return rule;
}

export async function gatewayVerifyKey(env: Env, ctx: ExecutionContext, input: GatewayVerifyInput): Promise<GatewayVerifyResult> {
  try {
    if (!input || typeof input.deploymentId !== "string" || typeof input.policyId !== "string" || typeof input.key !== "string") {
      throw new ApiError("unkey/application/invalid_input", "gatewayVerifyKey needs deploymentId, policyId and key.");
    }
    const rule = await ruleOf(env.DB, input.deploymentId, input.policyId);
    if (!rule) throw new ApiError("unkey/data/policy_not_found", "The deployment has no such keyauth policy.");
    const ka = rule.keyauth;
    const cache = newCache(env, ctx);
    const apiIds = await apisOfKeyspaces(cache, env.DB, rule.workspaceId, ka.keySpaceIds ?? ka.keyspaces);
    const permissions = new Set(apiIds.map((id) => `api.${id}.verify_key`));
    let keySpaceId = "";
    const result = await verifyKey(
      {
        env,
        waitUntil: (p) => ctx.waitUntil(p),
        cache,
        requestId: input.requestId || newId("req", 12),
        callerIp: input.ip ?? null,
        source: "gateway",
        appId: rule.appId,
        onKeyspace: (id) => (keySpaceId = id),
      },
      { workspaceId: rule.workspaceId, fullAccess: false, permissions },
      {
        key: input.key,
        permissions: ka.permissionQuery || undefined,
        credits: ka.credits === undefined ? undefined : { cost: ka.credits },
        ratelimits: ka.ratelimits?.map((r) => ({ name: r.name, cost: r.cost ?? 1, limit: r.limit, duration: r.duration })),
      },
    );
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
