import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, requireSomeScope, scoped } from "../../../lib/deploy/access";
import { createDeployment, upstreamFromImage } from "../../../lib/deploy/lifecycle";
import { deploymentNotFound, environmentNotFound, findDeployment, getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { okWith, withSuccessStatus } from "../../route";
import { ResourceIdentifier, Upstream } from "../../../lib/deploy/schemas";
import { invalidInput } from "../../../lib/errors";
import { BundleInput, BundleSha256, findBundle, storeBundle } from "../../../lib/deploy/bundle";
import type { Upstream as StoredUpstream } from "../../../../schema/deploy";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "deployments.createDeployment",
    summary: "Create a deployment",
    description:
      "Creates an immutable deployment in an environment and answers 201 with its id. Give exactly one source: `bundle` or `bundleSha256` (our extension: code run at the edge through the Worker Loader; pending → building → deploying → ready or failed, docs/deploy.md), `upstream` (our extension: an origin URL or a Worker service binding of the Sentinel), `image.dockerImage` (read as an upstream: an http(s) URL or `worker:<BINDING>`), or `deployment.deploymentId` (redeploy that deployment's upstream with the environment's current policies and variables). `git` records commit metadata. Production switches to it unless the app is rolled back. Needs `environment.*.create_deployment` or `environment.<environmentId>.create_deployment`.",
    errors: [404, 412],
    body: z.object({
      project: ResourceIdentifier,
      app: ResourceIdentifier,
      environment: ResourceIdentifier,
      git: z
        .object({
          branch: z.string().max(256).optional(),
          commitSha: z.string().max(40).optional(),
          repository: z
            .string()
            .max(256)
            .regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/)
            .optional(),
        })
        .strict()
        .optional(),
      image: z
        .object({ dockerImage: z.string().min(1).regex(/\S/) })
        .strict()
        .optional(),
      deployment: z.object({ deploymentId: ResourceIdentifier }).strict().optional(),
      upstream: Upstream.optional(),
      bundle: BundleInput.optional(),
      bundleSha256: BundleSha256.optional().openapi({
        description: "Our extension: deploy a bundle already uploaded to this workspace, by its SHA-256 (404 bundle_not_found: upload it with `bundle`).",
      }),
    }),
    data: z.object({ deploymentId: z.string() }),
  }),
  201,
);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const sources = [b.upstream, b.image, b.deployment, b.bundle, b.bundleSha256].filter((s) => s !== undefined).length;
    if (sources !== 1)
      throw invalidInput("Give exactly one of upstream, image, deployment, bundle or bundleSha256.", [
        { location: "/body", message: "exactly one deployment source is required" },
      ]);
    if (b.git?.repository && !b.git.commitSha)
      throw invalidInput("A fork repository needs a commitSha.", [{ location: "/body/git/commitSha", message: "required with repository" }]);
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "create_deployment");
    const d = db(c.env.DB);
    const ctx = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    if (!allowed(root, scoped("environment", "create_deployment", ctx.environment.id))) throw environmentNotFound();
    let upstream: StoredUpstream | undefined = b.upstream;
    let upstreamLocation: string | undefined;
    if (b.bundle) upstream = { bundle: (await storeBundle(c.env, d, root.workspaceId, b.bundle, "/body/bundle")).sha256 };
    if (b.bundleSha256) upstream = { bundle: (await findBundle(d, root.workspaceId, b.bundleSha256)).sha256 };
    let dockerImage: string | null = null;
    if (b.image) {
      upstream = upstreamFromImage(b.image.dockerImage, "/body/image/dockerImage");
      dockerImage = b.image.dockerImage;
      upstreamLocation = "/body/image/dockerImage";
    }
    if (b.deployment) {
      const prev = await findDeployment(d, root.workspaceId, b.deployment.deploymentId);
      if (!prev || prev.app.id !== ctx.app.id) throw deploymentNotFound();
      upstream = prev.deployment.upstream;
      dockerImage = prev.deployment.dockerImage;
      upstreamLocation = "/body/deployment/deploymentId";
    }
    const deploymentId = await createDeployment(
      c.var.scope,
      root,
      ctx,
      {
        upstream: upstream!,
        upstreamLocation,
        dockerImage,
        git: b.git ? { commitSha: b.git.commitSha, branch: b.git.branch } : undefined,
        trigger: c.req.header("x-unkey-client")?.startsWith("unkey-cli/") ? "cli" : "api",
      },
      new URL(c.req.url).origin,
    );
    return okWith(c, { deploymentId }, 201) as never;
  });
