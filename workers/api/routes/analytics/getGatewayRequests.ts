import { authorize } from "../../middleware/auth";
import { satisfies } from "../../../lib/auth/permissions";
import { ApiError } from "../../../lib/errors";
import { D1AnalyticsStore, runAnalyticsQuery } from "../../../lib/analytics/query";
import { GATEWAY_REQUESTS } from "../../../lib/deploy/requestLog";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "analytics.getGatewayRequests",
  summary: "Query Sentinel request logs with SQL",
  description:
    "Our extension, in the manner of analytics.getVerifications: runs one read-only SQL SELECT over `gateway_requests_v1`, one row per request the Sentinel proxied (method, host, path, status, latencies, and the headers, query and bodies a logging policy opted into, redacted). Only the workspace's rows are visible; a root key holding only `project.<projectId>.read_gateway_requests` sees those projects. Needs `project.*.read_gateway_requests` or per-project grants.",
  errors: [412, 422, 503],
  body: z.object({
    query: z.string().openapi({
      description: "One SQL SELECT over gateway_requests_v1.",
      example: "SELECT path, response_status, COUNT(*) AS n FROM gateway_requests_v1 WHERE time >= now() - INTERVAL 1 DAY GROUP BY path, response_status",
    }),
  }),
  data: z.array(z.record(z.string(), z.unknown())),
});

const PROJECT_SCOPED = /^project\.([^.]+)\.read_gateway_requests$/;

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { query } = c.req.valid("json");
    const root = await authorize(c);
    let scope: Record<string, string[]> | undefined;
    if (!satisfies(root, "project.*.read_gateway_requests")) {
      const projectIds = [...root.permissions].map((p) => PROJECT_SCOPED.exec(p)?.[1]).filter((id): id is string => !!id && id !== "*");
      if (projectIds.length === 0) {
        throw new ApiError(
          "unkey/authorization/insufficient_permissions",
          "Missing one of these permissions: project.*.read_gateway_requests or project.<projectId>.read_gateway_requests",
        );
      }
      scope = { project_id: projectIds.slice(0, 90) };
    }
    if (!root.workspace.analyticsEnabled) throw new ApiError("unkey/data/analytics_not_configured", "Analytics is not enabled for this workspace.");
    const rows = await runAnalyticsQuery(new D1AnalyticsStore(c.env.ANALYTICS_DB), {
      text: query,
      tables: GATEWAY_REQUESTS,
      workspaceId: root.workspaceId,
      quota: c.env.ANALYTICS_DB,
      retentionDays: root.workspace.analyticsRetentionDays,
      scope,
    });
    return ok(c, rows);
  });
