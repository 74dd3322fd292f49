/**
 * Compiles a checked analytics query (./check.ts) to SQLite for D1, with the row policy
 * injected into every table reference:
 *
 * - a public table becomes a derived table that selects only the public columns of that
 *   table's rows in the caller's workspace, inside the retention window and, for API-scoped
 *   root keys, the permitted keyspaces. Because the policy sits inside the FROM item itself,
 *   no user predicate (`OR 1=1`), join, subquery, CTE or set operation can see other rows;
 * - every SELECT gets a LIMIT of at most `maxRows`;
 * - ClickHouse functions are translated to SQLite expressions; those SQLite cannot express
 *   answer 400 invalid_analytics_function naming the function;
 * - ClickHouse name resolution is kept: a SELECT alias may be used in the other clauses and
 *   in the other select items (it is inlined), and wins over a column of the same name,
 *   except inside its own definition (`SUM(count) AS count`).
 *
 * Literals are re-rendered from the AST (strings quoted, numbers validated) and identifiers
 * are resolved against known columns; user text never reaches SQLite verbatim.
 *
 * Time values: storage keeps Unix ms everywhere. DateTime/Date expressions are ms numbers at
 * bucket starts, so `now() - INTERVAL 7 DAY` compares naturally with every table's `time`.
 */
import { ApiError } from "../../errors";
import type { Expr, FromItem, IntervalUnit, OrderItem, Query, Select, SetExpr } from "./ast";
import { evalConstant, forEachChild, parseTimeLiteral, walkQuery } from "./check";
import type { ColumnType, TableDef, TableSet } from "./tables";
import { COST_LIMITS, tooComplex } from "./cost";
import { AGGREGATES, checkCall, FUNCTIONS, unsupported, type FnCtx, type FnExpr, type MsMode } from "./functions";

export interface RowPolicy {
  workspaceId: string;
  /** scope column → allowed values (e.g. key_space_id for API-scoped root keys); [] = nothing */
  scope?: Record<string, string[]>;
  retentionDays: number;
  now: number;
  maxRows: number;
}

/** Static type of an expression, enough to translate ClickHouse semantics. */
export type T = "num" | "str" | "dt" | "date" | "arr" | "bool" | "iv" | "null" | "any";

export interface OutputColumn {
  name: string;
  t: T;
  /** most elements an array column can hold (row estimate of arrayJoin) */
  len?: number;
}

/** Rows a query is estimated to visit (`work`) and return (`rows`); see ./cost.ts. */
export interface Estimate {
  rows: number;
  work: number;
}

export interface CompiledQuery {
  sql: string;
  columns: OutputColumn[];
  /** WITH FILL instructions for the top-level ORDER BY, applied to the rows afterwards */
  fill?: FillSpec;
  estimate: Estimate;
}

export interface FillSpec {
  /** output column to fill */
  column: string;
  /** where the series starts (inclusive) and stops (exclusive), in the ORDER BY's direction */
  from?: number;
  to?: number;
  /** size of one step (ms or calendar months); it goes down when `desc` */
  step: number | { months: number };
  desc: boolean;
}

export interface Compiled {
  sql: string;
  t: T;
  iv?: { n: string; unit: IntervalUnit };
  /** for arrays: most elements it can hold, when known */
  len?: number;
}

interface QueryOut {
  sql: string;
  cols: OutputColumn[];
  est: Estimate;
}

const DAY = 86_400_000;
const FIXED_UNIT_MS: Partial<Record<IntervalUnit, number>> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY,
  WEEK: 7 * DAY,
};
const MONTH_UNITS: Partial<Record<IntervalUnit, number>> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

const bad = (detail: string) => new ApiError("user/bad_request/invalid_analytics_query", detail);
const unknownIdentifier = (name: string) => bad(`Unknown identifier '${name}' in analytics query`);

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const colType = (c: ColumnType): T => (c === "string" ? "str" : c === "array" ? "arr" : c === "datetime" ? "dt" : c === "date" ? "date" : "num");
const isTime = (t: T) => t === "dt" || t === "date";

interface Source {
  alias: string;
  cols: Map<string, T>;
  lens?: Map<string, number>;
}

interface CteInfo {
  cols: OutputColumn[];
  rows: number;
}

interface Scope {
  parent?: Scope;
  sources: Source[];
  aliases: Map<string, Expr>;
  expanding: Set<string>;
  arrayJoins: { key: string; arg: string; alias: string; len: number }[];
  lambdas: Map<string, Compiled>[];
  /** CTEs visible here (for subqueries in expressions) */
  ctes: Map<string, CteInfo>;
  /** an aggregate's arguments are being compiled (no nested aggregates) */
  inAggregate?: boolean;
  /** nesting level of this SELECT (0 = outermost), for telling correlated subqueries apart */
  level: number;
  /** rows visited by expression subqueries: once, and per row of the FROM */
  onceWork: number;
  perRowWork: number;
  /** compiled aliases, so a reused alias is compiled once (its text is still inlined) */
  aliasCache: Map<string, Compiled>;
}

class Compiler {
  private counter = 0;
  /** expressions compiled so far (bounds compile work, whatever the query shape) */
  private steps = 0;
  private aliasExpansions = 0;
  /** lowest scope level a column reference resolved at, while compiling a subquery */
  private minRefLevel = Infinity;
  /** lower time bound of the SELECT whose FROM is being compiled (see tableReads) */
  private since: number | undefined;
  constructor(
    private readonly set: TableSet,
    private readonly policy: RowPolicy,
    /** estimated rows per public table (visible to this workspace), for the row estimate */
    private readonly tableRows: Map<string, number> = new Map(),
  ) {}

