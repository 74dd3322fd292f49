import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { EmptyData, Healthcheck, Region, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

const specPath = z
  .string()
  .min(1)
  .max(512)
  .regex(/^(\/[\w-]+)+(\.[\w]+)?$/);

export const route = defineRoute({
  operationId: "environments.updateSettings",
  summary: "Update environment settings",
  description:
    "Changes build and runtime settings of an environment; omitted fields stay, `null` clears the nullable ones. Settings apply to deployments created afterwards. On the edge the container fields are stored and echoed; `openapiSpecPath` is where the Sentinel's openapi policy fetches the app's OpenAPI document. Needs `environment.*.update_environment` or `environment.<environmentId>.update_environment`.",
  errors: [404],
  body: z.object({
    project: ResourceIdentifier,
    app: ResourceIdentifier,
    environment: ResourceIdentifier,
    dockerfile: z.string().min(1).max(500).nullable().optional(),
    rootDirectory: z.string().min(1).max(500).optional(),
    buildCommand: z.string().min(1).max(1000).nullable().optional(),
    watchPaths: z.array(z.string().max(500)).max(10).optional(),
    autoDeploy: z.boolean().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    vCpus: z.number().min(0.25).multipleOf(0.25).optional(),
    memoryMib: z.number().int().min(256).multipleOf(256).optional(),
    storageMib: z.number().int().min(0).multipleOf(512).optional(),
    command: z.array(z.string().max(4096)).max(10).optional(),
    healthcheck: Healthcheck.nullable().optional(),
    shutdownSignal: z.enum(["SIGTERM", "SIGINT", "SIGQUIT", "SIGKILL"]).optional(),
    upstreamProtocol: z.enum(["http1", "h2c"]).optional(),
    openapiSpecPath: specPath.nullable().optional(),
    forwardUnderscoreHeaders: z.boolean().optional().openapi({
      description:
        "Our extension: let the Sentinel forward request headers whose name contains `_` (default false: such headers are dropped, since CGI-style servers read `X_Foo` and `X-Foo` as the same variable).",
    }),
    regions: z.array(Region).min(1).max(5).optional(),
    cpuMsPerRequest: z
      .number()
      .int()
      .min(1)
      .max(300_000)
      .optional()
      .openapi({ description: "Our extension (code deployments): CPU ms per request, passed to the Worker Loader's limits (default 50)." }),
    subrequestsPerRequest: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .openapi({ description: "Our extension (code deployments): subrequests per request, passed to the Worker Loader's limits (default 50)." }),
    outboundNetwork: z.enum(["public", "none"]).optional().openapi({
      description:
        "Our extension (code deployments): `public` (default): the app's fetch() goes through the platform's destination policy; `none`: no outbound network.",
    }),
  }),
  data: EmptyData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "update_environment");
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    requirePermission(root, scoped("environment", "update_environment", environment.id));
    for (const [i, r] of (b.regions ?? []).entries()) {
      if (r.replicas.min < 0 || r.replicas.max < r.replicas.min)
        throw new ApiError("unkey/application/invalid_environment_settings", "Region replicas need 0 <= min <= max.", {
          errors: [{ location: `/body/regions/${i}/replicas`, message: "min must be >= 0 and <= max" }],
        });
    }
    const s = structuredClone(environment.settings);
    const rt = s.runtime;
    if (b.port !== undefined) rt.port = b.port;
    if (b.vCpus !== undefined) rt.vCpus = b.vCpus;
    if (b.memoryMib !== undefined) rt.memoryMib = b.memoryMib;
    if (b.storageMib !== undefined) rt.storageMib = b.storageMib;
    if (b.command !== undefined) rt.command = b.command;
    if (b.healthcheck !== undefined) rt.healthcheck = b.healthcheck;
    if (b.shutdownSignal !== undefined) rt.shutdownSignal = b.shutdownSignal;
    if (b.upstreamProtocol !== undefined) rt.upstreamProtocol = b.upstreamProtocol;
    if (b.openapiSpecPath !== undefined) rt.openapiSpecPath = b.openapiSpecPath;
    if (b.forwardUnderscoreHeaders !== undefined) rt.forwardUnderscoreHeaders = b.forwardUnderscoreHeaders;
    if (b.cpuMsPerRequest !== undefined) rt.cpuMsPerRequest = b.cpuMsPerRequest;
    if (b.subrequestsPerRequest !== undefined) rt.subrequestsPerRequest = b.subrequestsPerRequest;
    if (b.outboundNetwork !== undefined) rt.outboundNetwork = b.outboundNetwork;
    if (b.dockerfile !== undefined) s.build.dockerfile = b.dockerfile;
    if (b.rootDirectory !== undefined) s.build.rootDirectory = b.rootDirectory;
    if (b.buildCommand !== undefined) s.build.buildCommand = b.buildCommand;
    if (b.watchPaths !== undefined) s.build.watchPaths = b.watchPaths;
    if (b.autoDeploy !== undefined) s.build.autoDeploy = b.autoDeploy;
    if (b.regions !== undefined) s.regions = b.regions;
    await d.batch([
      d.update(schema.environments).set({ settings: s, updatedAt: Date.now() }).where(eq(schema.environments.id, environment.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "environment.update",
          description: `Updated settings of environment ${environment.id}`,
          targets: [{ type: "environment", id: environment.id, name: environment.slug }],
        },
      ]),
    ]);
    return ok(c, {});
  });
