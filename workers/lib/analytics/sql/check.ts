/**
 * The store-independent restriction pipeline for analytics queries (docs/analytics.md):
 * statement count and type, SETTINGS, complexity, CTE names, IN right sides, tables, the
 * function allow-list and the retention window. Every failure is an ApiError with the
 * analytics error code Unkey answers with; nothing here ever produces a 500.
 */
import { ApiError } from "../../errors";
import type { Expr, FromItem, OrderItem, Query, Select, SetExpr } from "./ast";
import { MAX_DEPTH, parseStatement, splitStatements, SqlSyntaxError, SqlTooComplexError, tokenize } from "./parser";
import { checkStructure, tooComplex } from "./cost";
import type { TableSet } from "./tables";

export const MAX_QUERY_BYTES = 16_384;
export const MAX_AST_NODES = 2_000;
export const MAX_PROJECTED_COLUMNS = 64;

const bad = (detail: string) => new ApiError("user/bad_request/invalid_analytics_query", detail);
const badTable = (detail: string) => new ApiError("user/bad_request/invalid_analytics_table", detail);
const badFunction = (detail: string) => new ApiError("user/bad_request/invalid_analytics_function", detail);

/** ClickHouse statements that are not queries: answered with invalid_analytics_query_type. */
const NON_SELECT = new Set(
  (
    "INSERT UPDATE DELETE DROP ALTER CREATE TRUNCATE GRANT REVOKE ATTACH DETACH RENAME OPTIMIZE KILL SYSTEM SET USE " +
    "SHOW DESCRIBE DESC EXPLAIN EXISTS CHECK REPLACE PRAGMA VACUUM EXCHANGE UNDROP BACKUP RESTORE WATCH MOVE BEGIN " +
    "COMMIT ROLLBACK SAVEPOINT RELEASE REINDEX ANALYZE UPSERT MERGE CALL COPY LOCK UNLOCK LOAD HANDLER DO"
  ).split(" "),
);

/** The functions a query may call (case-insensitive), as Unkey's analytics allow-list. */
export const ALLOWED_FUNCTIONS = new Set(
  [
    // aggregate
    "count", "sum", "avg", "min", "max", "any", "groupArray", "groupUniqArray", "uniq", "uniqExact", "quantile", "countIf", "sumIf",
    // date/time
    "now", "now64", "today", "toDate", "toDateTime", "toDateTime64", "toStartOfDay", "toStartOfWeek", "toStartOfMonth",
    "toStartOfQuarter", "toStartOfYear", "toStartOfHour", "toStartOfMinute", "date_trunc", "formatDateTime",
    "fromUnixTimestamp64Milli", "toUnixTimestamp64Milli", "toIntervalDay", "toIntervalWeek", "toIntervalMonth",
    "toIntervalYear", "toIntervalHour", "toIntervalMinute", "toIntervalSecond", "toIntervalMillisecond",
    "toIntervalMicrosecond", "toIntervalNanosecond", "toIntervalQuarter",
    // string
    "lower", "upper", "substring", "concat", "length", "trim", "startsWith", "endsWith",
    // json
    "JSONExtractString",
    // math
    "round", "floor", "ceil", "abs",
    // conditional
    "if", "case", "coalesce",
    // conversion
    "toString", "toInt32", "toInt64", "toFloat64",
    // array
    "has", "hasAny", "hasAll", "arrayJoin", "arrayFilter",
  ].map((f) => f.toLowerCase()),
);

/** Parses the text into exactly one SELECT statement, or throws the matching 400. */
export function parseAnalyticsQuery(text: string): Query {
  if (new TextEncoder().encode(text).length > MAX_QUERY_BYTES) throw bad("Analytics query exceeds the maximum length");
  let stmts;
  try {
    stmts = splitStatements(tokenize(text));
  } catch (err) {
    if (err instanceof SqlSyntaxError) throw bad(`Invalid SQL syntax: ${err.message}`);
    throw err;
  }
  if (stmts.length === 0) throw bad("No SQL statements found");
  if (stmts.length > 1) throw bad("Analytics queries must contain exactly one statement");
  const tokens = stmts[0]!;
  const first = tokens[0]!;
  const firstWord = first.t === "ident" ? first.v.toUpperCase() : "";
  if (NON_SELECT.has(firstWord)) throw new ApiError("user/bad_request/invalid_analytics_query_type", "Only SELECT queries are allowed");
  try {
    return parseStatement(text, tokens);
  } catch (err) {
    if (err instanceof SqlSyntaxError) throw bad(`Invalid SQL syntax: ${err.message}`);
    if (err instanceof SqlTooComplexError) throw tooComplex(`nesting deeper than ${MAX_DEPTH} levels`);
    throw err;
  }
}

// ---- walking --------------------------------------------------------------------------------

