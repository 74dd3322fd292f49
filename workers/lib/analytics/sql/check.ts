/**
 * The store-independent restriction pipeline for analytics queries (docs/analytics.md):
 * statement count and type, SETTINGS, complexity, CTE names, IN right sides, tables, the
 * function allow-list and the retention window. Every failure is an ApiError with the
 * analytics error code Unkey answers with; nothing here ever produces a 500.
 */
import { ApiError } from "../../errors";
import type { Expr, FromItem, IntervalUnit, OrderItem, Query, Select, SetExpr } from "./ast";
import { MAX_DEPTH, parseStatement, splitStatements, SqlSyntaxError, SqlTooComplexError, tokenize } from "./parser";
import { checkStructure, tooComplex } from "./cost";
import type { TableSet } from "./tables";
import { INTERVAL_FNS } from "./functions";

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

/**
 * The functions a query may call (case-insensitive): Unkey's analytics allow-list, plus our
 * extensions `toUnixTimestamp` and `fromUnixTimestamp`, which Unkey's documentation uses for
 * raw-table ranges (`time >= toUnixTimestamp(now() - INTERVAL 1 HOUR) * 1000`) but its server
 * refuses (docs/analytics.md → Extensions).
 */
export const ALLOWED_FUNCTIONS = new Set(
  [
    // aggregate
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "any",
    "groupArray",
    "groupUniqArray",
    "uniq",
    "uniqExact",
    "quantile",
    "countIf",
    "sumIf",
    // date/time
    "now",
    "now64",
    "today",
    "toDate",
    "toDateTime",
    "toDateTime64",
    "toStartOfDay",
    "toStartOfWeek",
    "toStartOfMonth",
    "toStartOfQuarter",
    "toStartOfYear",
    "toStartOfHour",
    "toStartOfMinute",
    "date_trunc",
    "formatDateTime",
    "fromUnixTimestamp64Milli",
    "toUnixTimestamp64Milli",
    "toIntervalDay",
    "toIntervalWeek",
    "toIntervalMonth",
    "toIntervalYear",
    "toIntervalHour",
    "toIntervalMinute",
    "toIntervalSecond",
    "toIntervalMillisecond",
    "toIntervalMicrosecond",
    "toIntervalNanosecond",
    "toIntervalQuarter",
    // extensions
    "toUnixTimestamp",
    "fromUnixTimestamp",
    // string
    "lower",
    "upper",
    "substring",
    "concat",
    "length",
    "trim",
    "startsWith",
    "endsWith",
    // json
    "JSONExtractString",
    // math
    "round",
    "floor",
    "ceil",
    "abs",
    // conditional
    "if",
    "case",
    "coalesce",
    // conversion
    "toString",
    "toInt32",
    "toInt64",
    "toFloat64",
    // array
    "has",
    "hasAny",
    "hasAll",
    "arrayJoin",
    "arrayFilter",
  ].map((f) => f.toLowerCase()),
);

