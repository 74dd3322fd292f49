/**
 * The analytics Queue consumer (docs/analytics.md). One invocation handles one batch:
 *
 * - every message is checked against the Queue's contract (./messages.ts); a malformed one (it
 *   can never succeed) goes straight to the dead-letter queue and is acknowledged;
 * - the good ones are written in ONE D1 batch (one transaction): raw rows with INSERT OR IGNORE
 *   keyed by the event id, tagged with this invocation's batch id; the per-minute/hour/day/month
 *   aggregates are then derived from the rows carrying that batch id only. A redelivered event
 *   is ignored by the raw insert, so it never reaches an aggregate twice;
 * - Analytics Engine receives a data point for each newly inserted event;
 * - if the batch write fails, each message is retried on its own, so one bad message cannot
 *   hold back the others; retries back off exponentially and after `max_retries` (wrangler.toml)
 *   Cloudflare moves the message to the dead-letter queue.
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { gatewayRequestsV1, keyVerificationsV1, ratelimitsV1, runtimeLogsV1 } from "../../../schema/analytics";
import type { Env } from "../env";
import {
  parseMessage,
  type AnalyticsMessage,
  type AnalyticsMessageOf,
  type InsertRow,
  type RatelimitEvent,
  type TableRow,
  type VerificationEvent,
} from "./messages";

const DAY = 86_400_000;
export const DEFAULT_RETENTION_DAYS = 30;

/** Bucket-start SQL for each aggregate grain, over an integer `time` column (Unix ms). */
export const BUCKETS = {
  minute: "(time / 60000) * 60000",
  hour: "(time / 3600000) * 3600000",
  day: "(time / 86400000) * 86400000",
  month: "CAST(unixepoch(time / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000",
} as const;
type Grain = keyof typeof BUCKETS;
const GRAINS = Object.keys(BUCKETS) as Grain[];

const VERIFICATION_DIMS = ["workspace_id", "key_space_id", "identity_id", "external_id", "key_id", "outcome", "source", "app_id", "tags"] as const;
const RATELIMIT_DIMS = ["workspace_id", "namespace_id", "identifier"] as const;

/** Backoff for a retried message: 2, 4, 8, … seconds, at most 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.max(1, attempts));
}

/** The Queue handler body: write the batch, ack what landed, retry or dead-letter the rest. */
export async function consumeAnalyticsBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const good: { msg: Message<unknown>; body: AnalyticsMessage }[] = [];
  for (const msg of batch.messages) {
    const body = parseMessage(msg.body);
    if (!body) {
      await deadLetter(env, msg);
      continue;
    }
    good.push({ msg, body });
  }
  if (good.length === 0) return;
  try {
    await writeEvents(
      env,
      good.map((g) => g.body),
    );
    for (const g of good) g.msg.ack();
    return;
  } catch (err) {
    console.error("analytics: batch write failed, retrying messages one by one", err);
  }
  for (const g of good) {
    try {
      await writeEvents(env, [g.body]);
      g.msg.ack();
    } catch (err) {
      console.error(`analytics: message ${g.msg.id} failed (attempt ${g.msg.attempts})`, err);
      g.msg.retry({ delaySeconds: retryDelaySeconds(g.msg.attempts) });
    }
  }
}

async function deadLetter(env: Env, msg: Message<unknown>) {
  try {
    if (env.ANALYTICS_DLQ) {
      await env.ANALYTICS_DLQ.send({ reason: "malformed analytics message", id: msg.id, body: msg.body });
    } else {
      console.error("analytics: dropping malformed message", msg.id);
    }
    msg.ack();
  } catch {
    // the DLQ is unreachable: let Queues retry, and dead-letter after max_retries itself
    msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  }
}

// ---------------------------------------------------------------------------------------------
// writing

/** A raw row as the consumer writes it: every column but the batch id, which the insert adds. */
type RawRow<T extends SQLiteTable> = Omit<TableRow<T>, "batch_id">;

