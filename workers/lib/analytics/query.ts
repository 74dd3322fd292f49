/**
 * Runs an analytics SQL query (docs/analytics.md): parse and check (./sql/check.ts), then hand
 * the checked AST to an `AnalyticsStore`. The D1 store compiles it to SQLite with the row
 * policy injected (./sql/sqlite.ts); a deployment could add a store for Analytics Engine's
 * SQL API behind the same interface. Every failure maps to an analytics error code.
 */
import type { Env } from "../env";
import { ApiError } from "../errors";
import type { Query } from "./sql/ast";
import { checkQuery, checkRetention, parseAnalyticsQuery } from "./sql/check";
import { checkEstimate, COST_LIMITS } from "./sql/cost";
import { applyFill, boundedCountSql, compileSqlite, tableReads, type RowPolicy } from "./sql/sqlite";
import type { TableSet } from "./sql/tables";

export const ANALYTICS_LIMITS = {
  /** rows per result (and LIMIT cap of every SELECT) */
  maxResultRows: 10_000,
  /** client-side deadline for one query */
  maxExecutionMs: 10_000,
  /** encoded JSON result */
  maxResultBytes: 4 * 1024 * 1024,
  /** queries per workspace and window */
  maxQueriesPerWindow: 1_000,
  quotaWindowSeconds: 3_600,
};

export type Row = Record<string, unknown>;

/** Where analytics queries run. `run` receives a query that passed every check. */
export interface AnalyticsStore {
  /** Refuses a query too expensive to run (./sql/cost.ts), before the quota counts it. */
  check?(query: Query, tables: TableSet, policy: RowPolicy): Promise<void>;
  run(query: Query, tables: TableSet, policy: RowPolicy, opts: { timeoutMs: number }): Promise<Row[]>;
}

export interface AnalyticsRequest {
  text: string;
  tables: TableSet;
  workspaceId: string;
  retentionDays: number;
  /** scope column → allowed values, for API-scoped root keys */
  scope?: Record<string, string[]>;
  now?: number;
  /** count the query against this database's per-workspace quota (only once it is valid) */
  quota?: D1Database;
}

/**
 * The full pipeline: checks, retention, quota, execution, result size. The quota counts only
 * queries that passed every check, so a rejected query writes nothing.
 */
export async function runAnalyticsQuery(store: AnalyticsStore, req: AnalyticsRequest): Promise<Row[]> {
  const now = req.now ?? Date.now();
  const query = parseAnalyticsQuery(req.text);
  checkQuery(query, req.tables);
  checkRetention(query, req.retentionDays, now);
  const policy: RowPolicy = {
    workspaceId: req.workspaceId,
    scope: req.scope,
    retentionDays: req.retentionDays,
    now,
    maxRows: ANALYTICS_LIMITS.maxResultRows,
  };
  await store.check?.(query, req.tables, policy);
  if (req.quota && !(await consumeQueryQuota(req.quota, req.workspaceId, now))) {
    throw new ApiError("user/too_many_requests/query_quota_exceeded", "Query quota exceeded for the current time window. Please try again later.");
  }
  const rows = await store.run(query, req.tables, policy, { timeoutMs: ANALYTICS_LIMITS.maxExecutionMs });
  if (rows.length > ANALYTICS_LIMITS.maxResultRows) {
    throw new ApiError("user/unprocessable_entity/query_rows_limit_exceeded", "Query result exceeds the maximum row count.");
  }
  if (new TextEncoder().encode(JSON.stringify(rows)).length > ANALYTICS_LIMITS.maxResultBytes) {
    throw new ApiError("user/unprocessable_entity/query_memory_limit_exceeded", "Query result exceeds the maximum response size.");
  }
  return rows;
}

/**
 * The store this deployment queries. `ANALYTICS_BACKEND` (a var) selects it: "d1" (default)
 * reads the D1 analytics tables; "none" turns the SQL endpoints off (412
 * analytics_not_configured). Another store (e.g. Analytics Engine's SQL API) plugs in here.
 */
export function analyticsStoreFor(env: Env): AnalyticsStore | null {
  const backend = typeof env.ANALYTICS_BACKEND === "string" && env.ANALYTICS_BACKEND ? env.ANALYTICS_BACKEND : "d1";
  if (backend === "d1") return new D1AnalyticsStore(env.ANALYTICS_DB);
  return null;
}

/** The D1 store: compiles to SQLite and reads the analytics database (binding ANALYTICS_DB). */
export class D1AnalyticsStore implements AnalyticsStore {
  constructor(private readonly d1: D1Database) {}

