import { and, eq, inArray } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";
import { VariableKey } from "./schemas";

export const route = defineRoute({
  operationId: "environments.removeEnvironmentVariables",
  summary: "Remove environment variables",
  description:
    "Deletes the listed variables of an environment in one step; keys that do not exist are ignored. Needs `environment.*.remove_environment_variables` or `environment.<environmentId>.remove_environment_variables`.",
  errors: [404],
  body: z.object({ project: ResourceIdentifier, app: ResourceIdentifier, environment: ResourceIdentifier, variables: z.array(VariableKey).min(1).max(50) }),
  data: EmptyData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "remove_environment_variables");
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    requirePermission(root, scoped("environment", "remove_environment_variables", environment.id));
    const t = schema.environmentVariables;
    await d.batch([
      d.delete(t).where(and(eq(t.environmentId, environment.id), inArray(t.key, b.variables))),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "environment.remove_variables",
          description: `Removed variables of environment ${environment.id}`,
          targets: [{ type: "environment", id: environment.id, name: environment.slug }],
          meta: { keys: b.variables },
        },
      ]),
    ]);
    return ok(c, {});
  });
