import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { bool, createdAt, updatedAt, deletedAt } from "./columns";
import { workspaces } from "./workspaces";

/** A keyspace holds keys; an API is its public handle (one to one). */
export const keyspaces = sqliteTable("keyspaces", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id")
    .notNull()
    .references(() => workspaces.id),
  storeEncryptedKeys: bool("store_encrypted_keys").notNull().default(false),
  defaultPrefix: text("default_prefix"),
  defaultBytes: integer("default_bytes"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  deletedAt: deletedAt(),
});

export const apis = sqliteTable(
  "apis",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    keyspaceId: text("keyspace_id")
      .notNull()
      .references(() => keyspaces.id),
    name: text("name").notNull(),
    deleteProtection: bool("delete_protection").notNull().default(false),
    // comma-separated allowlist as Unkey stores it; empty/null = no restriction
    ipWhitelist: text("ip_whitelist"),
    // opt-in: GitHub secret scanning reports for this API's keys are acted on
    secretScanning: bool("secret_scanning").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index("apis_workspace_idx").on(t.workspaceId), index("apis_keyspace_idx").on(t.keyspaceId)],
);