  fresh(prefix: string) {
    return `__${prefix}${++this.counter}`;
  }

  // ---- queries --------------------------------------------------------------------------

  query(qr: Query, ctes: Map<string, CteInfo>, outer?: Scope): QueryOut {
    let env = ctes;
    const parts: string[] = [];
    let cteWork = 0;
    if (qr.with?.length) {
      env = new Map(ctes);
      for (const c of qr.with) {
        const body = this.query(c.q, env, outer);
        parts.push(`${q(c.name)} AS (${body.sql})`);
        // a CTE is computed once (SQLite materializes one used twice); readers see its rows
        cteWork += body.est.work;
        env.set(c.name, { cols: body.cols, rows: body.est.rows });
      }
    }
    const body = this.setExpr(qr.body, env, outer);
    return {
      sql: (parts.length ? `WITH ${parts.join(", ")} ` : "") + body.sql,
      cols: body.cols,
      est: { rows: body.est.rows, work: body.est.work + cteWork },
    };
  }

  private setExpr(s: SetExpr, ctes: Map<string, CteInfo>, outer?: Scope): QueryOut {
    if (s.k === "select") return this.select(s, ctes, outer);
    if (s.k === "paren") return this.query(s.q, ctes, outer);
    const l = this.setExpr(s.l, ctes, outer);
    const r = this.setExpr(s.r, ctes, outer);
    if (l.cols.length !== r.cols.length && !l.cols.some((c) => c.name === "*") && !r.cols.some((c) => c.name === "*")) {
      throw bad(`${s.op} needs the same number of columns on both sides`);
    }
    const op = s.op === "UNION DISTINCT" ? "UNION" : s.op;
    const cols = l.cols.map((c, i) => ({ ...c, len: maxLen(c.len, r.cols[i]?.len) }));
    return {
      sql: `SELECT * FROM (${l.sql}) ${op} SELECT * FROM (${r.sql})`,
      cols,
      est: { rows: l.est.rows + r.est.rows, work: l.est.work + r.est.work + l.est.rows + r.est.rows },
    };
  }

  select(s: Select, ctes: Map<string, CteInfo>, outer?: Scope): QueryOut {
    const sc: Scope = {
      parent: outer,
      sources: [],
      aliases: new Map(),
      expanding: new Set(),
      arrayJoins: [],
      lambdas: [],
      ctes,
      level: outer ? outer.level + 1 : 0,
      onceWork: 0,
      perRowWork: 0,
      aliasCache: new Map(),
    };
    let fromSql = "";
    let from: Estimate = { rows: 1, work: 0 };
    if (s.from) {
      this.since = sinceOf(s, this.policy.now);
      const f = this.from(s.from, ctes, sc);
      fromSql = f.sql;
      from = f.est;
    }
    for (const it of s.items) if (it.alias) sc.aliases.set(it.alias, it.e);

    const cols: OutputColumn[] = [];
    const items: string[] = [];
    let aggregated = false;
    for (const it of s.items) {
      if (it.e.k === "star") {
        const table = it.e.table;
        const chosen = table ? sc.sources.filter((x) => x.alias === table) : sc.sources;
        if (table && chosen.length === 0) throw unknownIdentifier(`${table}.*`);
        if (!table && sc.sources.length === 0) throw bad("SELECT * needs a FROM clause");
        for (const src of chosen) {
          for (const [name, t] of src.cols) if (!name.startsWith("__")) cols.push({ name, t, len: src.lens?.get(name) });
        }
        items.push(table ? `${q(table)}.*` : "*");
        continue;
      }
      if (it.alias) sc.expanding.add(it.alias);
      const c = this.expr(it.e, sc);
      if (it.alias) sc.expanding.delete(it.alias);
      if (c.t === "iv") throw bad("An INTERVAL cannot be selected on its own");
      if (hasAggregate(it.e)) aggregated = true;
      // unaliased: a column keeps its own name (without its table), anything else its text
      const name = it.alias ?? (it.e.k === "col" ? it.e.parts[it.e.parts.length - 1]! : it.text);
      cols.push({ name, t: c.t, len: c.len });
      items.push(`${c.sql} AS ${q(name)}`);
    }

    const clauses: string[] = [];
    if (s.where) clauses.push(`WHERE ${this.expr(s.where, sc).sql}`);
    if (s.groupBy?.length) clauses.push(`GROUP BY ${s.groupBy.map((g) => this.expr(g, sc).sql).join(", ")}`);
    if (s.having) clauses.push(`HAVING ${this.expr(s.having, sc).sql}`);
    if (s.orderBy?.length) clauses.push(`ORDER BY ${this.orderList(s.orderBy, sc)}`);
    const limit = this.limit(s.limit);
    clauses.push(`LIMIT ${limit}`);
    if (s.offset) clauses.push(`OFFSET ${this.offset(s.offset)}`);

    // arrayJoin() calls become joins against json_each(), after everything they may reference
    let rowsIn = from.rows;
    for (const aj of sc.arrayJoins) {
      fromSql = fromSql ? `${fromSql} CROSS JOIN json_each(${aj.arg}) AS ${q(aj.alias)}` : `json_each(${aj.arg}) AS ${q(aj.alias)}`;
      rowsIn *= aj.len;
    }
    const sql = `SELECT ${s.distinct ? "DISTINCT " : ""}${items.join(", ")}${fromSql ? ` FROM ${fromSql}` : ""} ${clauses.join(" ")}`;
    // every row of the FROM (and of its arrayJoins) is visited, and runs the correlated subqueries
    const work = from.work + rowsIn + sc.onceWork + rowsIn * sc.perRowWork;
    const grouped = !!s.groupBy?.length;
    const rows = Math.min(aggregated && !grouped ? 1 : rowsIn, limit);
    return { sql: this.sized(sql), cols, est: { rows, work } };
  }

