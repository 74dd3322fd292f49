import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { environmentHostnames, environmentResponse, getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { EnvironmentData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "environments.getEnvironment",
  summary: "Get an environment",
  description:
    "Returns an environment of an app with its settings (container fields echoed with their defaults) and the hostnames that reach it through the Sentinel. Needs `environment.*.read_environment` or `environment.<environmentId>.read_environment`.",
  errors: [404],
  body: z.object({ project: ResourceIdentifier, app: ResourceIdentifier, environment: ResourceIdentifier }),
  data: EnvironmentData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "read_environment");
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, body.project, body.app, body.environment);
    requirePermission(root, scoped("environment", "read_environment", environment.id));
    return ok(c, environmentResponse(environment, await environmentHostnames(d, environment.id, baseDomain(c.env)))) as never;
  });
