import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";
import { bool, createdAt, updatedAt, deletedAt } from "./columns";
import { workspaces } from "./workspaces";

/** Named limit configurations attached to a key or to an identity (exactly one of the two). */
export const ratelimits = sqliteTable(
  "ratelimits",
  {
    id: text("id").primaryKey(), // rl_…
    workspaceId: text("workspace_id").notNull(),
    keyId: text("key_id"),
    identityId: text("identity_id"),
    name: text("name").notNull(),
    limit: integer("limit").notNull(),
    duration: integer("duration").notNull(),
    autoApply: bool("auto_apply").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("ratelimits_key_name_idx").on(t.keyId, t.name).where(sql`key_id IS NOT NULL`),
    uniqueIndex("ratelimits_identity_name_idx").on(t.identityId, t.name).where(sql`identity_id IS NOT NULL`),
  ],
);

export const ratelimitNamespaces = sqliteTable(
  "ratelimit_namespaces",
  {
    id: text("id").primaryKey(), // rlns_…
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [uniqueIndex("ratelimit_namespaces_name_idx").on(t.workspaceId, t.name)],
);

export const ratelimitOverrides = sqliteTable(
  "ratelimit_overrides",
  {
    id: text("id").primaryKey(), // rlor_…
    workspaceId: text("workspace_id").notNull(),
    namespaceId: text("namespace_id").notNull(),
    identifier: text("identifier").notNull(),
    limit: integer("limit").notNull(),
    duration: integer("duration").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [uniqueIndex("ratelimit_overrides_identifier_idx").on(t.namespaceId, t.identifier), index("ratelimit_overrides_ns_idx").on(t.namespaceId, t.id)],
);