  private limit(e: Expr | undefined): number {
    const cap = this.policy.maxRows;
    if (!e) return cap;
    if (e.k === "num" && /^\d+$/.test(e.v)) {
      const n = Number(e.v);
      return Number.isSafeInteger(n) && n <= cap ? n : cap;
    }
    return cap; // negative, non-literal or LIMIT ALL: the cap
  }

  private offset(e: Expr): number {
    if (e.k === "num" && /^\d+$/.test(e.v) && Number.isSafeInteger(Number(e.v))) return Number(e.v);
    throw bad("OFFSET must be a non-negative integer literal");
  }

  private orderList(items: OrderItem[], sc: Scope): string {
    return items.map((o) => `${this.expr(o.e, sc).sql}${o.desc ? " DESC" : " ASC"}${o.nulls ? ` NULLS ${o.nulls}` : ""}`).join(", ");
  }

  // ---- FROM -----------------------------------------------------------------------------

  private from(f: FromItem, ctes: Map<string, CteInfo>, sc: Scope): { sql: string; est: Estimate } {
    switch (f.k) {
      case "table": {
        const name = f.parts.join(".");
        const alias = f.alias ?? name;
        const cte = f.parts.length === 1 ? ctes.get(name) : undefined;
        if (cte) {
          this.addSource(sc, alias, new Map(cte.cols.map((c) => [c.name, c.t])), lensOf(cte.cols));
          // reading a source costs its rows, counted once by the SELECT (or join) that visits them
          return { sql: `${q(name)} AS ${q(alias)}`, est: { rows: cte.rows, work: 0 } };
        }
        const def = f.parts.length === 1 ? this.set.tables.get(name) : undefined;
        if (!def) throw new ApiError("user/bad_request/invalid_analytics_table", `Access to table '${name}' is not allowed`);
        const lens = new Map(
          Object.entries(def.columns)
            .filter(([, t]) => t === "array")
            .map(([c]) => [c, COST_LIMITS.arrayColumnLength]),
        );
        this.addSource(sc, alias, new Map(Object.entries(def.columns).map(([c, t]) => [c, colType(t)])), lens);
        const rows = this.tableRows.get(readKey(def.name, this.since)) ?? this.tableRows.get(readKey(def.name)) ?? COST_LIMITS.unknownTableRows;
        return { sql: `(${this.policyTable(def)}) AS ${q(alias)}`, est: { rows, work: 0 } };
      }
      case "derived": {
        const sub = this.query(f.q, ctes, sc.parent);
        const alias = f.alias ?? this.fresh("sq");
        const cols = sub.cols.filter((c) => c.name !== "*");
        this.addSource(sc, alias, new Map(cols.map((c) => [c.name, c.t])), lensOf(cols));
        return { sql: `(${sub.sql}) AS ${q(alias)}`, est: sub.est };
      }
      case "tablefn":
        throw new ApiError("user/bad_request/invalid_analytics_function", `Table function '${f.name}' is not allowed for security reasons`);
      case "join": {
        const l = this.from(f.l, ctes, sc);
        const r = this.from(f.r, ctes, sc);
        // conservative: a join may visit every pair of rows (SQLite loops over one side per row of the other)
        const rows = l.est.rows * r.est.rows;
        const est = { rows, work: l.est.work + r.est.work + rows };
        if (f.type === "CROSS") return { sql: `${l.sql} CROSS JOIN ${r.sql}`, est };
        const kind = f.type === "INNER" ? "JOIN" : `${f.type} JOIN`;
        if (f.using) return { sql: `${l.sql} ${kind} ${r.sql} USING (${f.using.map(q).join(", ")})`, est };
        return { sql: `${l.sql} ${kind} ${r.sql} ON ${this.expr(f.on!, sc).sql}`, est };
      }
    }
  }

  private addSource(sc: Scope, alias: string, cols: Map<string, T>, lens?: Map<string, number>) {
    if (sc.sources.some((s) => s.alias === alias)) throw bad(`Table alias '${alias}' is used more than once`);
    sc.sources.push({ alias, cols, lens });
  }

  /** The row policy as a derived table over one physical table. */
  private policyTable(def: TableDef): string {
    const cols = Object.keys(def.columns)
      .map((c) => (def.expressions?.[c] ? `${def.expressions[c]} AS ${q(c)}` : q(c)))
      .join(", ");
    return `SELECT ${cols} FROM ${q(def.name)} WHERE ${policyPredicates(def, this.policy).join(" AND ")}`;
  }

  // ---- expressions ----------------------------------------------------------------------

  /** Compiles one expression within the compile budget and the compiled-size bound. */
  expr(e: Expr, sc: Scope): Compiled {
    if (++this.steps > COST_LIMITS.maxCompileSteps) throw tooComplex(`more than ${COST_LIMITS.maxCompileSteps} compiled expressions`);
    const out = this.exprInner(e, sc);
    this.sized(out.sql);
    return out;
  }

  /** Refuses compiled text over the size bound as soon as it appears (duplication grows it fast). */
  private sized(sql: string): string {
    if (sql.length > COST_LIMITS.maxCompiledSqlBytes) throw tooComplex(`compiled SQL larger than ${COST_LIMITS.maxCompiledSqlBytes} bytes`);
    return sql;
  }

