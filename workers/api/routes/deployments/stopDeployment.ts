import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, scoped } from "../../../lib/deploy/access";
import { setPreviewRunning } from "../../../lib/deploy/lifecycle";
import { deploymentNotFound, findDeployment } from "../../../lib/deploy/resources";
import { okWith, withSuccessStatus } from "../../route";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "deployments.stopDeployment",
    summary: "Stop a deployment",
    description:
      "Stops a ready preview deployment; its hostnames answer 503 until it is started. Production deployments cannot be stopped. Answers 202. Needs `environment.*.stop_deployment` or `environment.<environmentId>.stop_deployment`; without it the deployment is reported as not found.",
    errors: [404, 412],
    body: z.object({ deploymentId: ResourceIdentifier }),
    data: EmptyData,
  }),
  202,
);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { deploymentId } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const f = await findDeployment(db(c.env.DB), root.workspaceId, deploymentId);
    if (!f || !allowed(root, scoped("environment", "stop_deployment", f.environment.id))) throw deploymentNotFound();
    await setPreviewRunning(c.var.scope, root, f, false);
    return okWith(c, {}, 202) as never;
  });
