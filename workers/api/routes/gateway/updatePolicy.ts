import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError, invalidInput } from "../../../lib/errors";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { resolvePolicies, type StoredPolicy } from "../../../lib/deploy/gateway";
import { MatchExpr, RULE_TYPES, policyRuleFields, setRule } from "../../../lib/deploy/policies";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "gateway.updatePolicy",
  summary: "Update one gateway policy",
  description:
    "Changes one policy of an environment in place (its id and position stay). Omitted fields are unchanged; `match: null` clears the conditions; a rule object (at most one) replaces the rule and may change its type. At least one field must be given. Needs `environment.*.update_policy` or `environment.<environmentId>.update_policy`.",
  errors: [404],
  body: z.object({
    project: ResourceIdentifier,
    app: ResourceIdentifier,
    environment: ResourceIdentifier,
    policyId: z.string().min(1).max(512),
    name: z.string().min(1).max(256).optional(),
    enabled: z.boolean().optional(),
    match: z.array(MatchExpr).max(10).nullable().optional(),
    ...policyRuleFields,
  }),
  data: EmptyData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const rules = RULE_TYPES.filter((t) => b[t] !== undefined);
    if (rules.length > 1)
      throw invalidInput(
        "Give at most one rule object.",
        rules.map((t) => ({ location: t, message: "only one rule per policy" })),
      );
    if (b.name === undefined && b.enabled === undefined && b.match === undefined && rules.length === 0)
      throw invalidInput("Nothing to update: give name, enabled, match or a rule.", [
        { location: "policy", message: "at least one field to update is required" },
      ]);
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "update_policy");
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    requirePermission(root, scoped("environment", "update_policy", environment.id));
    const policies = structuredClone(environment.policies as StoredPolicy[]);
    const index = policies.findIndex((p) => p.id === b.policyId);
    if (index < 0) throw new ApiError("unkey/data/policy_not_found", `The environment has no policy ${b.policyId}.`);
    const p = policies[index]!;
    if (b.name !== undefined) p.name = b.name;
    if (b.enabled !== undefined) p.enabled = b.enabled;
    if (b.match === null || (b.match && b.match.length === 0)) delete p.match;
    else if (b.match) p.match = b.match;
    if (rules.length === 1) setRule(p, b);
    const [resolved] = await resolvePolicies(d, root.workspaceId, [p], () => "");
    policies[index] = resolved!;
    await d.batch([
      d.update(schema.environments).set({ policies, updatedAt: Date.now() }).where(eq(schema.environments.id, environment.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "gateway.update_policy",
          description: `Updated policy ${p.id} (${p.name}) of environment ${environment.id}`,
          targets: [
            { type: "policy", id: p.id, name: p.name },
            { type: "environment", id: environment.id, name: environment.slug },
          ],
        },
      ]),
    ]);
    return ok(c, {});
  });