  private exprInner(e: Expr, sc: Scope): Compiled {
    switch (e.k) {
      case "num":
        return { sql: number(e.v), t: "num" };
      case "str":
        return { sql: lit(e.v), t: "str" };
      case "null":
        return { sql: "NULL", t: "null" };
      case "bool":
        return { sql: e.v ? "1" : "0", t: "bool" };
      case "col":
        return this.column(e.parts, sc);
      case "star":
        throw bad("'*' is only allowed as a select item or in count(*)");
      case "fn":
        return this.call(e, sc);
      case "bin":
        return this.binary(e, sc);
      case "un": {
        const x = this.expr(e.e, sc);
        if (e.op === "NOT") return { sql: `(NOT ${x.sql})`, t: "bool" };
        return { sql: `(${e.op}${x.sql})`, t: x.t === "bool" ? "num" : x.t };
      }
      case "in": {
        const left = e.e.k === "tuple" ? { sql: `(${e.e.items.map((i) => this.expr(i, sc).sql).join(", ")})`, t: "any" as T } : this.expr(e.e, sc);
        const not = e.not ? "NOT " : "";
        if (e.sub) return { sql: `(${left.sql} ${not}IN (${this.subquery(e.sub, sc).sql}))`, t: "bool" };
        if (e.e.k === "tuple") throw bad("A tuple on the left of IN needs a subquery on the right");
        const list = (e.list ?? []).map((x) => this.coerceTo(left.t, x, sc).sql);
        return { sql: `(${left.sql} ${not}IN (${list.join(", ")}))`, t: "bool" };
      }
      case "between": {
        const x = this.expr(e.e, sc);
        const lo = this.coerceTo(x.t, e.lo, sc);
        const hi = this.coerceTo(x.t, e.hi, sc);
        return { sql: `(${x.sql} ${e.not ? "NOT " : ""}BETWEEN ${lo.sql} AND ${hi.sql})`, t: "bool" };
      }
      case "isnull":
        return { sql: `(${this.expr(e.e, sc).sql} IS ${e.not ? "NOT " : ""}NULL)`, t: "bool" };
      case "like": {
        const x = this.expr(e.e, sc);
        const not = e.not ? "NOT " : "";
        if (e.ci) return { sql: `(${x.sql} ${not}LIKE ${this.expr(e.pattern, sc).sql} ESCAPE '\\')`, t: "bool" };
        if (e.pattern.k === "str") return { sql: `(${x.sql} ${not}GLOB ${lit(likeToGlob(e.pattern.v))})`, t: "bool" };
        // a computed pattern: SQLite's LIKE (ASCII case-insensitive) is the closest match
        return { sql: `(${x.sql} ${not}LIKE ${this.expr(e.pattern, sc).sql} ESCAPE '\\')`, t: "bool" };
      }
      case "case": {
        const parts = ["CASE"];
        let t: T = "null";
        if (e.base) parts.push(this.expr(e.base, sc).sql);
        for (const [w, th] of e.whens) {
          const then = this.expr(th, sc);
          if (t === "null") t = then.t;
          parts.push(`WHEN ${this.expr(w, sc).sql} THEN ${then.sql}`);
        }
        if (e.else) {
          const el = this.expr(e.else, sc);
          if (t === "null") t = el.t;
          parts.push(`ELSE ${el.sql}`);
        }
        parts.push("END");
        return { sql: `(${parts.join(" ")})`, t };
      }
      case "cast":
        throw new ApiError("user/bad_request/invalid_analytics_function", "Function 'cast' is not allowed");
      case "interval":
        return this.interval(this.expr(e.n, sc).sql, e.unit);
      case "array":
        return { sql: `json_array(${e.items.map((i) => this.expr(i, sc).sql).join(", ")})`, t: "arr", len: e.items.length };
      case "tuple":
        throw bad("Tuples are only supported on the left side of IN (subquery)");
      case "lambda":
        throw bad("A lambda is only allowed as the first argument of arrayFilter");
      case "subquery": {
        const sub = this.subquery(e.q, sc);
        return { sql: `(${sub.sql})`, t: sub.cols[0]?.t ?? "any" };
      }
      case "exists":
        return { sql: `(EXISTS (${this.subquery(e.q, sc).sql}))`, t: "bool" };
      case "index": {
        const arr = this.expr(e.e, sc);
        if (arr.t !== "arr" && arr.t !== "any") throw bad("Only arrays can be indexed with [ ]");
        const i = this.expr(e.i, sc);
        return { sql: `json_extract(${arr.sql}, '$[' || (CAST(${i.sql} AS INTEGER) - 1) || ']')`, t: "any" };
      }
    }
  }

  /**
   * A subquery inside an expression. Its work counts once when it reads nothing of the
   * enclosing rows, else once per row of the enclosing FROM (SQLite re-runs correlated ones).
   */
  private subquery(qr: Query, sc: Scope) {
    const prev = this.minRefLevel;
    this.minRefLevel = Infinity;
    try {
      const sub = this.query(qr, sc.ctes, sc);
      if (this.minRefLevel <= sc.level) sc.perRowWork += sub.est.work;
      else sc.onceWork += sub.est.work;
      return sub;
    } finally {
      this.minRefLevel = Math.min(prev, this.minRefLevel);
    }
  }

