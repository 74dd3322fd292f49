import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { StoredPolicy } from "../../../workers/lib/deploy/gateway";
import type { GatewayVerifyInput, GatewayVerifyResult } from "../../../workers/api/rpc/gatewayVerifyKey";
import { runPolicies, type EngineContext } from "../../../workers/sentinel/engine";
import type { ApiRpc, SentinelEnv } from "../../../workers/sentinel/env";
import { Rejection } from "../../../workers/sentinel/errors";
import type { RequestFacts } from "../../../workers/sentinel/match";

const facts = (url: string, headers: Record<string, string> = {}, method = "GET"): RequestFacts => {
  const u = new URL(url);
  return { method, path: u.pathname, url: u, headers: new Headers(headers) };
};

/** An API stand-in: answers VALID for the key "good", INVALID otherwise, and records every call. */
function fakeApi() {
  const calls: GatewayVerifyInput[] = [];
  const api: Pick<ApiRpc, "gatewayVerifyKey"> = {
    async gatewayVerifyKey(input): Promise<GatewayVerifyResult> {
      calls.push(input);
      if (input.key !== "good") return { meta: { requestId: input.requestId }, data: { keyspaceId: "ks_1", result: { valid: false, code: "NOT_FOUND" } } };
      return { meta: { requestId: input.requestId }, data: { keyspaceId: "ks_1", result: { valid: true, code: "VALID", keyId: "key_1", meta: {} } } };
    },
  };
  return { api, calls };
}

let seq = 0;
function ctxWith(api: Pick<ApiRpc, "gatewayVerifyKey">, req: RequestFacts): EngineContext {
  // the API Worker's RATE_LIMITER namespace is the one the Sentinel counts in
  const sentinelEnv = { ...env, API: api } as unknown as SentinelEnv;
  const workspaceId = `ws_engine_${Date.now()}_${seq++}`;
  return {
    env: sentinelEnv,
    route: { hostname: "h.localhost", workspaceId, projectId: "p", appId: "a", environmentId: "e", deploymentId: `dep_${workspaceId}`, status: "ready" },
    requestId: "req_1",
    clientIp: "203.0.113.9",
    req,
    now: () => Date.now(),
  };
}

const deny = (id: string, match?: StoredPolicy["match"]): StoredPolicy => ({
  id,
  name: id,
  enabled: true,
  firewall: { action: "ACTION_DENY" },
  ...(match ? { match } : {}),
});
const keyauth = (id: string, extra: Partial<NonNullable<StoredPolicy["keyauth"]>> = {}): StoredPolicy => ({
  id,
  name: id,
  enabled: true,
  keyauth: { keyspaces: ["ks_1"], ...extra },
});
const noOpenapi = async () => {};

describe("the Sentinel's policy engine", () => {
  it("stops at the first rejection: a deny before keyauth means the key is never verified", async () => {
    const { api, calls } = fakeApi();
    const ctx = ctxWith(api, facts("https://h.localhost/admin", { authorization: "Bearer good" }));
    await expect(runPolicies(ctx, [deny("fw"), keyauth("ka")], noOpenapi)).rejects.toMatchObject({ code: "client:firewall_denied" });
    expect(calls).toHaveLength(0);
  });

  it("runs policies in their order: keyauth before a deny verifies the key, then the deny still rejects", async () => {
    const { api, calls } = fakeApi();
    const ctx = ctxWith(api, facts("https://h.localhost/admin", { authorization: "Bearer good" }));
    await expect(runPolicies(ctx, [keyauth("ka"), deny("fw")], noOpenapi)).rejects.toBeInstanceOf(Rejection);
    expect(calls.map((c) => c.policyId)).toEqual(["ka"]);
  });

  it("skips disabled policies and policies whose match does not apply", async () => {
    const { api } = fakeApi();
    const ctx = ctxWith(api, facts("https://h.localhost/public"));
    const policies = [{ ...deny("off"), enabled: false }, deny("admin-only", [{ path: { path: { prefix: "/admin" } } }])];
    const out = await runPolicies(ctx, policies, noOpenapi);
    expect(out.principal).toBeNull();
    await expect(runPolicies(ctxWith(api, facts("https://h.localhost/admin/x")), policies, noOpenapi)).rejects.toMatchObject({
      code: "client:firewall_denied",
    });
  });

  it("after one successful keyauth, later keyauth policies are not run", async () => {
    const { api, calls } = fakeApi();
    const ctx = ctxWith(api, facts("https://h.localhost/", { authorization: "Bearer good", "x-key": "other" }));
    const out = await runPolicies(ctx, [keyauth("first"), keyauth("second", { locations: [{ header: { name: "x-key" } }] })], noOpenapi);
    expect(calls.map((c) => c.policyId)).toEqual(["first"]);
    expect(out.principal).toMatchObject({ subject: "key_1", type: "API_KEY" });
    // both policies' key locations leave the forwarded request and are redacted in logs
    expect([...out.consumed.headers].sort()).toEqual(["authorization", "x-key"]);
    expect(out.redactHeaders.has("x-key")).toBe(true);
  });

  it("rejects a missing key with missing_credentials and an unknown one with invalid_key", async () => {
    const { api } = fakeApi();
    await expect(runPolicies(ctxWith(api, facts("https://h.localhost/")), [keyauth("ka")], noOpenapi)).rejects.toMatchObject({
      code: "client:missing_credentials",
    });
    await expect(runPolicies(ctxWith(api, facts("https://h.localhost/", { authorization: "Bearer bad" })), [keyauth("ka")], noOpenapi)).rejects.toMatchObject({
      code: "client:invalid_key",
    });
  });

  it("ORs the logging flags of every matching logging policy and calls the OpenAPI validation only when an openapi policy matches", async () => {
    const { api } = fakeApi();
    let validated = 0;
    const validate = async () => {
      validated++;
    };
    const policies: StoredPolicy[] = [
      { id: "l1", name: "l1", enabled: true, logging: { requestHeaders: true } },
      { id: "l2", name: "l2", enabled: true, logging: { responseBody: true } },
      { id: "oa", name: "oa", enabled: true, openapi: {}, match: [{ method: { methods: ["POST"] } }] },
    ];
    const get = await runPolicies(ctxWith(api, facts("https://h.localhost/")), policies, validate);
    expect(get.logging).toEqual({ requestHeaders: true, responseHeaders: false, requestBody: false, responseBody: true, query: false });
    expect(get.openapi).toBe(false);
    expect(validated).toBe(0);
    const post = await runPolicies(ctxWith(api, facts("https://h.localhost/", {}, "POST")), policies, validate);
    expect(post.openapi).toBe(true);
    expect(validated).toBe(1);
  });

  it("counts every matching ratelimit policy and rejects once one is exceeded, with the rate-limit headers", async () => {
    const { api } = fakeApi();
    const ctx = ctxWith(api, facts("https://h.localhost/"));
    const rl: StoredPolicy = { id: "rl", name: "rl", enabled: true, ratelimit: { limit: 2, windowMs: 60_000, identifiers: [{ remoteIp: {} }] } };
    expect((await runPolicies(ctx, [rl], noOpenapi)).limit).toMatchObject({ limit: 2, remaining: 1 });
    expect((await runPolicies(ctx, [rl], noOpenapi)).limit).toMatchObject({ limit: 2, remaining: 0 });
    const third = await runPolicies(ctx, [rl], noOpenapi).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(Rejection);
    expect((third as Rejection).code).toBe("client:rate_limited");
    expect(Object.keys((third as Rejection).headers).map((h) => h.toLowerCase())).toContain("x-ratelimit-limit");
  });
});
