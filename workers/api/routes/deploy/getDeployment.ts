import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { deploymentHostnames, deploymentNotFound, findDeployment } from "../../../lib/deploy/resources";
import { compact, ok, defineRoute, z, type App } from "../../route";

const STATUS = [
  "UNSPECIFIED",
  "PENDING",
  "STARTING",
  "BUILDING",
  "DEPLOYING",
  "NETWORK",
  "FINALIZING",
  "READY",
  "FAILED",
  "SKIPPED",
  "AWAITING_APPROVAL",
  "STOPPED",
  "SUPERSEDED",
  "CANCELLED",
] as const;

export const route = defineRoute({
  operationId: "deploy.getDeployment",
  summary: "Get a deployment (CLI)",
  description:
    "The polling call of the `unkey deploy` CLI: a deployment's status in upper case, its hostnames (`https://<hostname>` through the Sentinel) and the steps it went through. Needs `project.*.read_deployment` or `project.<projectId>.read_deployment`.",
  errors: [404],
  body: z.object({
    deploymentId: z
      .string()
      .min(1)
      .regex(/^d_[a-zA-Z0-9]+$/),
  }),
  data: z.object({
    id: z.string(),
    status: z.enum(STATUS),
    errorMessage: z.string().optional(),
    hostnames: z.array(z.string()).optional(),
    steps: z
      .array(
        z.object({
          status: z.string().optional(),
          message: z.string().optional(),
          errorMessage: z.string().optional(),
          createdAt: z.number().int().optional(),
        }),
      )
      .optional(),
  }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { deploymentId } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "project", "read_deployment");
    const d = db(c.env.DB);
    const f = await findDeployment(d, root.workspaceId, deploymentId);
    if (!f) throw deploymentNotFound();
    requirePermission(root, scoped("project", "read_deployment", f.project.id));
    const dep = f.deployment;
    const steps: { status: string; message?: string; errorMessage?: string; createdAt?: number }[] = [
      { status: "PENDING", message: "Deployment recorded", createdAt: dep.createdAt },
    ];
    if ("bundle" in dep.upstream) steps.push(...codeSteps(dep));
    else {
      const target = "url" in dep.upstream ? dep.upstream.url : `worker binding ${dep.upstream.worker}`;
      steps.push(
        { status: "DEPLOYING", message: `Upstream ${target} registered with the Sentinel`, createdAt: dep.createdAt },
        { status: "NETWORK", message: "Hostnames assigned", createdAt: dep.createdAt },
      );
    }
    if (dep.status === "ready" || dep.status === "stopped") steps.push({ status: "READY", message: "Serving through the Sentinel", createdAt: dep.createdAt });
    if (dep.status === "stopped") steps.push({ status: "STOPPED", message: "Stopped", createdAt: dep.updatedAt ?? dep.createdAt });
    return ok(
      c,
      compact({
        id: dep.id,
        status: dep.status.toUpperCase() as (typeof STATUS)[number],
        errorMessage: dep.errorMessage ?? undefined,
        hostnames: await deploymentHostnames(d, dep, f.environment, baseDomain(c.env)),
        steps,
      }),
    );
  });

/** The steps a code deployment went through (lib/deploy/build.ts), as far as its status shows. */
function codeSteps(dep: { status: string; errorStep: string | null; errorMessage: string | null; updatedAt: number | null; createdAt: number }) {
  const order = ["pending", "building", "deploying", "ready"];
  const reached =
    dep.status === "failed"
      ? order.indexOf(dep.errorStep ?? "building")
      : dep.status === "stopped" || dep.status === "superseded"
        ? 3
        : order.indexOf(dep.status);
  const at = dep.updatedAt ?? dep.createdAt;
  const out: { status: string; message?: string; errorMessage?: string; createdAt?: number }[] = [];
  if (reached >= 1) out.push({ status: "BUILDING", message: "Loading the bundle in the Worker Loader", createdAt: at });
  if (reached >= 2) out.push({ status: "DEPLOYING", message: "Health probe", createdAt: at });
  if (dep.status === "failed") out.push({ status: "FAILED", errorMessage: dep.errorMessage ?? "deployment failed", createdAt: at });
  return out;
}