  private column(parts: string[], sc: Scope): Compiled {
    if (parts.length === 1) {
      const name = parts[0]!;
      for (let i = sc.lambdas.length - 1; i >= 0; i--) {
        const hit = sc.lambdas[i]!.get(name);
        if (hit) return hit;
      }
      const aliased = sc.aliases.get(name);
      if (aliased && !sc.expanding.has(name)) {
        if (++this.aliasExpansions > COST_LIMITS.maxAliasExpansions) {
          throw tooComplex(`more than ${COST_LIMITS.maxAliasExpansions} alias references`);
        }
        // compiled once per context; lambdas may rebind names inside, so those are not cached
        const key = `${sc.inAggregate ? 1 : 0}${name}`;
        const hit = sc.lambdas.length === 0 ? sc.aliasCache.get(key) : undefined;
        if (hit) return hit;
        sc.expanding.add(name);
        try {
          const out = this.expr(aliased, sc);
          if (sc.lambdas.length === 0) sc.aliasCache.set(key, out);
          return out;
        } finally {
          sc.expanding.delete(name);
        }
      }
      for (let s: Scope | undefined = sc; s; s = s.parent) {
        const found = s.sources.filter((src) => src.cols.has(name));
        if (found.length > 1) throw bad(`Column '${name}' is ambiguous, qualify it with a table name`);
        if (found.length === 1) {
          this.minRefLevel = Math.min(this.minRefLevel, s.level);
          return { sql: `${q(found[0]!.alias)}.${q(name)}`, t: found[0]!.cols.get(name)!, len: found[0]!.lens?.get(name) };
        }
      }
      throw unknownIdentifier(name);
    }
    if (parts.length === 2) {
      const [table, name] = parts as [string, string];
      for (let s: Scope | undefined = sc; s; s = s.parent) {
        const src = s.sources.find((x) => x.alias === table);
        if (src) {
          const t = src.cols.get(name);
          if (!t) throw unknownIdentifier(`${table}.${name}`);
          this.minRefLevel = Math.min(this.minRefLevel, s.level);
          return { sql: `${q(table)}.${q(name)}`, t, len: src.lens?.get(name) };
        }
      }
    }
    throw unknownIdentifier(parts.join("."));
  }

  /** A literal compared with a DateTime/Date is read as a time; everything else as is. */
  private coerceTo(t: T, e: Expr, sc: Scope): Compiled {
    if (isTime(t) && e.k === "str") {
      const ms = parseTimeLiteral(e.v);
      if (ms === undefined) throw bad(`Cannot read '${e.v}' as a date or time`);
      return { sql: String(ms), t };
    }
    return this.expr(e, sc);
  }

  private binary(e: Extract<Expr, { k: "bin" }>, sc: Scope): Compiled {
    if (e.op === "AND" || e.op === "OR") {
      return { sql: `(${this.expr(e.l, sc).sql} ${e.op} ${this.expr(e.r, sc).sql})`, t: "bool" };
    }
    if (["=", "!=", "<", ">", "<=", ">="].includes(e.op)) {
      let l = this.expr(e.l, sc);
      let r = this.expr(e.r, sc);
      if (isTime(l.t) && e.r.k === "str") r = this.coerceTo(l.t, e.r, sc);
      else if (isTime(r.t) && e.l.k === "str") l = this.coerceTo(r.t, e.l, sc);
      if (l.t === "iv" || r.t === "iv") throw bad("An INTERVAL can only be added to or subtracted from a time");
      return { sql: `(${l.sql} ${e.op} ${r.sql})`, t: "bool" };
    }
    let l = this.expr(e.l, sc);
    let r = this.expr(e.r, sc);
    if (e.op === "+" || e.op === "-") {
      if (l.t === "iv" && r.t !== "iv" && e.op === "+") [l, r] = [r, l];
      if (r.t === "iv") {
        if (l.t === "iv") throw bad("Two INTERVALs cannot be combined");
        if (e.l.k === "str") l = this.coerceTo("dt", e.l, sc);
        return shiftTime(l, r, e.op);
      }
      if (l.t === "iv") throw bad("An INTERVAL can only be added to or subtracted from a time");
      if (l.t === "str" || r.t === "str") throw bad(`Operator '${e.op}' needs numbers, not strings`);
      // ClickHouse: Date ± n shifts by days, DateTime ± n by seconds; a difference of two times
      // is in days (Date) or seconds (DateTime)
      const unit = (t: T) => (t === "date" ? DAY : 1000);
      if (isTime(l.t) && isTime(r.t)) {
        if (e.op === "+") throw bad("Two times cannot be added");
        return { sql: `((${l.sql} - ${r.sql}) / ${unit(l.t)})`, t: "num" };
      }
      if (isTime(l.t)) return { sql: `(${l.sql} ${e.op} (${r.sql}) * ${unit(l.t)})`, t: l.t };
      if (isTime(r.t) && e.op === "+") return { sql: `((${l.sql}) * ${unit(r.t)} + ${r.sql})`, t: r.t };
      if (isTime(r.t)) throw bad("A time cannot be subtracted from a number");
      return { sql: `(${l.sql} ${e.op} ${r.sql})`, t: "num" };
    }
    if (l.t === "iv" || r.t === "iv") throw bad("An INTERVAL can only be added to or subtracted from a time");
    if (e.op === "||") return { sql: `(${l.sql} || ${r.sql})`, t: "str" };
    if (e.op === "/") return { sql: `(CAST(${l.sql} AS REAL) / ${r.sql})`, t: "num" };
    return { sql: `(${l.sql} ${e.op} ${r.sql})`, t: "num" };
  }

  private interval(n: string, unit: IntervalUnit): Compiled {
    const fixed = FIXED_UNIT_MS[unit];
    if (fixed !== undefined) return { sql: `(${n} * ${fixed})`, t: "iv", iv: { n, unit } };
    if (unit === "MICROSECOND") return { sql: `(${n} / 1000)`, t: "iv", iv: { n, unit } };
    if (unit === "NANOSECOND") return { sql: `(${n} / 1000000)`, t: "iv", iv: { n, unit } };
    return { sql: `(${n} * ${30 * DAY * (MONTH_UNITS[unit] ?? 1)})`, t: "iv", iv: { n, unit } };
  }

