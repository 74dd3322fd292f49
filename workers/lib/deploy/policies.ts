import { z } from "@hono/zod-openapi";
import { RE2JS } from "re2js";

/**
 * Gateway policies (sentinel-deploy §1.2–§1.4): the schemas the management API validates
 * with, and the types the Sentinel evaluates. Stored per environment in list order, copied
 * into each deployment when it is created.
 */

/**
 * Match-rule regexes are RE2 (sentinel-deploy §1.3): compiled with re2js, which matches in
 * linear time, so no pattern can backtrack exponentially (`^/(a+)+$`). What RE2 does not
 * support (backreferences, lookaround) is refused here, at write time.
 */
export function compileRegex(pattern: string, ignoreCase = false): RE2JS {
  return RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
}

export function regexProblem(pattern: string, ignoreCase = false): string | null {
  try {
    compileRegex(pattern, ignoreCase);
    return null;
  } catch (e) {
    return `not a valid RE2 regular expression: ${(e as Error).message}`;
  }
}

const matchText = z.string().min(1).max(1024);
export const StringMatch = z
  .object({ exact: matchText.optional(), prefix: matchText.optional(), regex: matchText.optional(), ignoreCase: z.boolean().optional() })
  .strict()
  .superRefine((m, ctx) => {
    const set = [m.exact, m.prefix, m.regex].filter((v) => v !== undefined).length;
    if (set !== 1) ctx.addIssue({ code: "custom", message: "set exactly one of exact, prefix or regex" });
    if (m.regex !== undefined) {
      const problem = regexProblem(m.regex, m.ignoreCase);
      if (problem) ctx.addIssue({ code: "custom", path: ["regex"], message: problem });
    }
  })
  .openapi("GatewayStringMatch");

const nameMatch = z
  .object({ name: z.string().min(1).max(256), present: z.literal(true).optional(), value: StringMatch.optional() })
  .strict()
  .superRefine((m, ctx) => {
    if (m.present !== undefined && m.value !== undefined) ctx.addIssue({ code: "custom", message: "set either present or value, not both" });
  });

export const MatchExpr = z
  .object({
    path: z.object({ path: StringMatch }).strict().optional(),
    method: z
      .object({ methods: z.array(z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])).min(1) })
      .strict()
      .optional(),
    header: nameMatch.optional(),
    queryParam: nameMatch.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const set = Object.values(m).filter((v) => v !== undefined).length;
    if (set !== 1) ctx.addIssue({ code: "custom", message: "a match condition sets exactly one of path, method, header or queryParam" });
  })
  .openapi("GatewayMatchExpr");

const emptyObject = z.object({}).strict();

