import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { policyResponse, type StoredPolicy } from "../../../lib/deploy/gateway";
import { PolicyResponse } from "../../../lib/deploy/policies";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "gateway.listPolicies",
  summary: "List gateway policies",
  description:
    "Returns an environment's Sentinel policies in evaluation order. Deployments copy these when they are created, so changes reach traffic with the next deployment. Needs `environment.*.read_policies` or `environment.<environmentId>.read_policies`.",
  errors: [404],
  body: z.object({ project: ResourceIdentifier, app: ResourceIdentifier, environment: ResourceIdentifier }),
  data: z.array(PolicyResponse),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "read_policies");
    const { environment } = await getEnvironmentOrThrow(db(c.env.DB), root.workspaceId, b.project, b.app, b.environment);
    requirePermission(root, scoped("environment", "read_policies", environment.id));
    return ok(c, (environment.policies as StoredPolicy[]).map(policyResponse)) as never;
  });
