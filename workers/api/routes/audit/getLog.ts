import { and, eq, gte } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { ApiError } from "../../../lib/errors";
import { ok, defineRoute, z, type App } from "../../route";
import { AuditLog, READ_AUDIT_LOGS, toAuditLog } from "./schemas";

const DAY = 86_400_000;

export const route = defineRoute({
  operationId: "audit.getLog",
  summary: "Get one audit log event",
  description:
    "Our extension. Returns one audit event of the workspace by its id. Events of other workspaces and events older " +
    "than the workspace's audit retention answer 404. Needs `workspace.*.read_audit_logs`.",
  errors: [404],
  body: z.object({ logId: z.string().min(1).max(255).openapi({ description: "The event id (`log_…`)." }) }),
  data: AuditLog,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { logId } = c.req.valid("json");
    const root = await authorize(c, READ_AUDIT_LOGS);
    const t = schema.auditLogs;
    const oldest = Date.now() - root.workspace.auditRetentionDays * DAY;
    const row = await db(c.env.DB)
      .select()
      .from(t)
      .where(and(eq(t.id, logId), eq(t.workspaceId, root.workspaceId), gte(t.time, oldest)))
      .get();
    if (!row) throw new ApiError("unkey/data/audit_log_not_found", "The requested audit log does not exist.");
    return ok(c, toAuditLog(row));
  });
