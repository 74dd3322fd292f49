import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { bool, createdAt, updatedAt, deletedAt, ms } from "./columns";
import { workspaces } from "./workspaces";
import { keyspaces } from "./apis";
import { identities } from "./identities";

export const keys = sqliteTable(
  "keys",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    keyspaceId: text("keyspace_id")
      .notNull()
      .references(() => keyspaces.id),
    // base64 SHA-256 of the full key; unique across all workspaces (soft-deleted keys keep it)
    hash: text("hash").notNull().unique(),
    start: text("start").notNull(),
    name: text("name"),
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>(),
    identityId: text("identity_id").references(() => identities.id),
    expires: ms("expires"),
    enabled: bool("enabled").notNull().default(true),
    // credits: null remaining = unlimited. The UsageLimiter DO is authoritative; this is its write-back.
    remaining: integer("remaining"),
    refillInterval: text("refill_interval", { enum: ["daily", "monthly"] }),
    refillAmount: integer("refill_amount"),
    refillDay: integer("refill_day"),
    lastRefillAt: ms("last_refill_at"),
    // bumped whenever credits are set through the API, so the DO knows to reload from D1
    creditsVersion: integer("credits_version").notNull().default(0),
    pendingMigrationId: text("pending_migration_id"),
    lastUsedAt: ms("last_used_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index("keys_keyspace_idx").on(t.keyspaceId, t.id), index("keys_identity_idx").on(t.identityId), index("keys_workspace_idx").on(t.workspaceId)],
);

/** Ciphertext of recoverable keys (AES-GCM under a per-workspace data key). */
export const encryptedKeys = sqliteTable("encrypted_keys", {
  keyId: text("key_id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  encrypted: text("encrypted").notNull(),
  encryptionKeyId: text("encryption_key_id").notNull(),
  createdAt: createdAt(),
});

/** Per-workspace data keys, wrapped by the key-encryption key from a Worker secret. */
export const dataKeys = sqliteTable(
  "data_keys",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    wrapped: text("wrapped").notNull(),
    kekId: text("kek_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("data_keys_workspace_idx").on(t.workspaceId, t.createdAt)],
);

/** Migrations of pre-hashed keys (our extension: Unkey provisions these by hand). */
export const keyMigrations = sqliteTable("key_migrations", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  apiId: text("api_id").notNull(),
  algorithm: text("algorithm").notNull(),
  createdAt: createdAt(),
});

export const keysPermissions = sqliteTable(
  "keys_permissions",
  {
    keyId: text("key_id").notNull(),
    permissionId: text("permission_id").notNull(),
    workspaceId: text("workspace_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.permissionId] }), index("keys_permissions_perm_idx").on(t.permissionId)],
);

export const keysRoles = sqliteTable(
  "keys_roles",
  {
    keyId: text("key_id").notNull(),
    roleId: text("role_id").notNull(),
    workspaceId: text("workspace_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.roleId] }), index("keys_roles_role_idx").on(t.roleId)],
);
