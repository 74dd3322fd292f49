import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { bool, createdAt, updatedAt, ms } from "./columns";
import { workspaces } from "./workspaces";

/** `{absolute: n}` credits left, or `{percent: p}` of the last refill amount (or the initial credits). */
export type CreditsLowThreshold = { absolute: number } | { percent: number };

/**
 * Lifecycle webhook endpoints (docs/webhooks.md). The signing secret is stored encrypted with the
 * vault (signing needs the plaintext); after a rotation the previous one keeps signing for 24 h.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    url: text("url").notNull(),
    description: text("description"),
    /** JSON string[] of event types */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    /** JSON string[]: key events only for keys of these APIs; null = all */
    apiIds: text("api_ids", { mode: "json" }).$type<string[] | null>(),
    enabled: bool("enabled").notNull().default(true),
    /** why the platform disabled it (`failing`), null when enabled or disabled by the owner */
    disabledReason: text("disabled_reason"),
    expiringLeadDays: integer("expiring_lead_days").notNull().default(7),
    creditsLowThreshold: text("credits_low_threshold", { mode: "json" }).$type<CreditsLowThreshold | null>(),
    secretEncrypted: text("secret_encrypted").notNull(),
    secretKeyId: text("secret_key_id").notNull(),
    previousSecretEncrypted: text("previous_secret_encrypted"),
    previousSecretKeyId: text("previous_secret_key_id"),
    previousSecretExpiresAt: ms("previous_secret_expires_at"),
    /** first failed attempt since the last success; failing for 5 days disables the endpoint */
    failingSince: ms("failing_since"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_endpoints_workspace_idx").on(t.workspaceId)],
);

/**
 * One event for one endpoint. Its id is the `webhook-id` header on every attempt, so
 * receivers can deduplicate. Kept 30 days.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    eventType: text("event_type").notNull(),
    /** the exact JSON body sent, `{type, timestamp, data}` */
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed", "paused", "cancelled"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastLatencyMs: integer("last_latency_ms"),
    lastAttemptAt: ms("last_attempt_at"),
    nextRetryAt: ms("next_retry_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id), index("webhook_deliveries_created_idx").on(t.createdAt)],
);

/** Dedupe markers: an event that must be sent once (key.expiring per key and expiry, ratelimit.exceeded per window). */
export const webhookMarkers = sqliteTable("webhook_markers", {
  id: text("id").primaryKey(),
  expiresAt: ms("expires_at").notNull(),
});
