/**
 * The analytics Queue's message contract (docs/analytics.md "Messages"): every kind the
 * producers send and the consumer (./consumer.ts) writes, and the check each message passes
 * first. Verification and rate-limit events are their own shape (their rows add defaults and
 * aggregates); the row kinds (Sentinel request logs, runtime logs) are the table's row keyed by
 * SQL column name, derived from the drizzle tables in schema/analytics.ts. Messages already in
 * the Queue during an upgrade must still parse: a check may loosen, never tighten.
 *
 * The webhook Queue has its own contract (lib/webhooks/emit.ts, WebhookMessage).
 */
import type { InferInsertModel, InferSelectModel, Table } from "drizzle-orm";
import type { gatewayRequestsV1, runtimeLogsV1 } from "../../../schema/analytics";

/** A table's row by SQL column name, as inserted (columns with a default or nullable are optional). */
export type InsertRow<T extends Table> = InferInsertModel<T, { dbColumnNames: true }>;
/** A table's row by SQL column name with every column present. */
export type TableRow<T extends Table> = InferSelectModel<T, { dbColumnNames: true }>;

export interface VerificationEvent {
  requestId: string;
  /** Unix ms when the verification finished */
  time: number;
  workspaceId: string;
  /** keyspace of the key (ks_…), not the api_… id */
  keySpaceId: string;
  keyId: string;
  identityId?: string | null;
  /** the identity's externalId, denormalised at write time */
  externalId?: string | null;
  /** the verify code: VALID, RATE_LIMITED, … */
  outcome: string;
  /** region / PoP that served the request (request.cf.colo) */
  region?: string;
  tags: string[];
  spentCredits?: number;
  /** "api" (keys.verifyKey) or "gateway" (Sentinel key-auth policy); absent: "api" */
  source?: string;
  /** the gateway app that verified the key; only with source "gateway" */
  appId?: string | null;
  /** verification latency in ms */
  latency?: number;
}

export interface RatelimitEvent {
  requestId: string;
  time: number;
  workspaceId: string;
  namespaceId: string;
  /** not stored (the rows name the namespace by id) */
  namespaceName: string;
  identifier: string;
  passed: boolean;
  cost: number;
  limit: number;
  duration: number;
  remaining?: number;
  /** Unix ms when the window resets */
  reset?: number;
  overrideId?: string | null;
  latency?: number;
}

/**
 * One request the Sentinel proxied (sentinel-deploy §4.1): a `gateway_requests_v1` row. It also
 * crosses the service binding (ApiEntrypoint.recordGatewayRequests). `cpu_time` may be absent
 * (null: not a code deployment).
 */
export type GatewayRequestRow = Omit<TableRow<typeof gatewayRequestsV1>, "cpu_time"> & { cpu_time?: number | null };

/** One console line or uncaught exception of a code deployment (sentinel-deploy §4.2): a `runtime_logs_v1` row. */
export type RuntimeLogRow = TableRow<typeof runtimeLogsV1>;

/** Everything on the analytics Queue: one event or row per message, with its idempotency id. */
export type AnalyticsMessage =
  | { v: 1; type: "verification"; id: string; event: VerificationEvent }
  | { v: 1; type: "ratelimit"; id: string; event: RatelimitEvent }
  | { v: 1; type: "gateway_request"; id: string; event: GatewayRequestRow }
  | { v: 1; type: "runtime_log"; id: string; event: RuntimeLogRow };

export type AnalyticsMessageOf<K extends AnalyticsMessage["type"]> = Extract<AnalyticsMessage, { type: K }>;

// ---------------------------------------------------------------------------------------------
// checks: each builds a fresh value of exactly the declared fields, so nothing unchecked (an
// extra property, a prototype) reaches a row

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => !!v && typeof v === "object" && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isNonEmpty = (v: unknown): v is string => typeof v === "string" && v !== "";
const optStr = (v: unknown): v is string | null | undefined => v === undefined || v === null || typeof v === "string";
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const optNum = (v: unknown): v is number | null | undefined => v === undefined || v === null || isNum(v);
const SEVERITIES = ["debug", "info", "warn", "error"] as const satisfies readonly RuntimeLogRow["severity"][];
const isSeverity = (v: unknown): v is RuntimeLogRow["severity"] => SEVERITIES.some((s) => s === v);

/** Returns the message when its shape is one we can write, else null (poison: the dead-letter queue). */
export function parseMessage(body: unknown): AnalyticsMessage | null {
  if (!isRec(body) || body.v !== 1) return null;
  const { id, type } = body;
  if (!isNonEmpty(id) || id.length > 128) return null;
  switch (type) {
    case "verification": {
      const event = parseVerificationEvent(body.event);
      return event && { v: 1, type, id, event };
    }
    case "ratelimit": {
      const event = parseRatelimitEvent(body.event);
      return event && { v: 1, type, id, event };
    }
    case "gateway_request": {
      const event = parseGatewayRequestRow(body.event);
      return event && { v: 1, type, id, event };
    }
    case "runtime_log": {
      const event = parseRuntimeLogRow(body.event);
      return event && { v: 1, type, id, event };
    }
    default:
      return null;
  }
}