/** Parses the text into exactly one SELECT statement, or throws the matching 400. */
export function parseAnalyticsQuery(text: string): Query {
  if (new TextEncoder().encode(text).length > MAX_QUERY_BYTES) throw bad("Analytics query exceeds the maximum length");
  let stmts: ReturnType<typeof splitStatements>;
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
  if (s.k === "paren") {
    checkTables(s.q, set, ctes);
    return;
  }
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
        for (const o of e.over.orderBy) f(o.e);
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
      for (const [w, t] of e.whens) {
        f(w);
        f(t);
      }
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
/** Unkey's retention arithmetic: MONTH = 30 days, YEAR = 365 days, sub-millisecond units 0. */
const LAX_UNIT_MS: Record<IntervalUnit, number> = {
  NANOSECOND: 0,
  MICROSECOND: 0,
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY,
  WEEK: 7 * DAY,
  MONTH: 30 * DAY,
  QUARTER: 90 * DAY,
  YEAR: 365 * DAY,
};
const EXACT_UNIT_MS: Partial<Record<IntervalUnit, number>> = {
  NANOSECOND: 1e-6,
  MICROSECOND: 1e-3,
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY,
  WEEK: 7 * DAY,
};
const MONTHS: Partial<Record<IntervalUnit, number>> = { MONTH: 1, QUARTER: 3, YEAR: 12 };
const BUCKET_MS: Record<string, number> = { tostartofminute: 60_000, tostartofhour: 3_600_000, tostartofday: DAY };

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

/**
 * A constant's value as the compiler computes it: times and numbers as Unix ms / plain numbers,
 * intervals as fixed ms plus calendar months. `iv` values only exist to be added to a time.
 */
export interface ConstValue {
  v: number;
  t: "num" | "dt" | "date" | "iv";
  /** calendar months of an interval (exact mode) */
  months?: number;
}

/**
 * Evaluates a constant expression (no columns), or undefined when it cannot.
 *
 * - `exact`: as the compiled SQL would (roundings, calendar months), for WITH FILL bounds and
 *   the row estimate's lower time bound;
 * - lax (Unkey's retention rule): roundings (`toStartOf*`, `toDate`, `date_trunc`,
 *   `formatDateTime`) are their argument, `today()` is now, MONTH is 30 days, YEAR 365, so a
 *   query Unkey's server accepts is accepted here too.
 *
 * Unit conversions are always honest: a number given to `toDateTime`/`fromUnixTimestamp` is
 * seconds, `toUnixTimestamp` returns seconds, so `toUnixTimestamp(now() - INTERVAL 1 DAY) * 1000`
 * is the millisecond bound it is meant to be.
 */
export function evalConstant(e: Expr, now: number, exact: boolean): ConstValue | undefined {
  const out = evalInner(e, now, exact);
  return out && Number.isFinite(out.v) ? out : undefined;
}

function evalInner(e: Expr, now: number, exact: boolean): ConstValue | undefined {
  const ev = (x: Expr | undefined) => (x ? evalConstant(x, now, exact) : undefined);
  switch (e.k) {
    case "num": {
      const v = Number(e.v);
      return { v, t: "num" };
    }
    case "str": {
      const ms = parseTimeLiteral(e.v);
      if (ms !== undefined) return { v: ms, t: "dt" };
      return /^-?\d+(\.\d+)?$/.test(e.v.trim()) ? { v: Number(e.v), t: "num" } : undefined;
    }
    case "un": {
      const x = ev(e.e);
      if (!x || e.op === "NOT") return undefined;
      return e.op === "-" ? (x.t === "num" ? { v: -x.v, t: "num" } : undefined) : x;
    }
    case "interval":
      return interval(ev(e.n), e.unit, exact);
    case "fn":
      return evalCall(e, now, exact);
    case "bin":
      return evalBinary(e.op, ev(e.l), ev(e.r));
    default:
      return undefined;
  }
}

function interval(n: ConstValue | undefined, unit: IntervalUnit, exact: boolean): ConstValue | undefined {
  if (!n || n.t !== "num") return undefined;
  if (!exact) return { v: n.v * LAX_UNIT_MS[unit], t: "iv" };
  const months = MONTHS[unit];
  return months !== undefined ? { v: 0, t: "iv", months: n.v * months } : { v: n.v * EXACT_UNIT_MS[unit]!, t: "iv" };
}

/** A value read as Unix ms the way the compiler's asMs reads it. */
function asMs(x: ConstValue | undefined, numbers: "seconds" | "fractional-seconds" | "ms"): number | undefined {
  if (!x || x.t === "iv") return undefined;
  if (x.t !== "num") return x.v;
  if (numbers === "seconds") return Math.trunc(x.v) * 1000;
  if (numbers === "fractional-seconds") return Math.trunc(x.v * 1000);
  return Math.trunc(x.v);
}

const utc = (ms: number) => new Date(ms);

function calendarStart(ms: number, unit: string, weekMode: number): number {
  const d = utc(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (unit === "month") return Date.UTC(y, m, 1);
  if (unit === "quarter") return Date.UTC(y, m - (m % 3), 1);
  if (unit === "year") return Date.UTC(y, 0, 1);
  // week: Sunday (mode 0) or Monday (mode 1)
  const day = Math.floor(ms / DAY) * DAY;
  const dow = d.getUTCDay();
  const back = weekMode === 1 ? (dow + 6) % 7 : dow;
  return day - back * DAY;
}

function evalCall(e: Extract<Expr, { k: "fn" }>, now: number, exact: boolean): ConstValue | undefined {
  const name = e.name.toLowerCase();
  // each argument evaluated at most once, so a case reading it twice can never make nesting exponential
  const memo = new Map<number, ConstValue | undefined>();
  const a = (i: number) => {
    if (!memo.has(i)) memo.set(i, e.args[i] ? evalConstant(e.args[i]!, now, exact) : undefined);
    return memo.get(i);
  };
  const time = (v: number | undefined, t: "dt" | "date" = "dt"): ConstValue | undefined => (v === undefined ? undefined : { v, t });
  const num = (v: number | undefined): ConstValue | undefined => (v === undefined ? undefined : { v, t: "num" });
  if (INTERVAL_FNS[name]) return interval(a(0), INTERVAL_FNS[name]!, exact);
  switch (name) {
    case "now":
    case "now64":
      return { v: now, t: "dt" };
    case "today":
      return { v: exact ? Math.floor(now / DAY) * DAY : now, t: "date" };
    case "tostartofminute":
    case "tostartofhour":
    case "tostartofday": {
      const v = asMs(a(0), "ms");
      const size = BUCKET_MS[name]!;
      return time(v === undefined || !exact ? v : Math.floor(v / size) * size);
    }
    case "tostartofweek":
    case "tostartofmonth":
    case "tostartofquarter":
    case "tostartofyear": {
      const v = asMs(a(0), "ms");
      const mode = name === "tostartofweek" && e.args[1]?.k === "num" ? Number(e.args[1].v) % 2 : 0;
      return time(v === undefined || !exact ? v : calendarStart(v, name.slice("tostartof".length), mode), "date");
    }
    case "date_trunc": {
      const v = asMs(a(1), "ms");
      if (v === undefined || !exact) return time(v);
      const unit = e.args[0]?.k === "str" ? e.args[0].v.toLowerCase() : "";
      const fixed: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: DAY };
      if (fixed[unit]) return time(Math.floor(v / fixed[unit]) * fixed[unit], unit === "day" ? "date" : "dt");
      if (unit === "week") return time(calendarStart(v, "week", 1), "date");
      if (unit === "month" || unit === "quarter" || unit === "year") return time(calendarStart(v, unit, 0), "date");
      return undefined;
    }
    case "todate": {
      const v = asMs(a(0), "seconds");
      return time(v === undefined || !exact ? v : Math.floor(v / DAY) * DAY, "date");
    }
    case "todatetime":
      return time(asMs(a(0), "seconds"));
    case "todatetime64":
      return time(asMs(a(0), "fractional-seconds"));
    case "formatdatetime":
      // a string: only Unkey's lax rule reads it as its argument
      return exact ? undefined : time(asMs(a(0), "ms"));
    case "fromunixtimestamp64milli":
      return time(a(0)?.t === "num" ? Math.trunc(a(0)!.v) : undefined);
    case "tounixtimestamp64milli":
      return num(asMs(a(0), "ms"));
    case "fromunixtimestamp":
      // with a format it is a string
      return e.args.length === 1 && a(0)?.t === "num" ? time(Math.trunc(a(0)!.v) * 1000) : undefined;
    case "tounixtimestamp": {
      const v = asMs(a(0), "seconds");
      return num(v === undefined ? undefined : Math.trunc(v / 1000));
    }
    case "toint32":
    case "toint64": {
      const x = a(0);
      if (!x || x.t === "iv") return undefined;
      return num(x.t === "num" ? Math.trunc(x.v) : Math.trunc(x.v / 1000));
    }
    case "tofloat64": {
      const x = a(0);
      return x?.t === "num" ? x : undefined;
    }
    default:
      return undefined;
  }
}

function shift(base: ConstValue, iv: ConstValue, sign: 1 | -1): ConstValue | undefined {
  let v = base.v + sign * iv.v;
  if (iv.months) {
    const d = utc(v);
    v = Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + sign * iv.months,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    );
  }
  return { v, t: base.t === "num" ? "num" : base.t };
}