  // ---- functions ------------------------------------------------------------------------

  private call(e: FnExpr, sc: Scope): Compiled {
    const name = e.name.toLowerCase();
    const spec = FUNCTIONS.get(name);
    if (!spec) throw unsupported(name);
    checkCall(e, name, spec);
    return spec.compile(this.fnCtx(e, name, sc));
  }

  /** What a function entry (./functions.ts) may ask of the compiler, for one call. */
  private fnCtx(e: FnExpr, name: string, sc: Scope): FnCtx {
    const arg = (i: number) => this.expr(e.args[i]!, sc);
    return {
      e,
      name,
      distinct: e.distinct ? "DISTINCT " : "",
      now: this.policy.now,
      maxRows: this.policy.maxRows,
      arg,
      ms: (i, mode) => this.asMs(e.args[i]!, sc, mode),
      array: (i) => this.arrayOf(e.args[i]!, sc, name),
      aggregate: (build, t, wrap) => {
        if (sc.inAggregate && !e.over) throw bad(`Aggregate function '${name}' cannot be nested inside another aggregate`);
        const prev = sc.inAggregate;
        sc.inAggregate = true;
        let core: string;
        try {
          core = build();
        } finally {
          sc.inAggregate = prev;
        }
        if (e.over) core = `${core} OVER (${this.window(e.over, sc)})`;
        return { sql: wrap ? wrap(core) : core, t };
      },
      lambda: (param, value, body) => {
        sc.lambdas.push(new Map([[param, value]]));
        try {
          return this.expr(body, sc);
        } finally {
          sc.lambdas.pop();
        }
      },
      arrayJoin: (arr) => {
        // one join per arrayJoin expression, however often it is compiled (a select alias is
        // compiled again in GROUP BY): keyed by the argument as written, since its SQL carries
        // fresh names (arrayFilter's json_each alias) and would otherwise join the array twice
        const key = sc.lambdas.length === 0 ? `ast:${JSON.stringify(e.args[0])}` : `sql:${arr.sql}`;
        let aj = sc.arrayJoins.find((x) => x.key === key);
        if (!aj) {
          // an array of unknown size (e.g. a JSON value) may hold as many elements as a result has rows
          aj = { key, arg: arr.sql, alias: this.fresh("aj"), len: arr.len ?? this.policy.maxRows };
          sc.arrayJoins.push(aj);
        }
        return { sql: `${q(aj.alias)}.value`, t: "any" };
      },
      interval: (n, unit) => this.interval(n, unit),
      fresh: (prefix) => this.fresh(prefix),
      inAggregate: () => !!sc.inAggregate,
    };
  }

  private arrayOf(e: Expr, sc: Scope, fn: string): Compiled {
    const x = this.expr(e, sc);
    if (x.t !== "arr" && x.t !== "any") throw bad(`Function '${fn}' needs an array argument`);
    return x;
  }

  /**
   * An argument as Unix ms: times stay, string literals are parsed, other strings go through
   * unixepoch(), numbers are read as `numbers` says (toDateTime(n) takes seconds).
   */
  private asMs(e: Expr, sc: Scope, numbers: MsMode): string {
    if (e.k === "str") {
      const ms = parseTimeLiteral(e.v);
      if (ms === undefined) throw bad(`Cannot read '${e.v}' as a date or time`);
      return String(ms);
    }
    const x = this.expr(e, sc);
    if (isTime(x.t)) return x.sql;
    if (x.t === "str") return `(unixepoch(${x.sql}) * 1000)`;
    if (x.t === "arr" || x.t === "iv") throw bad("Expected a date or time");
    if (numbers === "seconds") return `(CAST(${x.sql} AS INTEGER) * 1000)`;
    if (numbers === "fractional-seconds") return `CAST(${x.sql} * 1000 AS INTEGER)`;
    return `CAST(${x.sql} AS INTEGER)`;
  }

  private window(w: NonNullable<Extract<Expr, { k: "fn" }>["over"]>, sc: Scope): string {
    const prev = sc.inAggregate;
    sc.inAggregate = false;
    try {
      const parts: string[] = [];
      if (w.partitionBy.length) parts.push(`PARTITION BY ${w.partitionBy.map((p) => this.expr(p, sc).sql).join(", ")}`);
      if (w.orderBy.length) parts.push(`ORDER BY ${this.orderList(w.orderBy, sc)}`);
      if (w.frame) parts.push(w.frame);
      return parts.join(" ");
    } finally {
      sc.inAggregate = prev;
    }
  }
}

/** Validated numeric literal text (hex becomes decimal). */
function number(v: string): string {
  const neg = v.startsWith("-");
  const body = neg ? v.slice(1) : v;
  let out: string;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) out = BigInt(body).toString();
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) out = body.endsWith(".") ? `${body}0` : body.startsWith(".") ? `0${body}` : body;
  else throw bad(`Invalid number '${v}'`);
  return neg ? `(-${out})` : out;
}