function verificationRow(id: string, e: VerificationEvent): RawRow<typeof keyVerificationsV1> {
  return {
    event_id: id,
    request_id: e.requestId,
    time: Math.trunc(e.time),
    workspace_id: e.workspaceId,
    key_space_id: e.keySpaceId,
    identity_id: e.identityId ?? "",
    external_id: e.externalId ?? "",
    key_id: e.keyId,
    region: e.region ?? "",
    source: e.source || "api",
    app_id: e.appId ?? "",
    outcome: e.outcome,
    tags: JSON.stringify(e.tags ?? []),
    spent_credits: Math.trunc(e.spentCredits ?? 0),
    latency: e.latency ?? 0,
  };
}

function ratelimitRow(id: string, e: RatelimitEvent): RawRow<typeof ratelimitsV1> {
  return {
    event_id: id,
    request_id: e.requestId,
    time: Math.trunc(e.time),
    workspace_id: e.workspaceId,
    namespace_id: e.namespaceId,
    identifier: e.identifier,
    passed: e.passed ? 1 : 0,
    cost: Math.trunc(e.cost),
    max_requests: Math.trunc(e.limit),
    duration: Math.trunc(e.duration),
    remaining: Math.trunc(e.remaining ?? 0),
    reset_at: Math.trunc(e.reset ?? 0),
    override_id: e.overrideId ?? "",
    latency: e.latency ?? 0,
  };
}

const columnNames = new WeakMap<SQLiteTable, Set<string>>();

/**
 * INSERT OR IGNORE of one row, keyed by the table's primary key. Only the table's own columns
 * are written (a row is typed, but a value may carry more at run time); absent ones take their
 * default.
 */
function insertIgnore<T extends SQLiteTable>(d1: D1Database, table: T, row: InsertRow<T>): D1PreparedStatement {
  let known = columnNames.get(table);
  if (!known) columnNames.set(table, (known = new Set(Object.values(getTableColumns(table)).map((c) => c.name))));
  const cols = Object.entries(row).filter(([name, value]) => known.has(name) && value !== undefined);
  const sql = `INSERT OR IGNORE INTO ${getTableName(table)} (${cols.map(([name]) => name).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`;
  return d1.prepare(sql).bind(...cols.map(([, value]) => value));
}

/** Adds this batch's new raw rows into one aggregate table. */
function rollup(
  d1: D1Database,
  raw: string,
  target: string,
  grain: Grain,
  dims: readonly string[],
  measures: { col: string; expr: string }[],
  batchId: string,
) {
  const cols = ["time", ...dims, ...measures.map((m) => m.col)];
  const select = [BUCKETS[grain], ...dims, ...measures.map((m) => m.expr)];
  const sql =
    `INSERT INTO ${target} (${cols.join(", ")}) ` +
    `SELECT ${select.join(", ")} FROM ${raw} WHERE batch_id = ? ` +
    `GROUP BY ${select
      .slice(0, dims.length + 1)
      .map((_, i) => i + 1)
      .join(", ")} ` +
    `ON CONFLICT (workspace_id, time, ${dims.filter((d) => d !== "workspace_id").join(", ")}) DO UPDATE SET ` +
    measures.map((m) => `${m.col} = ${m.col} + excluded.${m.col}`).join(", ");
  return d1.prepare(sql).bind(batchId);
}

/**
 * Writes events to D1 (exactly once per event id) and Analytics Engine (once per newly stored
 * event). Returns the ids that were new.
 */