/** Binary arithmetic with the compiler's typing: Date ± n is days, DateTime ± n seconds. */
function evalBinary(op: string, l: ConstValue | undefined, r: ConstValue | undefined): ConstValue | undefined {
  if (!l || !r) return undefined;
  const isTime = (x: ConstValue) => x.t === "dt" || x.t === "date";
  const unit = (x: ConstValue) => (x.t === "date" ? DAY : 1000);
  if (op === "+" || op === "-") {
    const sign = op === "+" ? 1 : -1;
    if (l.t === "iv" && r.t !== "iv" && op === "+") [l, r] = [r, l];
    if (r.t === "iv") return l.t === "iv" ? undefined : shift(l, r, sign);
    if (l.t === "iv") return undefined;
    if (isTime(l) && isTime(r)) return op === "-" ? { v: Math.trunc((l.v - r.v) / unit(l)), t: "num" } : undefined;
    if (isTime(l)) return { v: l.v + sign * r.v * unit(l), t: l.t };
    if (isTime(r)) return op === "+" ? { v: l.v * unit(r) + r.v, t: r.t } : undefined;
    return { v: l.v + sign * r.v, t: "num" };
  }
  if (l.t === "iv" || r.t === "iv") return undefined;
  // times are their ms numbers in other arithmetic, as in the compiled SQL
  if (op === "*") return { v: l.v * r.v, t: "num" };
  if (op === "/") return r.v === 0 ? undefined : { v: l.v / r.v, t: "num" };
  return undefined;
}

