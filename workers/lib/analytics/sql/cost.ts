/**
 * Cost bounds of an analytics query, checked before anything runs (docs/analytics.md → Limits).
 * One query must never hold the database (or, locally, the one thread every Worker shares)
 * long enough to delay another tenant, and D1 cannot cancel a query once it started. So:
 *
 * - structure: joins and nesting depth (./check.ts, ./parser.ts), expressions compiled, alias
 *   references and the size of the compiled SQL (./sqlite.ts stops as soon as one is crossed,
 *   so a query whose text would grow exponentially costs microseconds to refuse) → 400
 *   `invalid_analytics_query` "Analytics query is too complex: <which limit>";
 * - rows: the compiler estimates the rows a query visits — a table's rows visible to the
 *   workspace (a COUNT bounded by the limit), an array literal's length, CTEs, subqueries
 *   (correlated ones once per outer row) and joins as the product of their sides — weighted by
 *   the compiled SQL size (bigger expressions cost more per row) → 422
 *   `query_rows_limit_exceeded`.
 *
 * The numbers are calibrated so the heaviest query they allow adds at most 250 ms to a
 * concurrent key verification of another workspace on one local process (BENCHMARKS.md).
 */
import { ApiError } from "../../errors";
import type { Query } from "./ast";
import { walkQuery } from "./check";
import type { Estimate } from "./sqlite";

export const COST_LIMITS = {
  /** joins (JOIN / CROSS JOIN / comma) summed over the whole query */
  maxJoins: 8,
  /** expressions the compiler may compile (aliases and subqueries count every time they are used) */
  maxCompileSteps: 20_000,
  /** uses of a SELECT alias (each one inlines the alias' expression) */
  maxAliasExpansions: 256,
  /** compiled SQLite text */
  maxCompiledSqlBytes: 32 * 1024,
  /**
   * weighted row visits: estimated rows × (1 + compiled bytes / 512). A GROUP BY over 100,000
   * rows took ~530 ms on the loaded benchmark machine; 40,000 keeps the heaviest allowed
   * queries near 100 ms at the median (BENCHMARKS.md → Analytics isolation).
   */
  maxWeightedRows: 40_000,
  /** rows assumed for a table whose count is unknown */
  unknownTableRows: 10_000,
  /**
   * elements assumed per array column value: a typical tag count, not the maximum (20), so
   * Unkey's documented `arrayJoin(tags)` queries fit; the estimate is off by at most 4× for a
   * workspace that sends 20 tags with every verification.
   */
  arrayColumnLength: 5,
};

export const tooComplex = (limit: string) => new ApiError("user/bad_request/invalid_analytics_query", `Analytics query is too complex: ${limit}`);

/** Structure bounds that need no compilation (after parsing). */
export function checkStructure(q: Query): void {
  let joins = 0;
  walkQuery(q, {
    from: (f) => {
      if (f.k === "join") joins++;
    },
  });
  if (joins > COST_LIMITS.maxJoins) throw tooComplex(`more than ${COST_LIMITS.maxJoins} joins`);
}

/** The weight the row bound applies to: row visits, heavier per row the bigger the compiled SQL. */
export function weightedRows(est: Estimate, sqlBytes: number): number {
  return est.work * (1 + sqlBytes / 512);
}

/** Refuses a query whose estimated row visits exceed the bound (422). */
export function checkEstimate(est: Estimate, sqlBytes: number): void {
  const weighted = weightedRows(est, sqlBytes);
  if (weighted > COST_LIMITS.maxWeightedRows) {
    throw new ApiError(
      "user/unprocessable_entity/query_rows_limit_exceeded",
      `Query attempted to read too many rows: about ${formatCount(est.work)} row visits estimated (weighted ${formatCount(weighted)}, limit ${formatCount(COST_LIMITS.maxWeightedRows)}). Narrow the time range, query a rollup table or avoid cross joins.`,
    );
  }
}

const formatCount = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "unbounded");
