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
    operationId: "deployments.startDeployment",
    summary: "Start a deployment",
    description:
      "Starts a stopped preview deployment again (no rebuild); its hostnames serve once more. Answers 202. Needs `environment.*.start_deployment` or `environment.<environmentId>.start_deployment`; without it the deployment is reported as not found.",
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
    if (!f || !allowed(root, scoped("environment", "start_deployment", f.environment.id))) throw deploymentNotFound();
    await setPreviewRunning(c.var.scope, root, f, true);
    return okWith(c, {}, 202) as never;
  });