/** time ± interval. Calendar units use SQLite's date modifiers, fixed units plain ms arithmetic. */
function shiftTime(l: Compiled, r: Compiled, op: "+" | "-"): Compiled {
  const t: T = isTime(l.t) ? l.t : l.t === "num" || l.t === "any" ? l.t : "dt";
  const iv = r.iv;
  if (!iv) throw bad("An INTERVAL must be written directly (INTERVAL n UNIT or toInterval*) to shift a time");
  const months = MONTH_UNITS[iv.unit];
  if (months === undefined) return { sql: `(${l.sql} ${op} ${r.sql})`, t };
  const n = `(${op === "-" ? "-" : ""}(${iv.n}) * ${months})`;
  return {
    sql: `(CAST(unixepoch((${l.sql}) / 1000, 'unixepoch', printf('%+d months', ${n})) AS INTEGER) * 1000 + ((${l.sql}) % 1000))`,
    t,
  };
}

/** First instant a table's row policy lets a query see. */
export function retentionFloor(grain: TableDef["grain"], now: number, days: number): number {
  const start = now - days * DAY;
  const dayStart = Math.floor(start / DAY) * DAY;
  if (grain !== "month") return dayStart;
  const d = new Date(dayStart);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** ClickHouse LIKE pattern → case-sensitive SQLite GLOB pattern. */
export function likeToGlob(p: string): string {
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\" && i + 1 < p.length) {
      out += globLiteral(p[++i]!);
    } else if (c === "%") out += "*";
    else if (c === "_") out += "?";
    else out += globLiteral(c);
  }
  return out;
}
const globLiteral = (c: string) => (c === "*" || c === "?" || c === "[" || c === "]" ? `[${c}]` : c);

/** Compiles a checked query for D1 with the policy applied. */
export function compileSqlite(qr: Query, set: TableSet, policy: RowPolicy, tableRows?: Map<string, number>): CompiledQuery {
  const fillItem = topOrderFill(qr);
  const out = new Compiler(set, policy, tableRows).query(qr, new Map());
  return { sql: out.sql, columns: out.cols, fill: fillItem ? fillSpec(fillItem, out.cols, policy.now) : undefined, estimate: out.est };
}

/** The row policy's predicates over one physical table. */
function policyPredicates(def: TableDef, p: RowPolicy): string[] {
  const floor = retentionFloor(def.grain, p.now, p.retentionDays);
  const preds = [`${q(def.workspaceColumn)} = ${lit(p.workspaceId)}`, `${q(def.timeColumn)} >= ${floor}`];
  for (const [column, values] of Object.entries(p.scope ?? {})) {
    if (!def.scopeColumns?.includes(column)) {
      preds.push("0"); // a restriction this table cannot express: fail closed
      continue;
    }
    preds.push(values.length ? `${q(column)} IN (${values.map(lit).join(", ")})` : "0");
  }
  return preds;
}

// ---- row estimate inputs ------------------------------------------------------------------------

const readKey = (table: string, since?: number) => `${table}@${since ?? ""}`;

/**
 * The lower time bound a SELECT puts on the one table it reads: the largest constant bound on
 * `time` among the top-level AND terms of its WHERE.
 */
function sinceOf(s: Select, now: number): number | undefined {
  if (s.from?.k !== "table" || !s.where) return undefined;
  let since: number | undefined;
  const isTimeCol = (e: Expr) => e.k === "col" && e.parts[e.parts.length - 1] === "time";
  // exact: the bound the compiled SQL applies (Unkey's lax rule reads toStartOfMonth(now()) as now,
  // which would count almost none of the rows the query reads)
  const evalTimeBound = (x: Expr, at: number) => {
    const c = evalConstant(x, at, true);
    return c && c.t !== "iv" ? c.v : undefined;
  };
  const visit = (e: Expr): void => {
    let v: number | undefined;
    if (e.k === "bin" && e.op === "AND") {
      visit(e.l);
      visit(e.r);
      return;
    }
    if (e.k === "bin" && isTimeCol(e.l) && (e.op === ">=" || e.op === ">" || e.op === "=")) v = evalTimeBound(e.r, now);
    else if (e.k === "bin" && isTimeCol(e.r) && (e.op === "<=" || e.op === "<" || e.op === "=")) v = evalTimeBound(e.l, now);
    else if (e.k === "between" && !e.not && isTimeCol(e.e)) v = evalTimeBound(e.lo, now);
    if (v !== undefined && Number.isFinite(v) && (since === undefined || v > since)) since = v;
  };
  visit(s.where);
  return since;
}

export interface TableRead {
  table: string;
  since?: number;
  key: string;
}

/** Every (public table, lower time bound) a query reads, for counting their rows beforehand. */
export function tableReads(qr: Query, set: TableSet, now: number): TableRead[] {
  const out = new Map<string, TableRead>();
  const add = (table: string, since?: number) => {
    if (!set.tables.has(table)) return; // a CTE
    const key = readKey(table, since);
    if (!out.has(key)) out.set(key, { table, since, key });
  };
  walkQuery(qr, {
    select: (s) => {
      if (s.from?.k === "table" && s.from.parts.length === 1) add(s.from.parts[0]!, sinceOf(s, now));
    },
    from: (f) => {
      if (f.k === "table" && f.parts.length === 1) add(f.parts[0]!);
    },
  });
  return [...out.values()];
}

/** Counts a table's rows visible under the policy (and after `since`), stopping at `cap`. */
export function boundedCountSql(def: TableDef, policy: RowPolicy, since: number | undefined, cap: number): string {
  const preds = policyPredicates(def, policy);
  if (since !== undefined) preds.push(`${q(def.timeColumn)} >= ${Math.floor(since)}`);
  return `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${q(def.name)} WHERE ${preds.join(" AND ")} LIMIT ${Math.floor(cap)})`;
}

const maxLen = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : Math.max(a, b));
const lensOf = (cols: OutputColumn[]) => new Map(cols.filter((c) => c.len !== undefined).map((c) => [c.name, c.len!]));