export function parseVerificationEvent(e: unknown): VerificationEvent | null {
  if (!isRec(e)) return null;
  const { requestId, time, workspaceId, keySpaceId, keyId, identityId, externalId, outcome, region, tags, spentCredits, source, appId, latency } = e;
  if (!isStr(requestId) || !isNum(time) || !isNonEmpty(workspaceId)) return null;
  if (!isStr(keySpaceId) || !isStr(keyId) || !isStr(outcome)) return null;
  if (!optStr(identityId) || !optStr(externalId) || !optStr(region) || !optStr(source) || !optStr(appId)) return null;
  if (!Array.isArray(tags) || !tags.every(isStr)) return null;
  if (!optNum(spentCredits) || !optNum(latency)) return null;
  // a null optional field reads as absent
  return {
    requestId,
    time,
    workspaceId,
    keySpaceId,
    keyId,
    identityId,
    externalId,
    outcome,
    region: region ?? undefined,
    tags,
    spentCredits: spentCredits ?? undefined,
    source: source ?? undefined,
    appId,
    latency: latency ?? undefined,
  };
}

export function parseRatelimitEvent(e: unknown): RatelimitEvent | null {
  if (!isRec(e)) return null;
  const { requestId, time, workspaceId, namespaceId, namespaceName, identifier, passed, cost, limit, duration, remaining, reset, overrideId, latency } = e;
  if (!isStr(requestId) || !isNum(time) || !isNonEmpty(workspaceId)) return null;
  if (!isStr(namespaceId) || !isStr(identifier) || typeof passed !== "boolean") return null;
  if (!optNum(cost) || !optNum(limit) || !optNum(duration) || !optNum(remaining) || !optNum(reset) || !optNum(latency)) return null;
  if (!optStr(overrideId)) return null;
  // cost, limit, duration and namespaceName have always been optional on the wire: their defaults;
  // a null optional field reads as absent
  return {
    requestId,
    time,
    workspaceId,
    namespaceId,
    namespaceName: isStr(namespaceName) ? namespaceName : "",
    identifier,
    passed,
    cost: cost ?? 1,
    limit: limit ?? 0,
    duration: duration ?? 0,
    remaining: remaining ?? undefined,
    reset: reset ?? undefined,
    overrideId,
    latency: latency ?? undefined,
  };
}

/** For rows from the Queue and from the Sentinel's RPC; integer columns are truncated. */
export function parseGatewayRequestRow(v: unknown): GatewayRequestRow | null {
  if (!isRec(v)) return null;
  const {
    request_id,
    time,
    workspace_id,
    project_id,
    app_id,
    environment_id,
    deployment_id,
    instance_id,
    region,
    method,
    host,
    path,
    query_string,
    query_params,
    request_headers,
    request_body,
    response_status,
    response_headers,
    response_body,
    user_agent,
    ip_address,
    total_latency,
    instance_latency,
    gateway_latency,
    cpu_time,
  } = v;
  if (!isNonEmpty(request_id) || !isNonEmpty(workspace_id)) return null;
  if (!isStr(project_id) || !isStr(app_id) || !isStr(environment_id) || !isStr(deployment_id) || !isStr(instance_id) || !isStr(region)) return null;
  if (!isStr(method) || !isStr(host) || !isStr(path) || !isStr(query_string) || !isStr(query_params)) return null;
  if (!isStr(request_headers) || !isStr(request_body) || !isStr(response_headers) || !isStr(response_body)) return null;
  if (!isStr(user_agent) || !isStr(ip_address)) return null;
  if (!isNum(time) || !isNum(response_status) || !isNum(total_latency) || !isNum(instance_latency) || !isNum(gateway_latency)) return null;
  if (!optNum(cpu_time)) return null;
  const int = Math.trunc;
  return {
    request_id,
    time: int(time),
    workspace_id,
    project_id,
    app_id,
    environment_id,
    deployment_id,
    instance_id,
    region,
    method,
    host,
    path,
    query_string,
    query_params,
    request_headers,
    request_body,
    response_status: int(response_status),
    response_headers,
    response_body,
    user_agent,
    ip_address,
    total_latency: int(total_latency),
    instance_latency: int(instance_latency),
    gateway_latency: int(gateway_latency),
    cpu_time: isNum(cpu_time) ? int(cpu_time) : null,
  };
}

/** For rows from the Queue and from the Sentinel's loader tail (RPC). */
export function parseRuntimeLogRow(v: unknown): RuntimeLogRow | null {
  if (!isRec(v)) return null;
  const { log_id, time, inserted_at, workspace_id, severity, message, project_id, app_id, environment_id, deployment_id, region, attributes_text } = v;
  if (!isNonEmpty(log_id) || !isNonEmpty(workspace_id) || !isSeverity(severity)) return null;
  if (!isNum(time) || !isNum(inserted_at)) return null;
  if (!isStr(message) || !isStr(project_id) || !isStr(app_id) || !isStr(environment_id) || !isStr(deployment_id) || !isStr(region) || !isStr(attributes_text))
    return null;
  return { log_id, time, inserted_at, workspace_id, severity, message, project_id, app_id, environment_id, deployment_id, region, attributes_text };
}
