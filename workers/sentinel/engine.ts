import type { Env } from "../lib/env";
import type { StoredPolicy } from "../lib/deploy/gateway";
import type { KeyLocationT, LoggingRuleT, RatelimitIdentifierT } from "../lib/deploy/policies";
import { ruleType } from "../lib/deploy/policies";
import { checkLimits } from "../lib/ratelimit/service";
import { createScope } from "../lib/scope";
import { Rejection } from "./errors";
import { policyMatches, type RequestFacts } from "./match";
import { buildPrincipal, principalField, type Principal } from "./principal";
import { mergeLimit, limitHeaders, type LimitState } from "./ratelimitHeaders";
import type { SentinelEnv } from "./env";
import type { Route } from "./routing";

/**
 * Runs a deployment's policies top to bottom (sentinel-deploy §1.3): disabled or non-matching
 * policies are skipped; the first rejection ends the walk; after one successful auth policy the
 * others are skipped; every matching ratelimit counts; logging flags are OR-ed; unknown types
 * are skipped.
 */
export interface EngineResult {
  principal: Principal | null;
  limit: LimitState | null;
  logging: Required<LoggingRuleT>;
  /** header / query names that carried keys (redacted in logs) */
  redactHeaders: Set<string>;
  redactQuery: Set<string>;
  /** where matching keyauth policies read keys: removed from the forwarded request unless `forwardKey` */
  consumed: { headers: Set<string>; query: Set<string> };
  /** whether an openapi policy matched (validated by the caller, which owns the spec cache) */
  openapi: boolean;
}

export interface EngineContext {
  env: SentinelEnv;
  route: Route;
  requestId: string;
  clientIp: string;
  req: RequestFacts;
  now: () => number;
  /** the invocation's waitUntil (tests may leave it out) */
  waitUntil?: (p: Promise<unknown>) => void;
}

const ignore = (p: Promise<unknown>) => void p.catch(() => {});

export async function runPolicies(ctx: EngineContext, policies: StoredPolicy[], validateOpenapi: () => Promise<void>): Promise<EngineResult> {
  const out: EngineResult = {
    principal: null,
    limit: null,
    logging: { requestHeaders: false, responseHeaders: false, requestBody: false, responseBody: false, query: false },
    redactHeaders: new Set(),
    redactQuery: new Set(),
    consumed: { headers: new Set(), query: new Set() },
    openapi: false,
  };
  // key locations are redacted whether or not the policy ran
  for (const p of policies)
    for (const loc of p.keyauth?.locations ?? []) {
      if (loc.header) out.redactHeaders.add(loc.header.name.toLowerCase());
      if (loc.queryParam) out.redactQuery.add(loc.queryParam.name);
    }
  try {
    for (const p of policies) {
      if (p.enabled !== true) continue;
      const type = ruleType(p);
      if (!type) continue;
      if (!policyMatches(p.match, ctx.req)) continue;
      switch (type) {
        case "firewall":
          if (p.firewall?.action === "ACTION_DENY") throw new Rejection("client:firewall_denied");
          break;
        case "keyauth":
          consumeKeyLocations(p, out);
          if (out.principal) break;
          out.principal = await keyauth(ctx, p, out);
          break;
        case "ratelimit":
          await ratelimit(ctx, p, out);
          break;
        case "openapi":
          out.openapi = true;
          await validateOpenapi();
          break;
        case "logging":
          for (const k of Object.keys(out.logging) as (keyof LoggingRuleT)[]) out.logging[k] ||= p.logging?.[k] === true;
          break;
      }
    }
  } catch (e) {
    if (e instanceof Rejection) {
      const h = limitHeaders(out.limit, ctx.now());
      throw new Rejection(e.code, e.detail, { ...h, ...e.headers });
    }
    throw e;
  }
  return out;
}

/** The key stays between client and gateway: the app gets the Principal, not the credential. */
function consumeKeyLocations(p: StoredPolicy, out: EngineResult) {
  if (p.keyauth!.forwardKey === true) return;
  for (const loc of keyLocations(p.keyauth!.locations)) {
    if (loc.bearer) out.consumed.headers.add("authorization");
    if (loc.header) out.consumed.headers.add(loc.header.name.toLowerCase());
    if (loc.queryParam) out.consumed.query.add(loc.queryParam.name);
  }
}

const keyLocations = (locations: KeyLocationT[] | undefined): KeyLocationT[] => (locations && locations.length > 0 ? locations : [{ bearer: {} }]);