/** Whether an expression aggregates (outside subqueries and window functions): one output row without GROUP BY. */
function hasAggregate(e: Expr): boolean {
  if (e.k === "fn" && !e.over && AGGREGATES.has(e.name.toLowerCase())) return true;
  let found = false;
  forEachChild(e, (c) => {
    found ||= hasAggregate(c);
  });
  return found;
}

// ---- WITH FILL --------------------------------------------------------------------------------

/** The one WITH FILL item of the outermost SELECT's ORDER BY; fills anywhere else are refused. */
function topOrderFill(qr: Query): OrderItem | undefined {
  const top = qr.body.k === "select" ? qr.body : undefined;
  const fills: OrderItem[] = [];
  walkQuery(qr, {
    select: (s) => {
      for (const o of s.orderBy ?? []) {
        if (!o.fill) continue;
        if (s !== top) throw bad("WITH FILL is only supported in the ORDER BY of the outermost SELECT");
        fills.push(o);
      }
    },
  });
  if (fills.length > 1) throw bad("WITH FILL is supported on one ORDER BY column");
  return fills[0];
}

function fillSpec(o: OrderItem, cols: OutputColumn[], now: number): FillSpec {
  let column: string | undefined;
  if (o.e.k === "col" && o.e.parts.length === 1) column = o.e.parts[0];
  const col = cols.find((c) => c.name === column);
  if (!col) throw bad("WITH FILL needs to order by a selected column");
  const bound = (e: Expr | undefined) => {
    if (!e) return undefined;
    const c = evalConstant(e, now, true);
    if (!c || c.t === "iv") throw bad("WITH FILL FROM/TO must be constant times or numbers");
    return c.v;
  };
  // a plain number steps DateTime by seconds and Date by days, as in ClickHouse; the step's sign
  // follows the direction (ascending > 0, descending < 0, default ±1 unit)
  const unit = col.t === "date" ? DAY : isTime(col.t) ? 1000 : 1;
  let step: FillSpec["step"] = unit;
  if (o.fill!.step) {
    const c = evalConstant(o.fill!.step, now, true);
    if (!c) throw bad("WITH FILL STEP must be a constant number or INTERVAL");
    const months = c.t === "iv" && c.months ? c.months : undefined;
    const signed = months ?? (c.t === "iv" ? c.v : c.v * unit);
    if (signed === 0) throw bad("WITH FILL STEP value cannot be zero");
    if (!o.desc && signed < 0) throw bad("WITH FILL STEP value cannot be negative for sorting in ascending direction");
    if (o.desc && signed > 0) throw bad("WITH FILL STEP value cannot be positive for sorting in descending direction");
    if (months !== undefined && !Number.isInteger(months)) throw bad("WITH FILL STEP must be a whole number of months");
    step = months !== undefined ? { months: Math.abs(months) } : Math.abs(signed);
  }
  const from = bound(o.fill!.from);
  const to = bound(o.fill!.to);
  if (from !== undefined && to !== undefined) {
    if (!o.desc && to < from) throw bad("WITH FILL TO value cannot be less than FROM value for sorting in ascending direction");
    if (o.desc && from < to) throw bad("WITH FILL FROM value cannot be less than TO value for sorting in descending direction");
  }
  return { column: col.name, from, to, step, desc: o.desc };
}

/**
 * Applies WITH FILL to ordered result rows: inserts a row with default values (0 / '' / [])
 * for each missing step from FROM (or the first row) up to TO, exclusive (or the last row).
 */
export function applyFill(rows: Record<string, unknown>[], columns: OutputColumn[], spec: FillSpec, maxRows: number): Record<string, unknown>[] {
  const next = (v: number, dir: 1 | -1) =>
    typeof spec.step === "number"
      ? v + dir * spec.step
      : (() => {
          const d = new Date(v);
          return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + dir * (spec.step as { months: number }).months, d.getUTCDate());
        })();
  const dir: 1 | -1 = spec.desc ? -1 : 1;
  const values = rows.map((r) => Number(r[spec.column]));
  // FROM is where the series starts (its high end when descending), TO where it stops
  const start = spec.from ?? values[0];
  const end = spec.to ?? values[values.length - 1];
  if (start === undefined || end === undefined || !Number.isFinite(start) || !Number.isFinite(end)) return rows;
  const blank = (v: number) => {
    const r: Record<string, unknown> = {};
    for (const c of columns) r[c.name] = c.name === spec.column ? v : c.t === "str" ? "" : c.t === "arr" ? [] : 0;
    return r;
  };
  const out: Record<string, unknown>[] = [];
  let i = 0;
  let cur = start;
  const before = (a: number, b: number) => (dir === 1 ? a < b : a > b);
  while (out.length <= maxRows) {
    // rows that sort before the fill cursor (or are not numbers) pass through
    while (i < rows.length && !(before(cur, values[i]!) || cur === values[i])) out.push(rows[i++]!);
    // an explicit TO is exclusive, as in ClickHouse (`FROM 0 TO 10` fills 0…9, `DESC … FROM 10
    // TO 0 STEP -1` fills 10…1); without one the series runs to the last row's value
    const within = spec.to !== undefined ? (dir === 1 ? cur < end : cur > end) : dir === 1 ? cur <= end : cur >= end;
    if (!within) break;
    if (i < rows.length && values[i] === cur) {
      while (i < rows.length && values[i] === cur) out.push(rows[i++]!);
    } else out.push(blank(cur));
    const n = next(cur, dir);
    if (n === cur) break;
    cur = n;
  }
  while (i < rows.length) out.push(rows[i++]!);
  return out;
}
