import { and, eq } from "drizzle-orm";
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { db, schema, type Database } from "../db";
import { ApiError, invalidInput } from "../errors";
import { encryptKey } from "../vault";
import { destinationPolicy, webhookUrlProblem } from "../destinations";
import { SUBSCRIBABLE_EVENT_TYPES } from "./events";

type EndpointRow = typeof schema.webhookEndpoints.$inferSelect;
type DeliveryRow = typeof schema.webhookDeliveries.$inferSelect;

export const WEBHOOK_PERMISSION = (action: "create_endpoint" | "read_endpoint" | "update_endpoint" | "delete_endpoint") => `webhook.*.${action}`;
/** Endpoints a workspace may register. */
export const MAX_ENDPOINTS_PER_WORKSPACE = 50;
/** How long the old secret keeps signing after rotateSecret. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export const EndpointId = z.string().min(1).max(255);
export const EventTypes = z
  .array(z.enum(SUBSCRIBABLE_EVENT_TYPES as [string, ...string[]]))
  .min(1)
  .max(SUBSCRIBABLE_EVENT_TYPES.length);
export const CreditsLowThreshold = z
  .union([z.object({ absolute: z.number().int().min(0) }).strict(), z.object({ percent: z.number().min(0).max(100) }).strict()])
  .openapi("WebhookCreditsLowThreshold");

export const EndpointData = z
  .object({
    endpointId: z.string(),
    url: z.string(),
    description: z.string().optional(),
    events: z.array(z.string()),
    apiIds: z.array(z.string()).optional(),
    enabled: z.boolean(),
    disabledReason: z.string().optional().openapi({ description: "`failing`: the platform disabled it after 5 days of failed deliveries" }),
    expiringLeadDays: z.number().int(),
    creditsLowThreshold: CreditsLowThreshold.optional(),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
  })
  .openapi("WebhookEndpoint");

export const DeliveryData = z
  .object({
    deliveryId: z.string().openapi({ description: "also the `webhook-id` header of every attempt" }),
    endpointId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed", "paused", "cancelled"]),
    attempts: z.number().int(),
    responseCode: z.number().int().optional(),
    error: z.string().optional(),
    latencyMs: z.number().int().optional(),
    lastAttemptAt: z.number().int().optional(),
    nextRetryAt: z.number().int().optional(),
    payload: z.record(z.string(), z.unknown()),
    createdAt: z.number().int(),
  })
  .openapi("WebhookDelivery");

export function endpointResponse(r: EndpointRow): z.infer<typeof EndpointData> {
  const o: z.infer<typeof EndpointData> = {
    endpointId: r.id,
    url: r.url,
    events: r.events,
    enabled: r.enabled,
    expiringLeadDays: r.expiringLeadDays,
    createdAt: r.createdAt,
  };
  if (r.description) o.description = r.description;
  if (r.apiIds && r.apiIds.length) o.apiIds = r.apiIds;
  if (r.disabledReason) o.disabledReason = r.disabledReason;
  if (r.creditsLowThreshold) o.creditsLowThreshold = r.creditsLowThreshold;
  if (r.updatedAt) o.updatedAt = r.updatedAt;
  return o;
}

export function deliveryResponse(r: DeliveryRow): z.infer<typeof DeliveryData> {
  const o: z.infer<typeof DeliveryData> = {
    deliveryId: r.id,
    endpointId: r.endpointId,
    eventType: r.eventType,
    status: r.status,
    attempts: r.attempts,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: r.createdAt,
  };
  if (r.lastStatusCode !== null) o.responseCode = r.lastStatusCode;
  if (r.lastError) o.error = r.lastError;
  if (r.lastLatencyMs !== null) o.latencyMs = r.lastLatencyMs;
  if (r.lastAttemptAt !== null) o.lastAttemptAt = r.lastAttemptAt;
  if (r.nextRetryAt !== null && r.status === "pending") o.nextRetryAt = r.nextRetryAt;
  return o;
}

export const endpointNotFound = (_id: string) => new ApiError("unkey/data/webhook_endpoint_not_found", "The webhook endpoint does not exist.");

export async function getEndpointOrThrow(d: Database, workspaceId: string, id: string): Promise<EndpointRow> {
  const t = schema.webhookEndpoints;
  const [row] = await d
    .select()
    .from(t)
    .where(and(eq(t.id, id), eq(t.workspaceId, workspaceId)))
    .limit(1);
  if (!row) throw endpointNotFound(id);
  return row;
}

/** The destination policy at write time: a 400 naming the field. */
export function checkUrl(env: Env, url: string, origin: string): void {
  const problem = webhookUrlProblem(url, destinationPolicy(env, [origin]));
  if (problem) throw invalidInput(`The webhook URL ${problem}.`, [{ location: "/body/url", message: problem, fix: "use a public https URL" }]);
}

/** Refuses `apiIds` naming APIs the workspace does not have. */
export async function checkApiIds(d: Database, workspaceId: string, apiIds: string[] | undefined): Promise<void> {
  if (!apiIds || apiIds.length === 0) return;
  const t = schema.apis;
  const rows = await d.select({ id: t.id, deletedAt: t.deletedAt }).from(t).where(eq(t.workspaceId, workspaceId));
  const live = new Set(rows.filter((r) => !r.deletedAt).map((r) => r.id));
  const missing = apiIds.filter((id) => !live.has(id));
  if (missing.length) throw new ApiError("unkey/data/api_not_found", `The API ${missing[0]} does not exist.`);
}

/** The vault binding of an endpoint's signing secrets: they decrypt only for that endpoint. */
export const boundToEndpoint = (endpointId: string) => `webhook:${endpointId}`;

/** The secret, encrypted with the vault (412 when the vault has no keys), bound to its endpoint. */
export async function sealSecret(env: Env, d: Database, workspaceId: string, endpointId: string, secret: string) {
  const { encrypted, encryptionKeyId } = await encryptKey(env, d, workspaceId, secret, boundToEndpoint(endpointId));
  return { secretEncrypted: encrypted, secretKeyId: encryptionKeyId };
}

export const dbOf = (env: Env) => db(env.DB);