/** A time bound's value in Unix ms under Unkey's retention rule, or undefined when it cannot be evaluated. */
export function evalTimeBound(e: Expr, now: number): number | undefined {
  const c = evalConstant(e, now, false);
  return c && c.t !== "iv" ? c.v : undefined;
}

const isTimeColumn = (e: Expr, timeColumn: string) => e.k === "col" && e.parts[e.parts.length - 1] === timeColumn;

/** Every explicit lower bound on a `time` column anywhere in the query, as written. */
function lowerBoundExprs(q: Query, timeColumn: string): Expr[] {
  const out: Expr[] = [];
  walkQuery(q, {
    expr: (e) => {
      if (e.k === "bin") {
        if (isTimeColumn(e.l, timeColumn) && (e.op === ">=" || e.op === ">" || e.op === "=")) out.push(e.r);
        if (isTimeColumn(e.r, timeColumn) && (e.op === "<=" || e.op === "<" || e.op === "=")) out.push(e.l);
      } else if (e.k === "between" && !e.not && isTimeColumn(e.e, timeColumn)) out.push(e.lo);
    },
  });
  return out;
}

/** Every explicit lower bound on a `time` column anywhere in the query that can be evaluated. */
export function timeLowerBounds(q: Query, now: number, timeColumn = "time"): number[] {
  return lowerBoundExprs(q, timeColumn)
    .map((x) => evalTimeBound(x, now))
    .filter((v): v is number => v !== undefined);
}

/** Our extension functions (docs/analytics.md): a bound using them must be evaluable. */
const EXTENSION_TIME_FNS = new Set(["tounixtimestamp", "fromunixtimestamp"]);

const usesExtensionTimeFn = (x: Expr) => {
  let found = false;
  walkExpr(x, { expr: (e) => void (found ||= e.k === "fn" && EXTENSION_TIME_FNS.has(e.name.toLowerCase())) });
  return found;
};

const ymd = (ms: number) => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "an unrepresentable date" : d.toISOString().slice(0, 10);
};

/** Step 12: an explicit lower bound older than the retention window is a 400. */
export function checkRetention(q: Query, retentionDays: number, now: number): void {
  const oldest = now - retentionDays * DAY;
  for (const x of lowerBoundExprs(q, "time")) {
    const bound = evalTimeBound(x, now);
    if (bound === undefined) {
      // Unkey lets an unevaluable bound through (the row policy still clamps the rows); a bound
      // written with our extension functions is one we must be able to read, so it fails closed
      if (usesExtensionTimeFn(x)) {
        throw bad(
          "Cannot tell how far back this time bound reaches: a bound using toUnixTimestamp or fromUnixTimestamp must be a constant such as toUnixTimestamp(now() - INTERVAL 1 DAY) * 1000",
        );
      }
      continue;
    }
    if (bound < oldest) {
      throw new ApiError(
        "user/bad_request/query_range_exceeds_retention",
        `Cannot query data older than ${retentionDays} days. Your query attempts to access data from ${ymd(bound)}, but only data from ${ymd(oldest)} onwards is available.`,
      );
    }
  }
}
