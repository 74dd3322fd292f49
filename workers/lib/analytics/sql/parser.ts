/**
 * A recursive-descent parser for the analytics SELECT subset (ClickHouse syntax). Anything it
 * does not understand is a syntax error; it never evaluates or passes text through, so the
 * compilers only ever see the AST of ./ast.ts.
 */
import type { Cte, Expr, FromItem, IntervalUnit, OrderItem, Query, Select, SelectItem, SetExpr, Window } from "./ast";

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/** Raised for structure limits found while parsing (nesting depth). */
export class SqlTooComplexError extends Error {}

type TokType = "ident" | "qident" | "num" | "str" | "op" | "eof";
export interface Token {
  t: TokType;
  v: string;
  pos: number;
  end: number;
}

const OPS = ["->", "<=", ">=", "!=", "<>", "==", "||", "::", "(", ")", ",", ".", ";", "*", "+", "-", "/", "%", "=", "<", ">", "[", "]", ":", "?"];

/** Splits the text into tokens; comments (`--`, `#`, `/* … *\/`) and whitespace are dropped. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if ((c === "-" && src[i + 1] === "-") || c === "#") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const close = src.indexOf("*/", i + 2);
      if (close < 0) throw new SqlSyntaxError("unterminated comment", i);
      i = close + 2;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$]/.test(src[i]!)) i++;
      out.push({ t: "ident", v: src.slice(start, i), pos: start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      if (c === "0" && (src[i + 1] === "x" || src[i + 1] === "X")) {
        i += 2;
        while (i < n && /[0-9A-Fa-f]/.test(src[i]!)) i++;
      } else {
        while (i < n && /[0-9]/.test(src[i]!)) i++;
        if (src[i] === "." && /[0-9]/.test(src[i + 1] ?? "")) {
          i++;
          while (i < n && /[0-9]/.test(src[i]!)) i++;
        } else if (src[i] === "." && !/[A-Za-z_]/.test(src[i + 1] ?? "")) i++;
        if ((src[i] === "e" || src[i] === "E") && /[0-9+-]/.test(src[i + 1] ?? "")) {
          i++;
          if (src[i] === "+" || src[i] === "-") i++;
          if (!/[0-9]/.test(src[i] ?? "")) throw new SqlSyntaxError("malformed number", start);
          while (i < n && /[0-9]/.test(src[i]!)) i++;
        }
      }
      if (i < n && /[A-Za-z_]/.test(src[i]!)) throw new SqlSyntaxError(`unexpected character '${src[i]}' after number`, i);
      out.push({ t: "num", v: src.slice(start, i), pos: start, end: i });
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      i++;
      let v = "";
      for (;;) {
        if (i >= n) throw new SqlSyntaxError(c === "'" ? "unterminated string literal" : "unterminated quoted identifier", start);
        const d = src[i]!;
        if (d === "\\") {
          const e = src[i + 1];
          if (e === undefined) throw new SqlSyntaxError("unterminated string literal", start);
          v += ({ n: "\n", t: "\t", r: "\r", "0": "\0", b: "\b", f: "\f" } as Record<string, string>)[e] ?? e;
          i += 2;
          continue;
        }
        if (d === c) {
          if (src[i + 1] === c) {
            v += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += d;
        i++;
      }
      if (v.includes("\0")) throw new SqlSyntaxError("NUL characters are not allowed", start);
      out.push({ t: c === "'" ? "str" : "qident", v, pos: start, end: i });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new SqlSyntaxError(`unexpected character '${c}'`, i);
    i += op.length;
    out.push({ t: "op", v: op, pos: start, end: i });
  }
  out.push({ t: "eof", v: "", pos: n, end: n });
  return out;
}

/** Words that end an expression or clause and so cannot be an implicit alias. */
const RESERVED = new Set(
  (
    "SELECT FROM WHERE PREWHERE GROUP ORDER BY LIMIT OFFSET HAVING UNION EXCEPT INTERSECT AS ON JOIN LEFT RIGHT INNER FULL " +
    "CROSS OUTER USING AND OR NOT IN IS NULL BETWEEN LIKE ILIKE CASE WHEN THEN ELSE END WITH SETTINGS FORMAT ASC DESC " +
    "ASCENDING DESCENDING NULLS OVER DISTINCT ALL GLOBAL ANY ARRAY WINDOW QUALIFY FILL STEP TO INTO INTERVAL SEMI ANTI ASOF " +
    "PASTE FINAL SAMPLE EXISTS"
  ).split(" "),
);

const INTERVAL_UNITS: Record<string, IntervalUnit> = {
  NANOSECOND: "NANOSECOND",
  MICROSECOND: "MICROSECOND",
  MILLISECOND: "MILLISECOND",
  SECOND: "SECOND",
  MINUTE: "MINUTE",
  HOUR: "HOUR",
  DAY: "DAY",
  WEEK: "WEEK",
  MONTH: "MONTH",
  QUARTER: "QUARTER",
  YEAR: "YEAR",
};
for (const u of Object.keys(INTERVAL_UNITS)) INTERVAL_UNITS[`${u}S`] = INTERVAL_UNITS[u]!;

/** nesting of expressions, subqueries and parentheses */
export const MAX_DEPTH = 100;

/** Splits the token stream into statements at top-level semicolons; empty ones are dropped. */
export function splitStatements(tokens: Token[]): Token[][] {
  const stmts: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.t === "eof" || (t.t === "op" && t.v === ";")) {
      if (cur.length) stmts.push([...cur, { t: "eof", v: "", pos: t.pos, end: t.pos }]);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  return stmts;
}

/** Parses one statement (tokens without the separating semicolon, ending in eof). */
export function parseStatement(src: string, tokens: Token[]): Query {
  const p = new Parser(src, tokens);
  const q = p.query();
  if (p.peek().t !== "eof") p.fail(`unexpected ${p.describe(p.peek())}`);
  return q;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (t.t !== "eof") this.i++;
    return t;
  }
  describe(t: Token): string {
    if (t.t === "eof") return "end of query";
    if (t.t === "str") return "string literal";
    return `'${t.v}'`;
  }
  fail(msg: string, t = this.peek()): never {
    throw new SqlSyntaxError(`${msg} at position ${t.pos + 1}`, t.pos);
  }
  isKw(kw: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === "ident" && t.v.toUpperCase() === kw;
  }
  acceptKw(...kws: string[]): boolean {
    for (let j = 0; j < kws.length; j++) if (!this.isKw(kws[j]!, j)) return false;
    this.i += kws.length;
    return true;
  }
  expectKw(kw: string) {
    if (!this.acceptKw(kw)) this.fail(`expected ${kw} but found ${this.describe(this.peek())}`);
  }
  isOp(op: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === "op" && t.v === op;
  }
  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }
  expectOp(op: string) {
    if (!this.acceptOp(op)) this.fail(`expected '${op}' but found ${this.describe(this.peek())}`);
  }
  enter() {
    if (++this.depth > MAX_DEPTH) throw new SqlTooComplexError("Analytics query is too complex");
  }
  leave() {
    this.depth--;
  }

  /** An identifier: bare (not reserved) or quoted. */
  ident(what = "identifier"): string {
    const t = this.peek();
    if (t.t === "qident") {
      this.i++;
      return t.v;
    }
    if (t.t === "ident" && !RESERVED.has(t.v.toUpperCase())) {
      this.i++;
      return t.v;
    }
    this.fail(`expected ${what} but found ${this.describe(t)}`);
  }
  private isIdentStart(o = 0): boolean {
    const t = this.peek(o);
    return t.t === "qident" || (t.t === "ident" && !RESERVED.has(t.v.toUpperCase()));
  }

  // ---- statements -----------------------------------------------------------------------

  query(): Query {
    this.enter();
    const q: Query = { body: undefined as unknown as SetExpr };
    if (this.acceptKw("WITH")) {
      if (this.isKw("RECURSIVE")) this.fail("recursive CTEs are not supported");
      const ctes: Cte[] = [];
      do {
        if (!this.isIdentStart() || !this.isKw("AS", 1)) this.fail("expected a CTE definition '<name> AS (SELECT …)'");
        const name = this.ident("CTE name");
        this.expectKw("AS");
        this.expectOp("(");
        const sub = this.query();
        this.expectOp(")");
        ctes.push({ name, q: sub });
      } while (this.acceptOp(","));
      q.with = ctes;
    }
    q.body = this.setExpr();
    if (this.acceptKw("SETTINGS")) {
      q.settings = true;
      // consume `name = value, …` so the statement still parses and the check can name the clause
      do {
        this.next();
        if (this.acceptOp("=")) this.expr();
      } while (this.acceptOp(","));
    }
    if (this.acceptKw("FORMAT")) {
      q.format = true;
      this.next();
    }
    this.leave();
    return q;
  }

  private setExpr(): SetExpr {
    let left = this.setOperand();
    for (;;) {
      let op: "UNION ALL" | "UNION DISTINCT" | "EXCEPT" | "INTERSECT" | undefined;
      if (this.acceptKw("UNION")) {
        if (this.acceptKw("ALL")) op = "UNION ALL";
        else if (this.acceptKw("DISTINCT")) op = "UNION DISTINCT";
        else op = "UNION DISTINCT";
      } else if (this.acceptKw("EXCEPT")) {
        this.acceptKw("DISTINCT");
        op = "EXCEPT";
      } else if (this.acceptKw("INTERSECT")) {
        this.acceptKw("DISTINCT");
        op = "INTERSECT";
      }
      if (!op) return left;
      const right = this.setOperand();
      left = { k: "set", op, l: left, r: right };
    }
  }

  private setOperand(): SetExpr {
    if (this.isOp("(")) {
      this.next();
      const q = this.query();
      this.expectOp(")");
      return { k: "paren", q };
    }
    if (!this.isKw("SELECT")) this.fail(`expected SELECT but found ${this.describe(this.peek())}`);
    return this.select();
  }

  private select(): Select {
    this.expectKw("SELECT");
    const s: Select = { k: "select", distinct: false, items: [] };
    if (this.acceptKw("DISTINCT")) s.distinct = true;
    else this.acceptKw("ALL");
    if (this.isKw("TOP")) this.fail("TOP is not supported, use LIMIT");
    do s.items.push(this.selectItem());
    while (this.acceptOp(","));
    if (this.acceptKw("FROM")) s.from = this.fromClause();
    if (this.acceptKw("PREWHERE")) this.fail("PREWHERE is not supported, use WHERE");
    if (this.acceptKw("WHERE")) s.where = this.expr();
    if (this.acceptKw("GROUP", "BY")) {
      s.groupBy = [];
      do s.groupBy.push(this.expr());
      while (this.acceptOp(","));
      if (this.isKw("WITH")) this.fail("GROUP BY modifiers (WITH ROLLUP/CUBE/TOTALS) are not supported");
    }
    if (this.acceptKw("HAVING")) s.having = this.expr();
    if (this.isKw("WINDOW") || this.isKw("QUALIFY")) this.fail(`${this.peek().v.toUpperCase()} is not supported`);
    if (this.acceptKw("ORDER", "BY")) s.orderBy = this.orderList(true);
    if (this.acceptKw("LIMIT", "ALL")) {
      // no explicit limit: the row cap applies
      if (this.acceptKw("OFFSET")) s.offset = this.expr();
    } else if (this.acceptKw("LIMIT")) {
      const first = this.expr();
      if (this.acceptOp(",")) {
        s.offset = first;
        s.limit = this.expr();
      } else {
        s.limit = first;
        if (this.acceptKw("OFFSET")) s.offset = this.expr();
      }
      if (this.isKw("BY")) this.fail("LIMIT BY is not supported");
      if (this.isKw("WITH")) this.fail("LIMIT … WITH TIES is not supported");
    } else if (this.acceptKw("OFFSET")) {
      s.offset = this.expr();
    }
    return s;
  }

  private selectItem(): SelectItem {
    const start = this.peek().pos;
    const e = this.expr();
    const end = this.toks[this.i - 1]!.end;
    const item: SelectItem = { e, text: this.src.slice(start, end) };
    if (this.acceptKw("AS")) item.alias = this.ident("alias");
    else if (this.isIdentStart()) item.alias = this.ident("alias");
    return item;
  }

  private orderList(allowFill: boolean): OrderItem[] {
    const out: OrderItem[] = [];
    do {
      const e = this.expr();
      const o: OrderItem = { e, desc: false };
      if (this.acceptKw("DESC") || this.acceptKw("DESCENDING")) o.desc = true;
      else this.acceptKw("ASC") || this.acceptKw("ASCENDING");
      if (this.acceptKw("NULLS")) {
        if (this.acceptKw("FIRST")) o.nulls = "FIRST";
        else if (this.acceptKw("LAST")) o.nulls = "LAST";
        else this.fail("expected FIRST or LAST");
      }
      if (this.isKw("COLLATE")) this.fail("COLLATE is not supported");
      if (allowFill && this.acceptKw("WITH", "FILL")) {
        o.fill = {};
        if (this.acceptKw("FROM")) o.fill.from = this.expr();
        if (this.acceptKw("TO")) o.fill.to = this.expr();
        if (this.acceptKw("STEP")) o.fill.step = this.expr();
      }
      out.push(o);
    } while (this.acceptOp(","));
    return out;
  }

  private fromClause(): FromItem {
    let left = this.fromPrimary();
    for (;;) {
      if (this.acceptOp(",")) {
        left = { k: "join", type: "CROSS", l: left, r: this.fromPrimary() };
        continue;
      }
      let type: "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS" | undefined;
      this.acceptKw("GLOBAL");
      if (this.isKw("ANY") || this.isKw("ALL") || this.isKw("ASOF") || this.isKw("SEMI") || this.isKw("ANTI")) {
        this.fail(`${this.peek().v.toUpperCase()} joins are not supported`);
      }
      if (this.acceptKw("JOIN") || this.acceptKw("INNER", "JOIN")) type = "INNER";
      else if (this.acceptKw("LEFT", "OUTER", "JOIN") || this.acceptKw("LEFT", "JOIN")) type = "LEFT";
      else if (this.acceptKw("RIGHT", "OUTER", "JOIN") || this.acceptKw("RIGHT", "JOIN")) type = "RIGHT";
      else if (this.acceptKw("FULL", "OUTER", "JOIN") || this.acceptKw("FULL", "JOIN")) type = "FULL";
      else if (this.acceptKw("CROSS", "JOIN")) type = "CROSS";
      if (!type) {
        if (this.isKw("ARRAY") && this.isKw("JOIN", 1)) this.fail("ARRAY JOIN is not supported, use arrayJoin()");
        return left;
      }
      const right = this.fromPrimary();
      const j: FromItem = { k: "join", type, l: left, r: right };
      if (type !== "CROSS") {
        if (this.acceptKw("ON")) j.on = this.expr();
        else if (this.acceptKw("USING")) {
          const paren = this.acceptOp("(");
          j.using = [];
          do j.using.push(this.ident("column"));
          while (this.acceptOp(","));
          if (paren) this.expectOp(")");
        } else this.fail("expected ON or USING after JOIN");
      }
      left = j;
    }
  }

  private fromPrimary(): FromItem {
    let item: FromItem;
    if (this.isOp("(")) {
      this.next();
      this.enter();
      if (this.isKw("SELECT") || this.isKw("WITH") || this.isOp("(")) {
        item = { k: "derived", q: this.query() };
      } else {
        item = this.fromClause();
        if (item.k === "join") {
          this.expectOp(")");
          this.leave();
          return item;
        }
      }
      this.expectOp(")");
      this.leave();
    } else {
      const parts = [this.ident("table name")];
      while (this.acceptOp(".")) parts.push(this.ident("table name"));
      if (this.isOp("(")) {
        this.next();
        const args: Expr[] = [];
        if (!this.isOp(")")) {
          do args.push(this.expr());
          while (this.acceptOp(","));
        }
        this.expectOp(")");
        item = { k: "tablefn", name: parts.join("."), args };
      } else item = { k: "table", parts };
    }
    if (this.acceptKw("FINAL")) this.fail("FINAL is not supported");
    if (this.isKw("SAMPLE")) this.fail("SAMPLE is not supported");
    if (this.acceptKw("AS")) (item as { alias?: string }).alias = this.ident("alias");
    else if (this.isIdentStart()) (item as { alias?: string }).alias = this.ident("alias");
    return item;
  }

  // ---- expressions ----------------------------------------------------------------------

  expr(): Expr {
    this.enter();
    // lambda: x -> body | (x, y) -> body
    if (this.isIdentStart() && this.isOp("->", 1)) {
      const param = this.ident();
      this.next();
      const body = this.expr();
      this.leave();
      return { k: "lambda", params: [param], body };
    }
    if (this.isOp("(") && this.isIdentStart(1)) {
      let j = 1;
      const params: string[] = [];
      let isLambda = false;
      for (;;) {
        if (!this.isIdentStart(j)) break;
        params.push(this.peek(j).v);
        j++;
        if (this.isOp(",", j)) {
          j++;
          continue;
        }
        if (this.isOp(")", j) && this.isOp("->", j + 1)) isLambda = true;
        break;
      }
      if (isLambda) {
        this.i += j + 2;
        const body = this.expr();
        this.leave();
        return { k: "lambda", params, body };
      }
    }
    const e = this.orExpr();
    this.leave();
    return e;
  }

  private orExpr(): Expr {
    let l = this.andExpr();
    while (this.acceptKw("OR")) l = { k: "bin", op: "OR", l, r: this.andExpr() };
    return l;
  }

  private andExpr(): Expr {
    let l = this.notExpr();
    while (this.acceptKw("AND")) l = { k: "bin", op: "AND", l, r: this.notExpr() };
    return l;
  }

  private notExpr(): Expr {
    if (this.acceptKw("NOT")) {
      this.enter();
      const e: Expr = { k: "un", op: "NOT", e: this.notExpr() };
      this.leave();
      return e;
    }
    return this.cmpExpr();
  }

  private cmpExpr(): Expr {
    let l = this.addExpr();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && ["=", "==", "!=", "<>", "<", ">", "<=", ">="].includes(t.v)) {
        this.next();
        const op = t.v === "==" ? "=" : t.v === "<>" ? "!=" : t.v;
        l = { k: "bin", op, l, r: this.addExpr() };
        continue;
      }
      if (this.acceptKw("IS")) {
        const not = this.acceptKw("NOT");
        this.expectKw("NULL");
        l = { k: "isnull", e: l, not };
        continue;
      }
      const save = this.i;
      const not = this.acceptKw("NOT");
      if (this.acceptKw("BETWEEN")) {
        const lo = this.addExpr();
        this.expectKw("AND");
        const hi = this.addExpr();
        l = { k: "between", e: l, not, lo, hi };
        continue;
      }
      if (this.isKw("LIKE") || this.isKw("ILIKE")) {
        const ci = this.next().v.toUpperCase() === "ILIKE";
        l = { k: "like", e: l, not, ci, pattern: this.addExpr() };
        continue;
      }
      const global = this.acceptKw("GLOBAL");
      const not2 = not || (global && this.acceptKw("NOT"));
      if (this.acceptKw("IN")) {
        l = this.inRhs(l, not2);
        continue;
      }
      this.i = save;
      return l;
    }
  }

  private inRhs(e: Expr, not: boolean): Expr {
    if (this.isOp("(")) {
      if (this.isKw("SELECT", 1) || this.isKw("WITH", 1)) {
        this.next();
        const sub = this.query();
        this.expectOp(")");
        return { k: "in", e, not, sub };
      }
      this.next();
      const list: Expr[] = [];
      if (!this.isOp(")")) {
        do list.push(this.expr());
        while (this.acceptOp(","));
      }
      this.expectOp(")");
      return { k: "in", e, not, list };
    }
    if (this.isOp("[")) {
      const arr = this.primary();
      return { k: "in", e, not, list: arr.k === "array" ? arr.items : [arr] };
    }
    if (this.isIdentStart()) {
      const parts = [this.ident()];
      while (this.acceptOp(".")) parts.push(this.ident());
      return { k: "in", e, not, table: parts };
    }
    this.fail("expected a list or a subquery after IN");
  }

  private addExpr(): Expr {
    let l = this.mulExpr();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && (t.v === "+" || t.v === "-" || t.v === "||")) {
        this.next();
        l = { k: "bin", op: t.v, l, r: this.mulExpr() };
        continue;
      }
      return l;
    }
  }

  private mulExpr(): Expr {
    let l = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && (t.v === "*" || t.v === "/" || t.v === "%")) {
        this.next();
        l = { k: "bin", op: t.v, l, r: this.unary() };
        continue;
      }
      return l;
    }
  }

  private unary(): Expr {
    if (this.isOp("-") || this.isOp("+")) {
      const op = this.next().v as "-" | "+";
      this.enter();
      const e = this.unary();
      this.leave();
      if (op === "-" && e.k === "num" && !e.v.startsWith("-")) return { k: "num", v: `-${e.v}` };
      return { k: "un", op, e };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.acceptOp("[")) {
        const i = this.expr();
        this.expectOp("]");
        e = { k: "index", e, i };
        continue;
      }
      if (this.isOp("::")) this.fail("'::' casts are not supported, use CAST(x AS type)");
      return e;
    }
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.t === "num") {
      this.next();
      return { k: "num", v: t.v };
    }
    if (t.t === "str") {
      this.next();
      return { k: "str", v: t.v };
    }
    if (t.t === "op") {
      if (t.v === "*") {
        this.next();
        return { k: "star" };
      }
      if (t.v === "(") {
        this.next();
        if (this.isKw("SELECT") || this.isKw("WITH")) {
          const q = this.query();
          this.expectOp(")");
          return { k: "subquery", q };
        }
        const first = this.expr();
        if (this.acceptOp(",")) {
          const items = [first];
          do items.push(this.expr());
          while (this.acceptOp(","));
          this.expectOp(")");
          return { k: "tuple", items };
        }
        this.expectOp(")");
        return first;
      }
      if (t.v === "[") {
        this.next();
        const items: Expr[] = [];
        if (!this.isOp("]")) {
          do items.push(this.expr());
          while (this.acceptOp(","));
        }
        this.expectOp("]");
        return { k: "array", items };
      }
      this.fail(`unexpected ${this.describe(t)}`);
    }
    if (t.t === "eof") this.fail("unexpected end of query");
    if (t.t === "ident") {
      const up = t.v.toUpperCase();
      if (up === "NULL") {
        this.next();
        return { k: "null" };
      }
      if ((up === "TRUE" || up === "FALSE") && !this.isOp("(", 1)) {
        this.next();
        return { k: "bool", v: up === "TRUE" };
      }
      if (up === "CASE") return this.caseExpr();
      if (up === "INTERVAL") {
        this.next();
        return this.intervalExpr();
      }
      if (up === "CAST" && this.isOp("(", 1)) {
        this.next();
        this.next();
        const e = this.expr();
        let type: string;
        if (this.acceptKw("AS")) type = this.typeName();
        else {
          this.expectOp(",");
          const ty = this.next();
          if (ty.t !== "str") this.fail("expected a type name");
          type = ty.v;
        }
        this.expectOp(")");
        return { k: "cast", e, type };
      }
      if (up === "EXISTS" && this.isOp("(", 1)) {
        this.next();
        this.next();
        const q = this.query();
        this.expectOp(")");
        return { k: "exists", q };
      }
      if (up === "DISTINCT") this.fail("DISTINCT is only allowed after SELECT or inside an aggregate");
    }
    if (t.t === "ident" || t.t === "qident") {
      if (t.t === "ident" && RESERVED.has(t.v.toUpperCase()) && !this.isOp("(", 1)) this.fail(`unexpected ${this.describe(t)}`);
      this.next();
      if (t.t === "ident" && this.isOp("(")) return this.call(t.v);
      const parts = [t.v];
      while (this.acceptOp(".")) {
        if (this.acceptOp("*")) return { k: "star", table: parts.join(".") };
        parts.push(this.ident("column name"));
      }
      return { k: "col", parts };
    }
    this.fail(`unexpected ${this.describe(t)}`);
  }

  private typeName(): string {
    const name = this.ident("type name");
    if (this.acceptOp("(")) {
      const inner: string[] = [];
      let depth = 1;
      while (depth > 0) {
        const t = this.next();
        if (t.t === "eof") this.fail("unterminated type");
        if (t.v === "(") depth++;
        if (t.v === ")") depth--;
        if (depth > 0) inner.push(t.v);
      }
      return `${name}(${inner.join("")})`;
    }
    return name;
  }

  private call(name: string): Expr {
    this.expectOp("(");
    const fn: Extract<Expr, { k: "fn" }> = { k: "fn", name, args: [] };
    if (this.acceptKw("DISTINCT")) fn.distinct = true;
    else this.acceptKw("ALL");
    if (this.isOp("*") && this.isOp(")", 1)) {
      this.next();
      fn.starArg = true;
    } else if (!this.isOp(")")) {
      do fn.args.push(this.expr());
      while (this.acceptOp(","));
    }
    this.expectOp(")");
    if (this.isOp("(")) {
      // parametric aggregate: quantile(0.5)(x)
      this.next();
      fn.params = fn.args;
      fn.args = [];
      if (!this.isOp(")")) {
        do fn.args.push(this.expr());
        while (this.acceptOp(","));
      }
      this.expectOp(")");
    }
    if (this.acceptKw("FILTER")) this.fail("FILTER clauses are not supported, use sumIf/countIf");
    if (this.acceptKw("OVER")) fn.over = this.windowSpec();
    return fn;
  }

  private windowSpec(): Window {
    if (!this.isOp("(")) this.fail("named windows are not supported");
    this.next();
    const w: Window = { partitionBy: [], orderBy: [] };
    if (this.acceptKw("PARTITION", "BY")) {
      do w.partitionBy.push(this.expr());
      while (this.acceptOp(","));
    }
    if (this.acceptKw("ORDER", "BY")) w.orderBy = this.orderList(false);
    if (this.isKw("ROWS") || this.isKw("RANGE")) {
      const unit = this.next().v.toUpperCase();
      if (this.acceptKw("BETWEEN")) {
        const a = this.frameBound();
        this.expectKw("AND");
        const b = this.frameBound();
        w.frame = `${unit} BETWEEN ${a} AND ${b}`;
      } else w.frame = `${unit} ${this.frameBound()}`;
    }
    this.expectOp(")");
    return w;
  }

  private frameBound(): string {
    if (this.acceptKw("UNBOUNDED", "PRECEDING")) return "UNBOUNDED PRECEDING";
    if (this.acceptKw("UNBOUNDED", "FOLLOWING")) return "UNBOUNDED FOLLOWING";
    if (this.acceptKw("CURRENT", "ROW")) return "CURRENT ROW";
    const n = this.next();
    if (n.t !== "num" || !/^[0-9]+$/.test(n.v)) this.fail("expected a frame bound", n);
    if (this.acceptKw("PRECEDING")) return `${n.v} PRECEDING`;
    if (this.acceptKw("FOLLOWING")) return `${n.v} FOLLOWING`;
    this.fail("expected PRECEDING or FOLLOWING");
  }

  private caseExpr(): Expr {
    this.expectKw("CASE");
    const c: Extract<Expr, { k: "case" }> = { k: "case", whens: [] };
    if (!this.isKw("WHEN")) c.base = this.expr();
    while (this.acceptKw("WHEN")) {
      const w = this.expr();
      this.expectKw("THEN");
      c.whens.push([w, this.expr()]);
    }
    if (c.whens.length === 0) this.fail("CASE needs at least one WHEN");
    if (this.acceptKw("ELSE")) c.else = this.expr();
    this.expectKw("END");
    return c;
  }

  private intervalExpr(): Expr {
    // INTERVAL 7 DAY | INTERVAL '7' DAY | INTERVAL '7 day' | INTERVAL (expr) DAY
    const t = this.peek();
    if (t.t === "str") {
      const m = /^\s*(-?\d+)\s*([A-Za-z]+)?\s*$/.exec(t.v);
      if (m && m[2]) {
        this.next();
        const unit = INTERVAL_UNITS[m[2].toUpperCase()];
        if (!unit) this.fail(`unknown interval unit '${m[2]}'`, t);
        return { k: "interval", n: { k: "num", v: m[1]! }, unit };
      }
      if (m) {
        this.next();
        return { k: "interval", n: { k: "num", v: m[1]! }, unit: this.intervalUnit() };
      }
      this.fail("malformed INTERVAL");
    }
    const n = this.unary();
    return { k: "interval", n, unit: this.intervalUnit() };
  }

  private intervalUnit(): IntervalUnit {
    const u = this.peek();
    const unit = u.t === "ident" ? INTERVAL_UNITS[u.v.toUpperCase()] : undefined;
    if (!unit) this.fail(`expected an interval unit (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR) but found ${this.describe(u)}`);
    this.next();
    return unit;
  }
}
