/**
 * The registry of queryable analytics tables. Each endpoint queries one table set
 * (`verifications` for analytics.getVerifications); a later endpoint registers its own set
 * with `defineTableSet` (e.g. gateway request logs) and gets the same checks, rewriting
 * and row policy for free.
 *
 * Column types drive the translation (docs/analytics.md): every time value is Unix ms in
 * storage; `datetime`/`date` columns behave like ClickHouse DateTime/Date (bucket starts),
 * `int` time columns (raw tables) are plain millisecond numbers as Unkey documents them.
 */

export type ColumnType = "string" | "int" | "float" | "datetime" | "date" | "array" | "bool";

export interface TableDef {
  /** public name, also the physical D1 table name */
  name: string;
  /** bucket size of the table's `time` column, for the retention floor; "raw" = event time */
  grain: "raw" | "minute" | "hour" | "day" | "month";
  /** public columns (only these are ever visible to a query) */
  columns: Record<string, ColumnType>;
  /** column holding the workspace id (always filtered) */
  workspaceColumn: string;
  /** column holding the event time in Unix ms (retention floor) */
  timeColumn: string;
  /** columns a row policy may restrict to a list of values, e.g. key_space_id for API-scoped keys */
  scopeColumns?: string[];
  /** public columns computed from stored ones (SQL over the physical columns), e.g. `limit` */
  expressions?: Record<string, string>;
}

export interface TableSet {
  name: string;
  tables: Map<string, TableDef>;
}

/** A named set of queryable tables; a route passes its set to runAnalyticsQuery. */
export function defineTableSet(name: string, defs: TableDef[]): TableSet {
  return { name, tables: new Map(defs.map((d) => [d.name, d])) };
}

const verificationDims: Record<string, ColumnType> = {
  workspace_id: "string",
  key_space_id: "string",
  identity_id: "string",
  external_id: "string",
  key_id: "string",
  outcome: "string",
  source: "string",
  app_id: "string",
  tags: "array",
};

export const VERIFICATIONS = defineTableSet("verifications", [
  {
    name: "key_verifications_v1",
    grain: "raw",
    columns: {
      request_id: "string",
      time: "int",
      ...verificationDims,
      region: "string",
      spent_credits: "int",
      latency: "float",
    },
    workspaceColumn: "workspace_id",
    timeColumn: "time",
    scopeColumns: ["key_space_id"],
  },
  ...(["minute", "hour", "day", "month"] as const).map(
    (grain): TableDef => ({
      name: `key_verifications_per_${grain}_v1`,
      grain,
      columns: {
        time: grain === "day" || grain === "month" ? "date" : "datetime",
        ...verificationDims,
        count: "int",
        spent_credits: "int",
      },
      workspaceColumn: "workspace_id",
      timeColumn: "time",
      scopeColumns: ["key_space_id"],
    }),
  ),
]);

/** analytics.getRatelimits: Unkey's public rate-limit tables and columns. */
export const RATELIMITS = defineTableSet("ratelimits", [
  {
    name: "ratelimits_v1",
    grain: "raw",
    columns: {
      request_id: "string",
      time: "int",
      workspace_id: "string",
      namespace_id: "string",
      identifier: "string",
      passed: "bool",
      latency: "float",
      override_id: "string",
      limit: "int",
      remaining: "int",
      reset_at: "int",
      tokens: "int",
    },
    workspaceColumn: "workspace_id",
    timeColumn: "time",
    scopeColumns: ["namespace_id"],
    expressions: { limit: "max_requests", tokens: "cost" },
  },
  ...(["minute", "hour", "day", "month"] as const).map(
    (grain): TableDef => ({
      name: `ratelimits_per_${grain}_v1`,
      grain,
      columns: {
        time: grain === "day" || grain === "month" ? "date" : "datetime",
        workspace_id: "string",
        namespace_id: "string",
        identifier: "string",
        passed: "int",
        total: "int",
        total_tokens: "int",
        passed_tokens: "int",
        latency_avg: "float",
      },
      workspaceColumn: "workspace_id",
      timeColumn: "time",
      scopeColumns: ["namespace_id"],
      expressions: { latency_avg: "CASE WHEN total > 0 THEN latency_sum / total ELSE 0 END" },
    }),
  ),
]);
