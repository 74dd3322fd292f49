import { authorize } from "../../middleware/auth";
import { satisfies } from "../../../lib/auth/permissions";
import { ApiError } from "../../../lib/errors";
import { D1AnalyticsStore, runAnalyticsQuery } from "../../../lib/analytics/query";
import { RUNTIME_LOGS } from "../../../lib/deploy/runtimeLogs";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "analytics.getRuntimeLogs",
  summary: "Query runtime logs of code deployments with SQL",
  description:
    "Unkey's runtime-log query: runs one read-only SQL SELECT over `runtime_logs_v1`, one row per console.* line or uncaught exception of a code deployment (log_id, time, inserted_at, severity debug|info|warn|error, message, project_id, app_id, environment_id, deployment_id, region, attributes_text: a JSON log line's fields). Only the workspace's rows are visible; a root key holding only `project.<projectId>.read_runtime_logs` sees those projects. Needs `project.*.read_runtime_logs` or per-project grants.",
  errors: [412, 422, 503],
  body: z.object({
    query: z.string().openapi({
      description: "One SQL SELECT over runtime_logs_v1.",
      example: "SELECT time, severity, message FROM runtime_logs_v1 WHERE deployment_id = 'd_123' ORDER BY time DESC LIMIT 100",
    }),
  }),
  data: z.array(z.record(z.string(), z.unknown())),
});

const PROJECT_SCOPED = /^project\.([^.]+)\.read_runtime_logs$/;

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { query } = c.req.valid("json");
    const root = await authorize(c);
    let scope: Record<string, string[]> | undefined;
    if (!satisfies(root, "project.*.read_runtime_logs")) {
      const projectIds = [...root.permissions].map((p) => PROJECT_SCOPED.exec(p)?.[1]).filter((id): id is string => !!id && id !== "*");
      if (projectIds.length === 0) {
        throw new ApiError(
          "unkey/authorization/insufficient_permissions",
          "Missing one of these permissions: project.*.read_runtime_logs or project.<projectId>.read_runtime_logs",
        );
      }
      scope = { project_id: projectIds.slice(0, 90) };
    }
    if (!root.workspace.analyticsEnabled) throw new ApiError("unkey/data/analytics_not_configured", "Analytics is not enabled for this workspace.");
    const rows = await runAnalyticsQuery(new D1AnalyticsStore(c.env.ANALYTICS_DB), {
      text: query,
      tables: RUNTIME_LOGS,
      workspaceId: root.workspaceId,
      quota: c.env.ANALYTICS_DB,
      retentionDays: root.workspace.analyticsRetentionDays,
      scope,
    });
    return ok(c, rows);
  });