  /**
   * Compiles with the structure bounds, counts the rows each table read can see (bounded by
   * the row limit and the read's own lower time bound), and refuses a query whose estimated
   * row visits exceed the limit.
   */
  async check(query: Query, tables: TableSet, policy: RowPolicy): Promise<void> {
    compileSqlite(query, tables, policy); // structure bounds first: no COUNT for a refused query
    const reads = tableReads(query, tables, policy.now);
    const cap = COST_LIMITS.maxWeightedRows;
    const counts = new Map<string, number>();
    if (reads.length) {
      const stmts = reads.map((r) => this.d1.prepare(boundedCountSql(tables.tables.get(r.table)!, policy, r.since, cap)));
      const results = await this.d1.batch<{ n: number }>(stmts);
      for (const [i, r] of reads.entries()) counts.set(r.key, Number(results[i]?.results[0]?.n ?? cap));
    }
    const compiled = compileSqlite(query, tables, policy, counts);
    checkEstimate(compiled.estimate, compiled.sql.length);
  }

  async run(query: Query, tables: TableSet, policy: RowPolicy, opts: { timeoutMs: number }): Promise<Row[]> {
    const compiled = compileSqlite(query, tables, policy);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ApiError("user/unprocessable_entity/query_execution_timeout", "Query exceeded the maximum execution time.")),
        opts.timeoutMs,
      );
    });
    let raw: [string[], ...unknown[][]];
    try {
      raw = await Promise.race([this.d1.prepare(compiled.sql).raw({ columnNames: true }), deadline]);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw mapEngineError(err);
    } finally {
      clearTimeout(timer);
    }
    const [names, ...data] = raw;
    const types = names.length === compiled.columns.length ? compiled.columns.map((c) => c.t) : names.map(() => "any");
    let rows: Row[] = data.map((values) => {
      const row: Row = {};
      names.forEach((name, i) => {
        row[name] = convert(values[i], types[i]!);
      });
      return row;
    });
    if (compiled.fill && rows.length <= policy.maxRows) rows = applyFill(rows, compiled.columns, compiled.fill, policy.maxRows);
    return rows;
  }
}

function convert(v: unknown, t: string): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "bigint") return Number(v);
  if (t === "arr" && typeof v === "string") {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return null;
  return v;
}

/** SQLite/D1 failures → analytics error codes; the rewritten SQL is never echoed. */
export function mapEngineError(err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  const bad = (d: string) => new ApiError("user/bad_request/invalid_analytics_query", d);
  if (/interrupt|timed? ?out|deadline|exceeded.*time/i.test(msg)) {
    return new ApiError("user/unprocessable_entity/query_execution_timeout", "Query exceeded the maximum execution time.");
  }
  if (/out of memory|string or blob too big|too big/i.test(msg)) {
    return new ApiError("user/unprocessable_entity/query_memory_limit_exceeded", "Query exceeded the memory limit.");
  }
  if (/no such column/i.test(msg)) return bad("Unknown identifier in analytics query");
  if (/no such function|wrong number of arguments/i.test(msg)) return bad("Unknown function in analytics query");
  if (/aggregate|GROUP BY|misuse of window/i.test(msg)) return bad("Invalid use of an aggregate function in analytics query");
  if (/malformed JSON|JSON/i.test(msg)) return bad("A JSON function received malformed JSON");
  if (/too many|tree is too large|too complex|depth/i.test(msg)) return bad("Analytics query is too complex");
  if (/SELECTs to the left and right|columns/i.test(msg)) return bad("Both sides of a set operation must select the same number of columns");
  if (/SQLITE_|syntax error|D1_ERROR/i.test(msg) && !/network|connection|unavailable|reset/i.test(msg)) {
    return bad("The analytics query could not be executed");
  }
  console.error("analytics: store failure", msg);
  return new ApiError("unkey/data/analytics_connection_failed", "The analytics store is unavailable. Please try again later.");
}

/**
 * Counts one query against the workspace's quota window. Returns false when the window's
 * allowance is spent.
 */
export async function consumeQueryQuota(d1: D1Database, workspaceId: string, now = Date.now()): Promise<boolean> {
  const windowMs = ANALYTICS_LIMITS.quotaWindowSeconds * 1000;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const row = await d1
    .prepare(
      "INSERT INTO analytics_query_quota (workspace_id, window_start, queries) VALUES (?1, ?2, 1) " +
        "ON CONFLICT (workspace_id, window_start) DO UPDATE SET queries = queries + 1 RETURNING queries",
    )
    .bind(workspaceId, windowStart)
    .first<{ queries: number }>();
  return (row?.queries ?? 0) <= ANALYTICS_LIMITS.maxQueriesPerWindow;
}
