import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { resolvePolicies } from "../../../lib/deploy/gateway";
import { PolicyInput, toStoredPolicy } from "../../../lib/deploy/policies";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "gateway.setPolicies",
  summary: "Replace gateway policies",
  description:
    "Replaces all policies of an environment, in order, in one step; every policy gets a fresh `pol_` id and an empty list removes them all. If any policy is invalid nothing is written. Keyspaces of keyauth policies may be keyspace or API ids of the workspace (404 otherwise). New deployments of the environment take the new policies. Needs `environment.*.set_policies` or `environment.<environmentId>.set_policies`.",
  errors: [404],
  body: z.object({ project: ResourceIdentifier, app: ResourceIdentifier, environment: ResourceIdentifier, policies: z.array(PolicyInput).max(50) }),
  data: EmptyData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "set_policies");
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    requirePermission(root, scoped("environment", "set_policies", environment.id));
    const stored = await resolvePolicies(
      d,
      root.workspaceId,
      b.policies.map((p) => toStoredPolicy(newId("pol"), p)),
      (i) => `policies[${i}]`,
    );
    const target = { type: "environment", id: environment.id, name: environment.slug };
    const events = stored.length
      ? stored.map((p, i) => ({
          event: "gateway.set_policy",
          description: `Set policy ${p.id} (${p.name}) at position ${i} of environment ${environment.id}`,
          targets: [{ type: "policy", id: p.id, name: p.name }, target],
        }))
      : [{ event: "gateway.set_policy", description: `Removed all policies of environment ${environment.id}`, targets: [target] }];
    await d.batch([
      d.update(schema.environments).set({ policies: stored, updatedAt: Date.now() }).where(eq(schema.environments.id, environment.id)),
      ...auditInserts(c.var.scope, root.workspaceId, events),
    ]);
    return ok(c, {});
  });