export interface Visitor {
  query?(q: Query): void;
  select?(s: Select): void;
  expr?(e: Expr): void;
  from?(f: FromItem): void;
}

export function walkQuery(q: Query, v: Visitor): void {
  v.query?.(q);
  for (const c of q.with ?? []) walkQuery(c.q, v);
  walkSet(q.body, v);
}

function walkSet(s: SetExpr, v: Visitor): void {
  if (s.k === "select") walkSelect(s, v);
  else if (s.k === "set") {
    walkSet(s.l, v);
    walkSet(s.r, v);
  } else walkQuery(s.q, v);
}

function walkOrder(items: OrderItem[] | undefined, v: Visitor) {
  for (const o of items ?? []) {
    walkExpr(o.e, v);
    if (o.fill?.from) walkExpr(o.fill.from, v);
    if (o.fill?.to) walkExpr(o.fill.to, v);
    if (o.fill?.step) walkExpr(o.fill.step, v);
  }
}

function walkSelect(s: Select, v: Visitor): void {
  v.select?.(s);
  for (const it of s.items) walkExpr(it.e, v);
  if (s.from) walkFrom(s.from, v);
  for (const e of [s.where, s.having, s.limit, s.offset]) if (e) walkExpr(e, v);
  for (const e of s.groupBy ?? []) walkExpr(e, v);
  walkOrder(s.orderBy, v);
}

function walkFrom(f: FromItem, v: Visitor): void {
  v.from?.(f);
  if (f.k === "derived") walkQuery(f.q, v);
  else if (f.k === "tablefn") for (const a of f.args) walkExpr(a, v);
  else if (f.k === "join") {
    walkFrom(f.l, v);
    walkFrom(f.r, v);
    if (f.on) walkExpr(f.on, v);
  }
}

export function walkExpr(e: Expr, v: Visitor): void {
  v.expr?.(e);
  switch (e.k) {
    case "fn":
      for (const a of e.params ?? []) walkExpr(a, v);
      for (const a of e.args) walkExpr(a, v);
      if (e.over) {
        for (const p of e.over.partitionBy) walkExpr(p, v);
        walkOrder(e.over.orderBy, v);
      }
      return;
    case "bin":
      walkExpr(e.l, v);
      walkExpr(e.r, v);
      return;
    case "un":
      walkExpr(e.e, v);
      return;
    case "in":
      walkExpr(e.e, v);
      for (const x of e.list ?? []) walkExpr(x, v);
      if (e.sub) walkQuery(e.sub, v);
      return;
    case "between":
      walkExpr(e.e, v);
      walkExpr(e.lo, v);
      walkExpr(e.hi, v);
      return;
    case "isnull":
      walkExpr(e.e, v);
      return;
    case "like":
      walkExpr(e.e, v);
      walkExpr(e.pattern, v);
      return;
    case "case":
      if (e.base) walkExpr(e.base, v);
      for (const [w, t] of e.whens) {
        walkExpr(w, v);
        walkExpr(t, v);
      }
      if (e.else) walkExpr(e.else, v);
      return;
    case "cast":
      walkExpr(e.e, v);
      return;
    case "interval":
      walkExpr(e.n, v);
      return;
    case "array":
    case "tuple":
      for (const x of e.items) walkExpr(x, v);
      return;
    case "lambda":
      walkExpr(e.body, v);
      return;
    case "subquery":
    case "exists":
      walkQuery(e.q, v);
      return;
    case "index":
      walkExpr(e.e, v);
      walkExpr(e.i, v);
      return;
    default:
      return;
  }
}

// ---- checks ---------------------------------------------------------------------------------

/**
 * Steps 4–8 and 11 of the pipeline, in order. Table references must be a public alias of the
 * set or a CTE visible at that point (a CTE sees only the CTEs defined before it).
 */