export const KeyLocation = z
  .object({
    bearer: emptyObject.optional(),
    header: z
      .object({ name: z.string().min(1).max(256), stripPrefix: z.string().max(256).optional() })
      .strict()
      .optional(),
    queryParam: z
      .object({ name: z.string().min(1).max(256) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (Object.values(m).filter((v) => v !== undefined).length !== 1)
      ctx.addIssue({ code: "custom", message: "a key location sets exactly one of bearer, header or queryParam" });
  });

export const KeyAuthRule = z
  .object({
    keyspaces: z.array(z.string().min(1).max(256)).min(1).max(5),
    locations: z.array(KeyLocation).optional(),
    permissionQuery: z.string().max(1000).optional(),
    ratelimits: z
      .array(
        z
          .object({
            name: z.string().min(1).max(256),
            limit: z.number().int().min(1).optional(),
            duration: z.number().int().min(1).optional(),
            cost: z.number().int().min(1).optional(),
          })
          .strict()
          .superRefine((r, ctx) => {
            if ((r.limit === undefined) !== (r.duration === undefined)) ctx.addIssue({ code: "custom", message: "limit and duration are set together" });
          }),
      )
      .max(10)
      .optional(),
    credits: z.number().int().min(0).optional(),
    /** our extension: pass the key's header / query parameter on to the app (default: removed) */
    forwardKey: z.boolean().optional(),
  })
  .strict();

export const RatelimitIdentifier = z
  .object({
    remoteIp: emptyObject.optional(),
    header: z
      .object({ name: z.string().min(1).max(256) })
      .strict()
      .optional(),
    authenticatedSubject: emptyObject.optional(),
    path: emptyObject.optional(),
    principalField: z
      .object({ path: z.string().min(1).max(512) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (Object.values(m).filter((v) => v !== undefined).length !== 1) ctx.addIssue({ code: "custom", message: "an identifier sets exactly one source" });
  });

export const RatelimitRule = z
  .object({
    limit: z.number().int().min(1),
    windowMs: z.number().int().min(1),
    identifier: RatelimitIdentifier.optional(),
    identifiers: z.array(RatelimitIdentifier).min(1).max(5).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.identifier === undefined) === (r.identifiers === undefined))
      ctx.addIssue({ code: "custom", message: "set exactly one of identifiers or identifier" });
  });

export const FirewallRule = z.object({ action: z.enum(["ACTION_DENY"]) }).strict();
export const OpenapiRule = emptyObject;
export const LoggingRule = z
  .object({
    requestHeaders: z.boolean().optional(),
    responseHeaders: z.boolean().optional(),
    requestBody: z.boolean().optional(),
    responseBody: z.boolean().optional(),
    query: z.boolean().optional(),
  })
  .strict();

export const RULE_TYPES = ["keyauth", "ratelimit", "firewall", "openapi", "logging"] as const;
export type RuleType = (typeof RULE_TYPES)[number];

const ruleFields = {
  keyauth: KeyAuthRule.optional(),
  ratelimit: RatelimitRule.optional(),
  firewall: FirewallRule.optional(),
  openapi: OpenapiRule.optional(),
  logging: LoggingRule.optional(),
};

export const PolicyInput = z
  .object({
    name: z.string().min(1).max(256),
    enabled: z.boolean(),
    match: z.array(MatchExpr).max(10).optional(),
    ...ruleFields,
  })
  .strict()
  .superRefine((p, ctx) => {
    const n = RULE_TYPES.filter((t) => p[t] !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: "custom", message: "a policy sets exactly one of keyauth, ratelimit, firewall, openapi or logging" });
  })
  .openapi("GatewayPolicy");

export const PolicyResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    match: z.array(MatchExpr).optional(),
    ...ruleFields,
  })
  .openapi("GatewayPolicyResponse");

/** The update body's rule fields (at most one; checked by the handler). */
export const policyRuleFields = ruleFields;

export type StringMatchT = z.infer<typeof StringMatch>;
export type MatchExprT = z.infer<typeof MatchExpr>;
export type KeyLocationT = z.infer<typeof KeyLocation>;
export type KeyAuthRuleT = z.infer<typeof KeyAuthRule>;
export type RatelimitIdentifierT = z.infer<typeof RatelimitIdentifier>;
export type RatelimitRuleT = z.infer<typeof RatelimitRule>;
export type LoggingRuleT = z.infer<typeof LoggingRule>;

/** A stored policy: the API shape with its id, `identifier` normalised into `identifiers`. */
export interface Policy {
  id: string;
  name: string;
  enabled: boolean;
  match?: MatchExprT[];
  keyauth?: KeyAuthRuleT;
  ratelimit?: { limit: number; windowMs: number; identifiers: RatelimitIdentifierT[] };
  firewall?: { action: "ACTION_DENY" };
  openapi?: Record<string, never>;
  logging?: LoggingRuleT;
}

export function ruleType(p: Policy): RuleType | undefined {
  return RULE_TYPES.find((t) => p[t] !== undefined);
}

/** Normalises one validated input policy for storage. */
export function toStoredPolicy(id: string, p: z.infer<typeof PolicyInput>): Policy {
  const out: Policy = { id, name: p.name, enabled: p.enabled };
  if (p.match && p.match.length > 0) out.match = p.match;
  setRule(out, p);
  return out;
}

export function setRule(out: Policy, p: Partial<Record<RuleType, unknown>>) {
  for (const t of RULE_TYPES) delete out[t];
  if (p.keyauth) out.keyauth = p.keyauth as KeyAuthRuleT;
  if (p.ratelimit) {
    const r = p.ratelimit as z.infer<typeof RatelimitRule>;
    out.ratelimit = { limit: r.limit, windowMs: r.windowMs, identifiers: r.identifiers ?? [r.identifier!] };
  }
  if (p.firewall) out.firewall = p.firewall as { action: "ACTION_DENY" };
  if (p.openapi) out.openapi = {};
  if (p.logging) out.logging = p.logging as LoggingRuleT;
}
