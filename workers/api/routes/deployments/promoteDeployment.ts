import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, scoped } from "../../../lib/deploy/access";
import { promote } from "../../../lib/deploy/lifecycle";
import { deploymentNotFound, findDeployment } from "../../../lib/deploy/resources";
import { okWith, withSuccessStatus } from "../../route";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "deployments.promoteDeployment",
    summary: "Promote a deployment",
    description:
      "Makes a ready production deployment the one serving traffic: the live, environment and custom-domain hostnames switch in one step, and the app leaves the rolled-back state (promoting the current deployment of a rolled-back app only re-enables automatic promotion). Answers 202. Needs `environment.*.promote_deployment` or `environment.<environmentId>.promote_deployment`; without it the deployment is reported as not found.",
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
    if (!f || !allowed(root, scoped("environment", "promote_deployment", f.environment.id))) throw deploymentNotFound();
    await promote(c.var.scope, root, f);
    return okWith(c, {}, 202) as never;
  });
