import { db } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { satisfies } from "../../../lib/auth/permissions";
import { ApiError, invalidInput } from "../../../lib/errors";
import { deploymentNotFound, findDeployment } from "../../../lib/deploy/resources";
import { chooseInterval, deploymentMetrics, MAX_RANGE_MS, METRICS_SQL } from "../../../lib/deploy/metrics";
import { ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

const Percentiles = z.object({
  p50: z.number().nullable(),
  p75: z.number().nullable(),
  p90: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

export const route = defineRoute({
  operationId: "deployments.getMetrics",
  summary: "Get a deployment's request metrics",
  description:
    "Our extension: per interval of [startTime, endTime) (Unix ms, at most 7 days, at most 360 intervals of at least 10 s; `intervalMs` optional), the requests the Sentinel served for the deployment: requests per second, status classes, total latency p50/p75/p90/p95/p99 (nearest rank, ms) and CPU time (ms; code deployments only: the local runtime reports 0, Cloudflare the real value). `sql` holds the analytics.getGatewayRequests query for each figure. Needs `project.*.read_gateway_requests` or `project.<projectId>.read_gateway_requests`.",
  errors: [404],
  body: z.object({
    deploymentId: ResourceIdentifier,
    startTime: z.number().int().min(0),
    endTime: z.number().int().min(0),
    intervalMs: z.number().int().min(10_000).optional(),
  }),
  data: z.object({
    intervalMs: z.number().int(),
    intervals: z.array(
      z.object({
        start: z.number().int(),
        end: z.number().int(),
        requests: z.number().int(),
        requestsPerSecond: z.number(),
        statusClasses: z.object({
          "1xx": z.number().int(),
          "2xx": z.number().int(),
          "3xx": z.number().int(),
          "4xx": z.number().int(),
          "5xx": z.number().int(),
        }),
        latencyMs: Percentiles,
        cpuTimeMs: z.object({ total: z.number().nullable(), average: z.number().nullable() }),
      }),
    ),
    sql: z.record(z.string(), z.string()),
  }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    if (b.endTime <= b.startTime)
      throw invalidInput("endTime must be after startTime.", [{ location: "/body/endTime", message: "must be greater than startTime" }]);
    if (b.endTime - b.startTime > MAX_RANGE_MS)
      throw invalidInput("The range may span at most 7 days.", [{ location: "/body/endTime", message: "at most 7 days after startTime" }]);
    const root = await authorize(c);
    const hasSome = satisfies(root, "project.*.read_gateway_requests") || [...root.permissions].some((p) => /^project\.[^.]+\.read_gateway_requests$/.test(p));
    if (!hasSome)
      throw new ApiError(
        "unkey/authorization/insufficient_permissions",
        "Missing one of these permissions: project.*.read_gateway_requests or project.<projectId>.read_gateway_requests",
      );
    const f = await findDeployment(db(c.env.DB), root.workspaceId, b.deploymentId);
    if (!f || !(satisfies(root, "project.*.read_gateway_requests") || satisfies(root, `project.${f.project.id}.read_gateway_requests`)))
      throw deploymentNotFound();
    const intervalMs = chooseInterval(b.endTime - b.startTime, b.intervalMs);
    const intervals = await deploymentMetrics(c.env.ANALYTICS_DB, {
      workspaceId: root.workspaceId,
      deploymentId: f.deployment.id,
      start: b.startTime,
      end: b.endTime,
      intervalMs,
    });
    return ok(c, { intervalMs, intervals, sql: METRICS_SQL });
  });
