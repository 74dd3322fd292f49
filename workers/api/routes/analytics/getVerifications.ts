import { inArray, and, eq, isNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { satisfies } from "../../../lib/auth/permissions";
import { ApiError } from "../../../lib/errors";
import { analyticsStoreFor, runAnalyticsQuery } from "../../../lib/analytics/query";
import { VERIFICATIONS } from "../../../lib/analytics/sql/tables";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "analytics.getVerifications",
  summary: "Query key verification analytics with SQL",
  description:
    "Runs one read-only SQL SELECT (ClickHouse syntax; CTEs, subqueries, joins, UNION/EXCEPT, window functions) over " +
    "`key_verifications_v1` and its per-minute, per-hour, per-day and per-month rollups. Rows of other workspaces are " +
    "never visible; a root key holding only `api.<apiId>.read_analytics` permissions sees just those APIs' keyspaces, " +
    "`api.*.read_analytics` sees the whole workspace. Results are capped at 10,000 rows and the workspace's retention " +
    "window. See docs/analytics.md for tables, columns and supported functions.",
  errors: [412, 422, 503],
  body: z.object({
    query: z.string().openapi({
      description: "One SQL SELECT over the public analytics tables.",
      example: "SELECT outcome, SUM(count) AS total FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 7 DAY GROUP BY outcome",
    }),
  }),
  data: z.array(z.record(z.string(), z.unknown())).openapi({ description: "One object per result row, keyed by column name or alias." }),
});

const API_SCOPED = /^api\.([^.]+)\.read_analytics$/;

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { query } = c.req.valid("json");
    const root = await authorize(c);
    let scope: Record<string, string[]> | undefined;
    if (!satisfies(root, "api.*.read_analytics")) {
      const apiIds = [...root.permissions].map((p) => API_SCOPED.exec(p)?.[1]).filter((id): id is string => !!id && id !== "*");
      if (apiIds.length === 0) {
        throw new ApiError(
          "unkey/authorization/insufficient_permissions",
          "Missing one of these permissions: api.*.read_analytics or api.<apiId>.read_analytics",
        );
      }
      const rows = await db(c.env.DB)
        .select({ keyspaceId: schema.apis.keyspaceId })
        .from(schema.apis)
        .where(and(eq(schema.apis.workspaceId, root.workspaceId), inArray(schema.apis.id, apiIds.slice(0, 90)), isNull(schema.apis.deletedAt)));
      // APIs that do not resolve in this workspace contribute nothing: an empty list matches no row
      scope = { key_space_id: rows.map((r) => r.keyspaceId) };
    }
    if (!root.workspace.analyticsEnabled) {
      throw new ApiError("unkey/data/analytics_not_configured", "Analytics is not enabled for this workspace.");
    }
    const store = analyticsStoreFor(c.env);
    if (!store) throw new ApiError("unkey/data/analytics_not_configured", "No analytics store is configured for this deployment.");
    const rows = await runAnalyticsQuery(store, {
      text: query,
      tables: VERIFICATIONS,
      workspaceId: root.workspaceId,
      quota: c.env.ANALYTICS_DB,
      retentionDays: root.workspace.analyticsRetentionDays,
      scope,
    });
    return ok(c, rows);
  });
