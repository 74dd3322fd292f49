import { sqliteTable, text, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";
import { createdAt, updatedAt, deletedAt } from "./columns";
import { workspaces } from "./workspaces";

export const identities = sqliteTable(
  "identities",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    externalId: text("external_id").notNull(),
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    // one live identity per externalId; deleted ones free the name
    uniqueIndex("identities_external_id_live_idx").on(t.workspaceId, t.externalId).where(sql`deleted_at IS NULL`),
    index("identities_workspace_idx").on(t.workspaceId, t.id),
  ],
);
