import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { bool, createdAt, updatedAt, deletedAt, ms } from "./columns";

export const workspaces = sqliteTable("workspaces", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  enabled: bool("enabled").notNull().default(true),
  // null = unlimited, 0 = every authenticated request is rejected (workspace_rate_limited)
  apiRateLimitPerMinute: integer("api_rate_limit_per_minute"),
  analyticsEnabled: bool("analytics_enabled").notNull().default(true),
  analyticsRetentionDays: integer("analytics_retention_days").notNull().default(30),
  auditRetentionDays: integer("audit_retention_days").notNull().default(90),
  // GitHub secret scanning: disable keys reported as leaked (Unkey only notifies)
  disableLeakedKeys: bool("disable_leaked_keys").notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  deletedAt: deletedAt(),
});

/**
 * Root keys live apart from end-user keys so that an API key presented as a bearer token is
 * simply unknown (401), and a root key can never verify as an end-user key.
 */
export const rootKeys = sqliteTable(
  "root_keys",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    hash: text("hash").notNull().unique(),
    start: text("start").notNull(),
    name: text("name"),
    // JSON string[]; ignored when fullAccess is set
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    fullAccess: bool("full_access").notNull().default(false),
    enabled: bool("enabled").notNull().default(true),
    expires: ms("expires"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index("root_keys_workspace_idx").on(t.workspaceId, t.id)],
);