export function checkQuery(q: Query, set: TableSet): void {
  // 4. SETTINGS / FORMAT
  let settings = false;
  let format = false;
  walkQuery(q, { query: (x) => ((settings ||= !!x.settings), (format ||= !!x.format)) });
  if (settings) throw bad("SETTINGS clauses are not allowed in analytics queries");
  if (format) throw bad("FORMAT clauses are not allowed in analytics queries");

  // 5. complexity
  let nodes = 0;
  let projected = 0;
  walkQuery(q, {
    query: () => void nodes++,
    select: (s) => {
      nodes++;
      projected += s.items.length;
    },
    expr: () => void nodes++,
    from: () => void nodes++,
  });
  if (nodes > MAX_AST_NODES) throw tooComplex(`more than ${MAX_AST_NODES} syntax nodes`);
  if (projected > MAX_PROJECTED_COLUMNS) throw bad("Analytics query projects too many columns");
  checkStructure(q);

  // 6. CTE names must not shadow a public table
  const publicLower = new Set([...set.tables.keys()].map((t) => t.toLowerCase()));
  walkQuery(q, {
    query: (x) => {
      for (const c of x.with ?? []) {
        if (publicLower.has(c.name.toLowerCase())) throw badTable(`CTE name '${c.name}' conflicts with a public table name`);
      }
    },
  });

  // 7. IN needs a list or a subquery
  walkQuery(q, {
    expr: (e) => {
      if (e.k === "in" && e.table) throw bad("The right side of IN must be a list of values or a subquery, not a table");
    },
  });

  // 8. FROM required at the top; every table a public alias or a visible CTE
  const topSelects: Select[] = [];
  const collectTop = (s: SetExpr) => {
    if (s.k === "select") topSelects.push(s);
    else if (s.k === "set") {
      collectTop(s.l);
      collectTop(s.r);
    } else collectTop(s.q.body);
  };
  collectTop(q.body);
  if (topSelects.some((s) => !s.from)) throw bad("Query must have a FROM clause");
  checkTables(q, set, new Set());

  // 11. functions
  walkQuery(q, {
    expr: (e) => {
      if (e.k === "fn" && !ALLOWED_FUNCTIONS.has(e.name.toLowerCase())) {
        throw badFunction(`Function '${e.name.toLowerCase()}' is not allowed`);
      }
      if (e.k === "cast") throw badFunction("Function 'cast' is not allowed");
    },
    from: (f) => {
      if (f.k === "tablefn") throw badFunction(`Table function '${f.name}' is not allowed for security reasons`);
    },
  });
}

/** Scoped table check: CTEs are visible to later CTEs and to the body, never to themselves. */
function checkTables(q: Query, set: TableSet, outerCtes: Set<string>): void {
  const visible = new Set(outerCtes);
  for (const c of q.with ?? []) {
    checkTables(c.q, set, visible);
    visible.add(c.name);
  }
  checkSetTables(q.body, set, visible);
}

function checkSetTables(s: SetExpr, set: TableSet, ctes: Set<string>): void {
  if (s.k === "set") {
    checkSetTables(s.l, set, ctes);
    checkSetTables(s.r, set, ctes);
    return;
  }
  if (s.k === "paren") return checkTables(s.q, set, ctes);
  const checkFrom = (f: FromItem) => {
    if (f.k === "table") {
      const name = f.parts.join(".");
      if (f.parts.length === 1 && (set.tables.has(name) || ctes.has(name))) return;
      throw badTable(`Access to table '${name}' is not allowed`);
    }
    if (f.k === "derived") return checkTables(f.q, set, ctes);
    if (f.k === "join") {
      checkFrom(f.l);
      checkFrom(f.r);
      if (f.on) checkExprTables(f.on, set, ctes);
    }
  };
  if (s.from) checkFrom(s.from);
  const exprs = [...s.items.map((i) => i.e), s.where, s.having, ...(s.groupBy ?? []), ...(s.orderBy ?? []).map((o) => o.e)];
  for (const e of exprs) if (e) checkExprTables(e, set, ctes);
}

/** Subqueries inside expressions: check their tables with the same CTE scope. */
function checkExprTables(e: Expr, set: TableSet, ctes: Set<string>): void {
  const subs: Query[] = [];
  const collect = (x: Expr): void => {
    if (x.k === "subquery" || x.k === "exists") {
      subs.push(x.q);
      return;
    }
    if (x.k === "in" && x.sub) subs.push(x.sub);
    forEachChild(x, collect);
  };
  collect(e);
  for (const q of subs) checkTables(q, set, ctes);
}

/** Direct child expressions (not descending into subqueries). */
export function forEachChild(e: Expr, f: (c: Expr) => void): void {
  switch (e.k) {
    case "fn":
      (e.params ?? []).forEach(f);
      e.args.forEach(f);
      if (e.over) {
        e.over.partitionBy.forEach(f);
        e.over.orderBy.forEach((o) => f(o.e));
      }
      return;
    case "bin":
      f(e.l);
      f(e.r);
      return;
    case "un":
    case "isnull":
    case "cast":
      f(e.e);
      return;
    case "in":
      f(e.e);
      (e.list ?? []).forEach(f);
      return;
    case "between":
      f(e.e);
      f(e.lo);
      f(e.hi);
      return;
    case "like":
      f(e.e);
      f(e.pattern);
      return;
    case "case":
      if (e.base) f(e.base);
      e.whens.forEach(([w, t]) => (f(w), f(t)));
      if (e.else) f(e.else);
      return;
    case "interval":
      f(e.n);
      return;
    case "array":
    case "tuple":
      e.items.forEach(f);
      return;
    case "lambda":
      f(e.body);
      return;
    case "index":
      f(e.e);
      f(e.i);
      return;
    default:
      return;
  }
}

