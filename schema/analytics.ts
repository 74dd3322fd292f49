import { sqliteTable, text, integer, real, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Analytics tables (docs/analytics.md), in their own D1 database (binding ANALYTICS_DB,
 * migrations in schema/analytics-migrations, drizzle.analytics.config.ts), so no analytics
 * query or write can delay a verification or a control-plane call on the main database.
 * The Queue consumer (workers/lib/analytics/consumer.ts) writes them; the analytics.get*
 * endpoints read them through the SQL engine, which only ever exposes the public columns
 * below (event_id and batch_id are bookkeeping).
 *
 * All times are Unix milliseconds. Aggregate rows carry the start of their bucket.
 * `tags` is a JSON array of strings (ClickHouse Array(String) in Unkey's schema).
 */

/** One row per recorded verification. */
export const keyVerificationsV1 = sqliteTable(
  "key_verifications_v1",
  {
    eventId: text("event_id").primaryKey(), // idempotency: a redelivered event is ignored
    batchId: text("batch_id").notNull(), // the consumer invocation that inserted the row
    requestId: text("request_id").notNull(),
    time: integer("time").notNull(),
    workspaceId: text("workspace_id").notNull(),
    keySpaceId: text("key_space_id").notNull(),
    identityId: text("identity_id").notNull().default(""),
    externalId: text("external_id").notNull().default(""),
    keyId: text("key_id").notNull(),
    region: text("region").notNull().default(""),
    source: text("source").notNull().default("api"),
    appId: text("app_id").notNull().default(""),
    outcome: text("outcome").notNull(),
    tags: text("tags").notNull().default("[]"),
    spentCredits: integer("spent_credits").notNull().default(0),
    latency: real("latency").notNull().default(0),
  },
  (t) => [index("key_verifications_v1_ws_time_idx").on(t.workspaceId, t.time), index("key_verifications_v1_batch_idx").on(t.batchId)],
);

function verificationAggregate(name: string) {
  return sqliteTable(
    name,
    {
      time: integer("time").notNull(),
      workspaceId: text("workspace_id").notNull(),
      keySpaceId: text("key_space_id").notNull(),
      identityId: text("identity_id").notNull(),
      externalId: text("external_id").notNull(),
      keyId: text("key_id").notNull(),
      outcome: text("outcome").notNull(),
      source: text("source").notNull(),
      appId: text("app_id").notNull(),
      tags: text("tags").notNull(),
      count: integer("count").notNull(),
      spentCredits: integer("spent_credits").notNull(),
    },
    (t) => [uniqueIndex(`${name}_dims_idx`).on(t.workspaceId, t.time, t.keySpaceId, t.identityId, t.externalId, t.keyId, t.outcome, t.source, t.appId, t.tags)],
  );
}

export const keyVerificationsPerMinuteV1 = verificationAggregate("key_verifications_per_minute_v1");
export const keyVerificationsPerHourV1 = verificationAggregate("key_verifications_per_hour_v1");
export const keyVerificationsPerDayV1 = verificationAggregate("key_verifications_per_day_v1");
export const keyVerificationsPerMonthV1 = verificationAggregate("key_verifications_per_month_v1");

/** One row per rate-limit decision (ratelimit.limit, key verification ratelimits). */
export const ratelimitsV1 = sqliteTable(
  "ratelimits_v1",
  {
    eventId: text("event_id").primaryKey(),
    batchId: text("batch_id").notNull(),
    requestId: text("request_id").notNull(),
    time: integer("time").notNull(),
    workspaceId: text("workspace_id").notNull(),
    namespaceId: text("namespace_id").notNull(),
    identifier: text("identifier").notNull(),
    passed: integer("passed").notNull(), // 1 = allowed, 0 = limited
    cost: integer("cost").notNull().default(1),
    maxRequests: integer("max_requests").notNull().default(0),
    duration: integer("duration").notNull().default(0),
    remaining: integer("remaining").notNull().default(0),
    resetAt: integer("reset_at").notNull().default(0),
    overrideId: text("override_id").notNull().default(""),
    latency: real("latency").notNull().default(0),
  },
  (t) => [index("ratelimits_v1_ws_time_idx").on(t.workspaceId, t.time), index("ratelimits_v1_batch_idx").on(t.batchId)],
);

function ratelimitAggregate(name: string) {
  return sqliteTable(
    name,
    {
      time: integer("time").notNull(),
      workspaceId: text("workspace_id").notNull(),
      namespaceId: text("namespace_id").notNull(),
      identifier: text("identifier").notNull(),
      passed: integer("passed").notNull(),
      total: integer("total").notNull(),
      totalTokens: integer("total_tokens").notNull().default(0), // SUM(cost)
      passedTokens: integer("passed_tokens").notNull().default(0), // SUM(cost) of passed requests
      latencySum: real("latency_sum").notNull().default(0), // latency_avg = latency_sum / total
    },
    (t) => [uniqueIndex(`${name}_dims_idx`).on(t.workspaceId, t.time, t.namespaceId, t.identifier)],
  );
}

export const ratelimitsPerMinuteV1 = ratelimitAggregate("ratelimits_per_minute_v1");
export const ratelimitsPerHourV1 = ratelimitAggregate("ratelimits_per_hour_v1");
export const ratelimitsPerDayV1 = ratelimitAggregate("ratelimits_per_day_v1");
export const ratelimitsPerMonthV1 = ratelimitAggregate("ratelimits_per_month_v1");

/** Query quota per workspace and window (analytics.getVerifications). */
export const analyticsQueryQuota = sqliteTable(
  "analytics_query_quota",
  {
    workspaceId: text("workspace_id").notNull(),
    windowStart: integer("window_start").notNull(),
    queries: integer("queries").notNull().default(0),
  },
  (t) => [uniqueIndex("analytics_query_quota_ws_window_idx").on(t.workspaceId, t.windowStart)],
);

/**
 * One row per request the Sentinel proxied (sentinel-deploy §4.1), queryable through
 * analytics.getGatewayRequests. Opt-in columns stay empty unless a logging policy asked for
 * them; `request_headers`/`response_headers` are JSON arrays of "Name: value", `query_params` a
 * JSON object of arrays. The public name is the physical name (analytics table registry).
 */
export const gatewayRequestsV1 = sqliteTable(
  "gateway_requests_v1",
  {
    requestId: text("request_id").primaryKey(),
    time: integer("time").notNull(),
    workspaceId: text("workspace_id").notNull(),
    projectId: text("project_id").notNull(),
    appId: text("app_id").notNull(),
    environmentId: text("environment_id").notNull(),
    deploymentId: text("deployment_id").notNull(),
    instanceId: text("instance_id").notNull(),
    region: text("region").notNull(),
    method: text("method").notNull(),
    host: text("host").notNull(),
    path: text("path").notNull(),
    queryString: text("query_string").notNull().default(""),
    queryParams: text("query_params").notNull().default("{}"),
    requestHeaders: text("request_headers").notNull().default("[]"),
    requestBody: text("request_body").notNull().default(""),
    responseStatus: integer("response_status").notNull(),
    responseHeaders: text("response_headers").notNull().default("[]"),
    responseBody: text("response_body").notNull().default(""),
    userAgent: text("user_agent").notNull().default(""),
    ipAddress: text("ip_address").notNull().default(""),
    totalLatency: integer("total_latency").notNull(),
    instanceLatency: integer("instance_latency").notNull(),
    gatewayLatency: integer("gateway_latency").notNull(),
    /** CPU ms of a code deployment's request (tail event cpuTime; 0 locally), null for other upstreams */
    cpuTime: integer("cpu_time"),
  },
  (t) => [index("gateway_requests_v1_workspace_time_idx").on(t.workspaceId, t.time)],
);

/**
 * Runtime logs of code deployments (sentinel-deploy §4.2): every console.* line and uncaught
 * exception, from the loader's tail (workers/sentinel/runtimeLogs.ts) through the analytics
 * Queue. Queried with analytics.getRuntimeLogs.
 */
export const runtimeLogsV1 = sqliteTable(
  "runtime_logs_v1",
  {
    logId: text("log_id").primaryKey(),
    time: integer("time").notNull(),
    insertedAt: integer("inserted_at").notNull(),
    workspaceId: text("workspace_id").notNull(),
    severity: text("severity", { enum: ["debug", "info", "warn", "error"] }).notNull(), // a TypeScript union only: no CHECK in SQLite
    message: text("message").notNull(),
    projectId: text("project_id").notNull(),
    appId: text("app_id").notNull(),
    environmentId: text("environment_id").notNull(),
    deploymentId: text("deployment_id").notNull(),
    region: text("region").notNull().default(""),
    attributesText: text("attributes_text").notNull().default("{}"),
  },
  (t) => [index("runtime_logs_v1_ws_time_idx").on(t.workspaceId, t.time)],
);
