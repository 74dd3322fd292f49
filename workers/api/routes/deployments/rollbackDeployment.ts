import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, scoped } from "../../../lib/deploy/access";
import { rollback } from "../../../lib/deploy/lifecycle";
import { deploymentNotFound, findDeployment } from "../../../lib/deploy/resources";
import { okWith, withSuccessStatus } from "../../route";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "deployments.rollbackDeployment",
    summary: "Roll back to a deployment",
    description:
      "Points production back at an earlier ready deployment in one step and marks the app rolled back, so new deployments stop taking traffic until one is promoted. Answers 202. Needs `environment.*.rollback_deployment` or `environment.<environmentId>.rollback_deployment`; without it the deployment is reported as not found.",
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
    if (!f || !allowed(root, scoped("environment", "rollback_deployment", f.environment.id))) throw deploymentNotFound();
    await rollback(c.var.scope, root, f);
    return okWith(c, {}, 202) as never;
  });