/** First non-empty location wins; Bearer strips the scheme case-insensitively. */
export function extractKey(locations: KeyLocationT[] | undefined, req: RequestFacts): string | null {
  for (const loc of keyLocations(locations)) {
    let v: string | null = null;
    if (loc.bearer) {
      const h = req.headers.get("authorization")?.trim() ?? "";
      v = /^bearer\s+/i.test(h) ? h.replace(/^bearer\s+/i, "").trim() : "";
    } else if (loc.header) {
      const h = req.headers.get(loc.header.name);
      if (h !== null) {
        const prefix = loc.header.stripPrefix;
        v = prefix ? (h.toLowerCase().startsWith(prefix.toLowerCase()) ? h.slice(prefix.length).trim() : "") : h.trim();
      }
    } else if (loc.queryParam) {
      v = req.url.searchParams.get(loc.queryParam.name);
    }
    if (v) return v;
  }
  return null;
}

async function keyauth(ctx: EngineContext, policy: StoredPolicy, out: EngineResult): Promise<Principal> {
  const key = extractKey(policy.keyauth!.locations, ctx.req);
  if (!key) throw new Rejection("client:missing_credentials");
  // the API reads the rule from the deployment's snapshot: the Sentinel only names it
  const res = await ctx.env.API.gatewayVerifyKey({
    deploymentId: ctx.route.deploymentId,
    policyId: policy.id,
    key,
    requestId: ctx.requestId,
    ip: ctx.clientIp,
  });
  if ("error" in res) {
    if (res.error.status === 400) throw new Rejection("config:invalid_configuration", `The keyauth policy is invalid: ${res.error.detail}`);
    throw new Rejection("platform:internal_server_error", `Key verification failed: ${res.error.detail}`);
  }
  const verified = res.data;
  for (const rl of verified.result.ratelimits ?? []) {
    out.limit = mergeLimit(out.limit, { limit: rl.limit, remaining: rl.remaining, reset: rl.reset, denied: rl.exceeded });
  }
  switch (verified.result.code) {
    case "VALID":
      return buildPrincipal(verified);
    case "INSUFFICIENT_PERMISSIONS":
      throw new Rejection("client:insufficient_permissions");
    case "RATE_LIMITED":
      throw new Rejection("client:rate_limited");
    case "USAGE_EXCEEDED":
      throw new Rejection("client:usage_exceeded");
    default:
      throw new Rejection("client:invalid_key");
  }
}

/** `\` and `:` escaped so compound parts cannot collide. */
const escapePart = (s: string) => s.replace(/\\/g, "\\\\").replace(/:/g, "\\:");

export function identifierPart(id: RatelimitIdentifierT, ctx: { clientIp: string; req: RequestFacts }, principal: Principal | null): string | undefined {
  if (id.remoteIp) return ctx.clientIp || undefined;
  if (id.header) return ctx.req.headers.get(id.header.name) ?? undefined;
  if (id.authenticatedSubject) return principal?.subject;
  if (id.path) return ctx.req.path;
  if (id.principalField) return principalField(principal, id.principalField.path);
  return undefined;
}

/** DO windows are at least a second long; shorter windows are counted over one second. */
export const MIN_WINDOW_MS = 1000;

async function ratelimit(ctx: EngineContext, p: StoredPolicy, out: EngineResult) {
  const rule = p.ratelimit!;
  const parts = rule.identifiers.map((id) => identifierPart(id, ctx, out.principal));
  if (parts.every((x) => x === undefined || x === "")) {
    throw new Rejection("client:rate_limited", "The rate limit identifier could not be resolved for this request.");
  }
  const identifier = parts.length === 1 ? parts[0]! : parts.map((x) => (x ? escapePart(x) : "unknown")).join(":");
  // the API's rate-limit service (lib/ratelimit/service.ts) on the shared RateLimiter objects:
  // a policy counts under its own counter name, which has no stored overrides (no lookup);
  // the gateway request log records the outcome, so no rate-limit event is sent from here
  const scope = createScope({ env: ctx.env as unknown as Env, waitUntil: ctx.waitUntil ?? ignore, requestId: ctx.requestId });
  const res = await checkLimits(
    scope,
    ctx.route.workspaceId,
    [{ namespace: { stored: false, name: `gateway:${p.id}` }, identifier, limit: rule.limit, duration: Math.max(MIN_WINDOW_MS, rule.windowMs), cost: 1 }],
    { record: false, now: ctx.now() },
  );
  const r = res.results[0]!;
  out.limit = mergeLimit(out.limit, { limit: r.limit, remaining: r.remaining, reset: r.reset, denied: !res.passed });
  if (!res.passed) throw new Rejection("client:rate_limited");
}
