import { authorize } from "../../middleware/auth";
import { satisfies } from "../../../lib/auth/permissions";
import { ApiError } from "../../../lib/errors";
import { analyticsStoreFor, runAnalyticsQuery } from "../../../lib/analytics/query";
import { RATELIMITS } from "../../../lib/analytics/sql/tables";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "analytics.getRatelimits",
  summary: "Query rate-limit analytics with SQL",
  description:
    "Runs one read-only SQL SELECT (ClickHouse syntax, the same engine, limits and isolation as analytics.getVerifications) over " +
    "`ratelimits_v1` (one row per rate-limit decision) and its per-minute, per-hour, per-day and per-month rollups. Rows of other " +
    "workspaces are never visible; a root key holding only `ratelimit.<namespaceId>.read_analytics` permissions sees just those " +
    "namespaces, `ratelimit.*.read_analytics` every namespace. See docs/analytics.md for tables and columns.",
  errors: [412, 422, 503],
  body: z.object({
    query: z.string().openapi({
      description: "One SQL SELECT over the public rate-limit analytics tables.",
      example:
        "SELECT identifier, SUM(total) AS total, SUM(passed) AS passed FROM ratelimits_per_hour_v1 WHERE time >= now() - INTERVAL 1 DAY GROUP BY identifier",
    }),
  }),
  data: z.array(z.record(z.string(), z.unknown())).openapi({ description: "One object per result row, keyed by column name or alias." }),
});

const NAMESPACE_SCOPED = /^ratelimit\.([^.]+)\.read_analytics$/;

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { query } = c.req.valid("json");
    const root = await authorize(c);
    let scope: Record<string, string[]> | undefined;
    if (!satisfies(root, "ratelimit.*.read_analytics")) {
      const ids = [...root.permissions].map((p) => NAMESPACE_SCOPED.exec(p)?.[1]).filter((id): id is string => !!id && id !== "*");
      if (ids.length === 0) {
        throw new ApiError(
          "unkey/authorization/insufficient_permissions",
          "Missing one of these permissions: ratelimit.*.read_analytics or ratelimit.<namespaceId>.read_analytics",
        );
      }
      // ids of another workspace's namespaces match no row: every table is filtered by workspace too
      scope = { namespace_id: ids.slice(0, 90) };
    }
    if (!root.workspace.analyticsEnabled) {
      throw new ApiError("unkey/data/analytics_not_configured", "Analytics is not enabled for this workspace.");
    }
    const store = analyticsStoreFor(c.env);
    if (!store) throw new ApiError("unkey/data/analytics_not_configured", "No analytics store is configured for this deployment.");
    const rows = await runAnalyticsQuery(store, {
      text: query,
      tables: RATELIMITS,
      workspaceId: root.workspaceId,
      quota: c.env.ANALYTICS_DB,
      retentionDays: root.workspace.analyticsRetentionDays,
      scope,
    });
    return ok(c, rows);
  });