export async function writeEvents(env: Env, messages: AnalyticsMessage[]): Promise<string[]> {
  const d1 = env.ANALYTICS_DB;
  const batchId = crypto.randomUUID();
  const verifications: AnalyticsMessageOf<"verification">[] = [];
  const ratelimits: AnalyticsMessageOf<"ratelimit">[] = [];
  const stmts: D1PreparedStatement[] = [];
  for (const m of messages) {
    switch (m.type) {
      case "verification":
        verifications.push(m);
        break;
      case "ratelimit":
        ratelimits.push(m);
        break;
      // request and runtime logs: raw rows only, idempotent by request id / log id
      case "gateway_request":
        stmts.push(insertIgnore(d1, gatewayRequestsV1, m.event));
        break;
      case "runtime_log":
        stmts.push(insertIgnore(d1, runtimeLogsV1, m.event));
        break;
      default:
        m satisfies never;
    }
  }
  if (verifications.length) {
    for (const m of verifications) stmts.push(insertIgnore(d1, keyVerificationsV1, { ...verificationRow(m.id, m.event), batch_id: batchId }));
    for (const g of GRAINS) {
      stmts.push(
        rollup(
          d1,
          "key_verifications_v1",
          `key_verifications_per_${g}_v1`,
          g,
          VERIFICATION_DIMS,
          [
            { col: "count", expr: "COUNT(*)" },
            { col: "spent_credits", expr: "SUM(spent_credits)" },
          ],
          batchId,
        ),
      );
    }
  }
  if (ratelimits.length) {
    for (const m of ratelimits) stmts.push(insertIgnore(d1, ratelimitsV1, { ...ratelimitRow(m.id, m.event), batch_id: batchId }));
    for (const g of GRAINS) {
      stmts.push(
        rollup(
          d1,
          "ratelimits_v1",
          `ratelimits_per_${g}_v1`,
          g,
          RATELIMIT_DIMS,
          [
            { col: "passed", expr: "SUM(passed)" },
            { col: "total", expr: "COUNT(*)" },
            { col: "total_tokens", expr: "SUM(cost)" },
            { col: "passed_tokens", expr: "SUM(CASE WHEN passed = 1 THEN cost ELSE 0 END)" },
            { col: "latency_sum", expr: "SUM(latency)" },
          ],
          batchId,
        ),
      );
    }
  }
  const newIdsStmt = d1
    .prepare("SELECT event_id FROM key_verifications_v1 WHERE batch_id = ?1 UNION ALL SELECT event_id FROM ratelimits_v1 WHERE batch_id = ?1")
    .bind(batchId);
  stmts.push(newIdsStmt);
  const results = await d1.batch<{ event_id: string }>(stmts);
  const fresh = new Set((results[results.length - 1]?.results ?? []).map((r) => r.event_id));
  writeAnalyticsEngine(
    env,
    messages.filter((m) => fresh.has(m.id)),
  );
  return [...fresh];
}

