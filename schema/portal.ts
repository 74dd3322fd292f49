import { sqliteTable, text, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { bool, createdAt, updatedAt, ms } from "./columns";
import { workspaces } from "./workspaces";

/**
 * A customer portal (`pc_…`): the branded pages where a workspace's end users manage their own
 * keys of one API. Unkey provisions portals by hand; here `portal.createPortal` does it.
 * The portal is keyspace-mapped: `keyspaceId` is the keyspace of `apiId` at creation time.
 */
export const portals = sqliteTable(
  "portals",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    slug: text("slug").notNull(),
    apiId: text("api_id").notNull(),
    keyspaceId: text("keyspace_id").notNull(),
    name: text("name"),
    logoUrl: text("logo_url"),
    primaryColor: text("primary_color").notNull().default("#2563eb"),
    docsMarkdown: text("docs_markdown"),
    enabled: bool("enabled").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("portals_slug_idx").on(t.workspaceId, t.slug), index("portals_workspace_idx").on(t.workspaceId, t.id)],
);

export type PortalGrant = { keyspaceIds: string[]; scopes: string[] };

/**
 * One row per portal visit. The exchange code and the access token are stored only as
 * SHA-256/base64 hashes; the session's state (pending, code expired, active, expired, revoked)
 * is derived from the timestamps.
 */
export const portalSessions = sqliteTable(
  "portal_sessions",
  {
    id: text("id").primaryKey(), // ps_…
    workspaceId: text("workspace_id").notNull(),
    portalId: text("portal_id").notNull(),
    externalId: text("external_id").notNull(),
    grant: text("scopes", { mode: "json" }).$type<PortalGrant>().notNull(),
    preview: bool("preview").notNull().default(false),
    exchangeCodeHash: text("exchange_code_hash").notNull().unique(),
    exchangeCodeExpiresAt: ms("exchange_code_expires_at").notNull(),
    accessTokenHash: text("access_token_hash").unique(),
    accessTokenCreatedAt: ms("access_token_created_at"),
    accessTokenExpiresAt: ms("access_token_expires_at"),
    revokedAt: ms("revoked_at"),
    returnUrl: text("return_url"),
    createdAt: createdAt(),
  },
  (t) => [index("portal_sessions_portal_idx").on(t.portalId)],
);

/** Rows of `portal_sessions` as read by the session guard. */
export type PortalSessionRow = typeof portalSessions.$inferSelect;
export type PortalRow = typeof portals.$inferSelect;