// ---- retention ------------------------------------------------------------------------------

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = {
  NANOSECOND: 0, MICROSECOND: 0, MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY, WEEK: 7 * DAY,
  MONTH: 30 * DAY, QUARTER: 90 * DAY, YEAR: 365 * DAY,
};
const INTERVAL_FNS: Record<string, string> = {
  tointervalnanosecond: "NANOSECOND", tointervalmicrosecond: "MICROSECOND", tointervalmillisecond: "MILLISECOND",
  tointervalsecond: "SECOND", tointervalminute: "MINUTE", tointervalhour: "HOUR", tointervalday: "DAY",
  tointervalweek: "WEEK", tointervalmonth: "MONTH", tointervalquarter: "QUARTER", tointervalyear: "YEAR",
};
const WRAPPERS = new Set([
  "tostartofminute", "tostartofhour", "tostartofday", "tostartofweek", "tostartofmonth", "tostartofquarter", "tostartofyear",
  "todate", "todatetime", "todatetime64", "formatdatetime", "tounixtimestamp64milli", "fromunixtimestamp64milli",
]);

/** Parses the time-literal forms a bound may use: RFC 3339, `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` (UTC). */
export function parseTimeLiteral(s: string): number | undefined {
  const t = s.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!);
  m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) return undefined;
  if (!m[8]) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? Math.trunc(+m[7] * 1000) : 0);
  const v = Date.parse(t.replace(" ", "T"));
  return Number.isNaN(v) ? undefined : v;
}

function intervalMs(e: Expr, now: number): number | undefined {
  if (e.k === "interval") {
    const n = evalNumber(e.n);
    return n === undefined ? undefined : n * UNIT_MS[e.unit]!;
  }
  if (e.k === "fn" && INTERVAL_FNS[e.name.toLowerCase()] && e.args.length === 1) {
    const n = evalNumber(e.args[0]!);
    return n === undefined ? undefined : n * UNIT_MS[INTERVAL_FNS[e.name.toLowerCase()]!]!;
  }
  void now;
  return undefined;
}

function evalNumber(e: Expr): number | undefined {
  if (e.k === "num") {
    const n = Number(e.v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (e.k === "str" && /^-?\d+(\.\d+)?$/.test(e.v.trim())) return Number(e.v);
  return undefined;
}

/** A time bound's value in Unix ms, or undefined when it cannot be evaluated (then it is allowed). */
export function evalTimeBound(e: Expr, now: number): number | undefined {
  switch (e.k) {
    case "num":
      return evalNumber(e);
    case "str":
      return parseTimeLiteral(e.v);
    case "fn": {
      const name = e.name.toLowerCase();
      if (name === "now" || name === "now64" || name === "today") return now;
      if (name === "date_trunc") return e.args[1] ? evalTimeBound(e.args[1], now) : undefined;
      if (WRAPPERS.has(name)) return e.args[0] ? evalTimeBound(e.args[0], now) : undefined;
      return undefined;
    }
    case "bin": {
      if (e.op !== "+" && e.op !== "-") return undefined;
      const base = evalTimeBound(e.l, now);
      const iv = intervalMs(e.r, now);
      if (base === undefined || iv === undefined) return undefined;
      return e.op === "+" ? base + iv : base - iv;
    }
    default:
      return undefined;
  }
}

const isTimeColumn = (e: Expr, timeColumn: string) => e.k === "col" && e.parts[e.parts.length - 1] === timeColumn;

/** Every explicit lower bound on a `time` column anywhere in the query. */
export function timeLowerBounds(q: Query, now: number, timeColumn = "time"): number[] {
  const out: number[] = [];
  const push = (x: Expr) => {
    const v = evalTimeBound(x, now);
    if (v !== undefined) out.push(v);
  };
  walkQuery(q, {
    expr: (e) => {
      if (e.k === "bin") {
        if (isTimeColumn(e.l, timeColumn) && (e.op === ">=" || e.op === ">" || e.op === "=")) push(e.r);
        if (isTimeColumn(e.r, timeColumn) && (e.op === "<=" || e.op === "<" || e.op === "=")) push(e.l);
      } else if (e.k === "between" && !e.not && isTimeColumn(e.e, timeColumn)) push(e.lo);
    },
  });
  return out;
}

const ymd = (ms: number) => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "an unrepresentable date" : d.toISOString().slice(0, 10);
};

/** Step 12: an explicit lower bound older than the retention window is a 400. */
export function checkRetention(q: Query, retentionDays: number, now: number): void {
  const oldest = now - retentionDays * DAY;
  for (const bound of timeLowerBounds(q, now)) {
    if (bound < oldest) {
      throw new ApiError(
        "user/bad_request/query_range_exceeds_retention",
        `Cannot query data older than ${retentionDays} days. Your query attempts to access data from ${ymd(bound)}, but only data from ${ymd(oldest)} onwards is available.`,
      );
    }
  }
}
