import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export type AuditTarget = { type: string; id: string; name?: string | null; meta?: Record<string, unknown> | null };

export const auditLogs = sqliteTable(
  "audit_logs",
  {
    id: text("id").primaryKey(), // log_…
    workspaceId: text("workspace_id").notNull(),
    bucket: text("bucket").notNull().default("unkey_mutations"),
    source: text("source").notNull().default("platform"),
    event: text("event").notNull(),
    time: integer("time").notNull(),
    description: text("description").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    actorName: text("actor_name"),
    actorMeta: text("actor_meta", { mode: "json" }).$type<Record<string, unknown>>(),
    remoteIp: text("remote_ip"),
    userAgent: text("user_agent"),
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>(),
    targets: text("targets", { mode: "json" }).$type<AuditTarget[]>().notNull(),
    correlationId: text("correlation_id"),
  },
  (t) => [index("audit_logs_workspace_time_idx").on(t.workspaceId, t.bucket, t.time), index("audit_logs_event_idx").on(t.workspaceId, t.event, t.time)],
);
