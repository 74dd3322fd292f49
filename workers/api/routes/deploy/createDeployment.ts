import { and, eq, isNull, or as sqlOr } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { ApiError, invalidInput } from "../../../lib/errors";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { createDeployment, upstreamFromImage } from "../../../lib/deploy/lifecycle";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { okWith, withSuccessStatus } from "../../route";
import { Upstream } from "../../../lib/deploy/schemas";
import { BundleInput, BundleSha256, findBundle, storeBundle } from "../../../lib/deploy/bundle";
import type { Upstream as StoredUpstream } from "../../../../schema/deploy";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "deploy.createDeployment",
    summary: "Create a deployment (CLI)",
    description:
      'The deployment call of the `unkey deploy` CLI. Creates a deployment of an app\'s environment (given by slug) and answers 201 with its id. A code deployment (our extension: `bundle`, or `bundleSha256` of a bundle already stored) goes pending → building → deploying → ready (or failed) within seconds, seen by polling deploy.getDeployment; an upstream deployment is ready at once. Where Unkey takes a Docker image this platform takes an upstream: our extension field `upstream` ({"url": "https://origin.example"} or {"worker": "BINDING"}), or a `dockerImage` that is an http(s) URL or `worker:<BINDING>`. `keyspaceId`, when given, must be a keyspace (or API) of the workspace. Needs `project.*.create_deployment` or `project.<projectId>.create_deployment`.',
    errors: [404],
    body: z.object({
      project: z.string().min(1),
      app: z.string().min(1),
      keyspaceId: z.string().optional(),
      branch: z.string().min(1),
      environmentSlug: z.string().min(1),
      dockerImage: z.string().min(1).optional(),
      upstream: Upstream.optional(),
      bundle: BundleInput.optional(),
      bundleSha256: BundleSha256.optional().openapi({
        description: "Our extension: deploy a bundle already uploaded to this workspace, by its SHA-256 (404 bundle_not_found: upload it with `bundle`).",
      }),
      gitCommit: z
        .object({
          commitSha: z.string().optional(),
          commitMessage: z.string().optional(),
          authorHandle: z.string().optional(),
          authorAvatarUrl: z.string().optional(),
          timestamp: z.number().int().optional(),
        })
        .optional(),
    }),
    data: z.object({ deploymentId: z.string() }),
  }),
  201,
);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const given = [b.upstream, b.dockerImage, b.bundle, b.bundleSha256].filter((x) => x !== undefined).length;
    if (given !== 1)
      throw invalidInput("Give exactly one of `upstream`, `dockerImage`, `bundle` or `bundleSha256`.", [
        { location: "/body", message: "exactly one deployment source is required" },
      ]);
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "project", "create_deployment");
    const d = db(c.env.DB);
    const ctx = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environmentSlug);
    requirePermission(root, scoped("project", "create_deployment", ctx.project.id));
    let keyspaceId: string | null = null;
    if (b.keyspaceId) {
      const ks = await d
        .select({ id: schema.keyspaces.id })
        .from(schema.keyspaces)
        .leftJoin(schema.apis, eq(schema.apis.keyspaceId, schema.keyspaces.id))
        .where(
          and(
            eq(schema.keyspaces.workspaceId, root.workspaceId),
            isNull(schema.keyspaces.deletedAt),
            sqlOr(eq(schema.keyspaces.id, b.keyspaceId), eq(schema.apis.id, b.keyspaceId)),
          ),
        )
        .limit(1);
      if (!ks[0]) throw new ApiError("unkey/data/key_space_not_found", "The requested keyspace does not exist in this workspace.");
      keyspaceId = ks[0].id;
    }
    let upstream: StoredUpstream;
    if (b.bundle) upstream = { bundle: (await storeBundle(c.env, d, root.workspaceId, b.bundle, "/body/bundle")).sha256 };
    else if (b.bundleSha256) upstream = { bundle: (await findBundle(d, root.workspaceId, b.bundleSha256)).sha256 };
    else upstream = b.upstream ?? upstreamFromImage(b.dockerImage!, "/body/dockerImage");
    const deploymentId = await createDeployment(
      c.var.scope,
      root,
      ctx,
      {
        upstream,
        upstreamLocation: b.upstream ? undefined : "/body/dockerImage",
        dockerImage: b.dockerImage ?? null,
        git: { commitSha: b.gitCommit?.commitSha, branch: b.branch, message: b.gitCommit?.commitMessage },
        keyspaceId,
        trigger: c.req.header("x-unkey-client")?.startsWith("unkey-cli/") ? "cli" : "api",
      },
      new URL(c.req.url).origin,
    );
    return okWith(c, { deploymentId }, 201) as never;
  });
