import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, scoped } from "../../../lib/deploy/access";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { deploymentHostnames, deploymentNotFound, findDeployment } from "../../../lib/deploy/resources";
import { deploymentResponse } from "../../../lib/deploy/deployments";
import { DeploymentData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "deployments.getDeployment",
  summary: "Get a deployment",
  description:
    "Returns a deployment: status, whether it is the production deployment serving traffic, what it can do next, the hostnames reaching it (`domains`), its upstream (our extension) and the runtime settings captured at creation. A root key without `environment.*.read_deployment` or `environment.<environmentId>.read_deployment` gets 404.",
  errors: [404],
  body: z.object({ deploymentId: ResourceIdentifier }),
  data: DeploymentData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { deploymentId } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const f = await findDeployment(d, root.workspaceId, deploymentId);
    if (!f || !allowed(root, scoped("environment", "read_deployment", f.environment.id))) throw deploymentNotFound();
    const hosts = await deploymentHostnames(d, f.deployment, f.environment, baseDomain(c.env));
    return ok(c, deploymentResponse(f.deployment, f, hosts)) as never;
  });