/** Analytics Engine data points (dashboards; sampled, so D1 holds the exact counts). */
function writeAnalyticsEngine(env: Env, messages: AnalyticsMessage[]) {
  for (const m of messages) {
    try {
      if (m.type === "verification" && env.AE_VERIFICATIONS) {
        const r = verificationRow(m.id, m.event);
        env.AE_VERIFICATIONS.writeDataPoint({
          indexes: [r.workspace_id.slice(0, 96)],
          blobs: [
            r.event_id,
            r.request_id,
            r.workspace_id,
            r.key_space_id,
            r.identity_id,
            r.external_id,
            r.key_id,
            r.region,
            r.source,
            r.app_id,
            r.outcome,
            r.tags.slice(0, 8192),
          ],
          doubles: [r.time, r.spent_credits, r.latency],
        });
      } else if (m.type === "ratelimit" && env.AE_RATELIMITS) {
        const r = ratelimitRow(m.id, m.event);
        env.AE_RATELIMITS.writeDataPoint({
          indexes: [r.workspace_id.slice(0, 96)],
          blobs: [r.event_id, r.request_id, r.workspace_id, r.namespace_id, r.identifier, r.override_id],
          doubles: [r.time, r.passed, r.cost, r.max_requests, r.duration, r.remaining, r.reset_at, r.latency],
        });
      }
    } catch (err) {
      console.error("analytics: writeDataPoint failed", err);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// retention

const GRAIN_MS: Record<Exclude<Grain, "month">, number> = { minute: 60_000, hour: 3_600_000, day: DAY };

/**
 * Rows of a table whose bucket ended at or before `cutoff` have `time < threshold(cutoff)`:
 * raw rows are instants; a bucket of a fixed size ends at time + size; a month bucket ends at
 * the next month start, so it is over once it starts before the month holding the cutoff.
 */
function retentionThreshold(grain: Grain | "raw", cutoff: number): number {
  if (grain === "raw") return cutoff;
  if (grain === "month") {
    const d = new Date(cutoff);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  return cutoff - GRAIN_MS[grain] + 1;
}

export const RETENTION_TABLES: { table: string; grain: Grain | "raw" }[] = [
  { table: "key_verifications_v1", grain: "raw" },
  ...GRAINS.map((g) => ({ table: `key_verifications_per_${g}_v1`, grain: g })),
  { table: "ratelimits_v1", grain: "raw" },
  ...GRAINS.map((g) => ({ table: `ratelimits_per_${g}_v1`, grain: g })),
  { table: "gateway_requests_v1", grain: "raw" },
  { table: "runtime_logs_v1", grain: "raw" },
];

/**
 * Deletes rows older than their workspace's retention (workspaces.analytics_retention_days).
 * The workspaces live in DB and the rows in ANALYTICS_DB, so the workspace ids are read first
 * and the deletes name them (in chunks of bound parameters); each delete is a range scan on
 * the (workspace_id, time) index, in bounded chunks so one run stays short; the hourly cron
 * picks up whatever is left. Rows of workspaces that no longer exist fall back to the default
 * of 30 days; that pass lists the tables' workspace ids, so it runs once a day (the 03:xx UTC
 * run). Returns the number of rows deleted.
 */
export async function enforceAnalyticsRetention(env: Env, now = Date.now(), chunk = 5000, maxChunksPerTable = 20): Promise<number> {
  const { results } = await env.DB.prepare("SELECT id, analytics_retention_days AS days FROM workspaces").all<{ id: string; days: number }>();
  const byRetention = new Map<number, string[]>();
  for (const w of results) {
    if (!Number.isInteger(w.days) || w.days <= 0) continue;
    byRetention.set(w.days, [...(byRetention.get(w.days) ?? []), w.id]);
  }
  const known = new Set(results.map((w) => w.id));
  let deleted = 0;
  const drain = async (stmt: (limit: number) => D1PreparedStatement) => {
    for (let i = 0; i < maxChunksPerTable; i++) {
      const n = (await stmt(chunk).run()).meta.changes ?? 0;
      deleted += n;
      if (n < chunk) break;
    }
  };
  const a = env.ANALYTICS_DB;
  const deleteFor = (table: string, ids: string[], threshold: number) =>
    drain((limit) =>
      a
        .prepare(
          `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE workspace_id IN ` +
            `(SELECT value FROM json_each(?1)) AND time < ?2 LIMIT ?3)`,
        )
        .bind(JSON.stringify(ids), threshold, limit),
    );
  for (const { table, grain } of RETENTION_TABLES) {
    for (const [days, ids] of byRetention) {
      const threshold = retentionThreshold(grain, now - days * DAY);
      for (let i = 0; i < ids.length; i += 500) await deleteFor(table, ids.slice(i, i + 500), threshold);
    }
    if (new Date(now).getUTCHours() === 3) {
      const threshold = retentionThreshold(grain, now - DEFAULT_RETENTION_DAYS * DAY);
      const present = await a.prepare(`SELECT DISTINCT workspace_id AS id FROM ${table}`).all<{ id: string }>();
      const gone = present.results.map((r) => r.id).filter((id) => !known.has(id));
      for (let i = 0; i < gone.length; i += 500) await deleteFor(table, gone.slice(i, i + 500), threshold);
    }
  }
  // query-quota windows older than a day are no longer consulted
  await a
    .prepare("DELETE FROM analytics_query_quota WHERE window_start < ?1")
    .bind(now - DAY)
    .run();
  return deleted;
}
