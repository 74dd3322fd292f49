import { ApiError } from "../../lib/errors";
import type { TieredCache } from "../../lib/cache";
import type { RequestScope } from "../../lib/scope";
import { queryKeyspace } from "../../lib/keys/loader";
import { verifyDeps, verifyKey, type VerifyKeyResult } from "../../lib/keys/verify";
import { storedKeyspaceIds, type StoredPolicy } from "../../lib/deploy/gateway";
import { rpcFailure, type RpcEnvelope } from "./envelope";

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

export interface GatewayVerifyData {
  result: VerifyKeyResult;
  /** keyspace of the key (when known), for the Principal */
  keyspaceId: string;
}

/** The envelope every ApiEntrypoint method answers with (./envelope.ts). */
export type GatewayVerifyResult = RpcEnvelope<GatewayVerifyData>;

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

/** `scope`'s request id is the Sentinel's (ApiEntrypoint builds the scope with it). */
export async function gatewayVerifyKey(scope: RequestScope, input: GatewayVerifyInput): Promise<GatewayVerifyResult> {
  try {
    if (!input || typeof input.deploymentId !== "string" || typeof input.policyId !== "string" || typeof input.key !== "string") {
      throw new ApiError("unkey/application/invalid_input", "gatewayVerifyKey needs deploymentId, policyId and key.");
    }
    const { env, cache } = scope;
    const rule = await ruleOf(env.DB, input.deploymentId, input.policyId);
    if (!rule) throw new ApiError("unkey/data/policy_not_found", "The deployment has no such keyauth policy.");
    const ka = rule.keyauth;
    const apiIds = await apisOfKeyspaces(cache, env.DB, rule.workspaceId, storedKeyspaceIds(ka));
    const permissions = new Set(apiIds.map((id) => `api.${id}.verify_key`));
    let keyspaceId = "";
    const result = await verifyKey(
      verifyDeps(scope, { callerIp: input.ip ?? null, source: "gateway", appId: rule.appId, onKeyspace: (id) => (keyspaceId = id) }),
      { workspaceId: rule.workspaceId, fullAccess: false, permissions },
      {
        key: input.key,
        permissions: ka.permissionQuery || undefined,
        credits: ka.credits === undefined ? undefined : { cost: ka.credits },
        ratelimits: ka.ratelimits?.map((r) => ({ name: r.name, cost: r.cost ?? 1, limit: r.limit, duration: r.duration })),
      },
    );
    return { meta: { requestId: scope.requestId }, data: { result, keyspaceId } };
  } catch (err) {
    return rpcFailure(scope.requestId, "gatewayVerifyKey", err);
  }
}

/** The APIs of the policy's keyspaces, through the same cache verification uses. */
async function apisOfKeyspaces(cache: TieredCache, d1: D1Database, workspaceId: string, keyspaceIds: string[]): Promise<string[]> {
  const states = await Promise.all(keyspaceIds.map((id) => cache.swr("keyspaceById", id, () => queryKeyspace(d1, id))));
  return states.flatMap((s) => (s && s.workspaceId === workspaceId && s.apiId && !s.deleted ? [s.apiId] : []));
}
