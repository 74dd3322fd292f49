/**
 * AST of the analytics SQL subset: ClickHouse-flavoured SELECT statements with CTEs,
 * subqueries, joins, set operations, window functions, lambdas and INTERVAL arithmetic.
 * The parser (./parser.ts) builds it; the checks (./check.ts) validate it; a store's compiler
 * (./sqlite.ts for D1) turns it into its own dialect with the row policy injected.
 */

export type IntervalUnit = "NANOSECOND" | "MICROSECOND" | "MILLISECOND" | "SECOND" | "MINUTE" | "HOUR" | "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR";

export type Expr =
  | { k: "num"; v: string }
  | { k: "str"; v: string }
  | { k: "null" }
  | { k: "bool"; v: boolean }
  | { k: "col"; parts: string[] }
  | { k: "star"; table?: string }
  | { k: "fn"; name: string; args: Expr[]; distinct?: boolean; params?: Expr[]; over?: Window; starArg?: boolean }
  | { k: "bin"; op: string; l: Expr; r: Expr }
  | { k: "un"; op: "-" | "+" | "NOT"; e: Expr }
  | { k: "in"; e: Expr; not: boolean; list?: Expr[]; sub?: Query; table?: string[] }
  | { k: "between"; e: Expr; not: boolean; lo: Expr; hi: Expr }
  | { k: "isnull"; e: Expr; not: boolean }
  | { k: "like"; e: Expr; not: boolean; ci: boolean; pattern: Expr }
  | { k: "case"; base?: Expr; whens: [Expr, Expr][]; else?: Expr }
  | { k: "cast"; e: Expr; type: string }
  | { k: "interval"; n: Expr; unit: IntervalUnit }
  | { k: "array"; items: Expr[] }
  | { k: "tuple"; items: Expr[] }
  | { k: "lambda"; params: string[]; body: Expr }
  | { k: "subquery"; q: Query }
  | { k: "exists"; q: Query }
  | { k: "index"; e: Expr; i: Expr };

export interface Window {
  partitionBy: Expr[];
  orderBy: OrderItem[];
  /** normalised frame clause, e.g. "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW" */
  frame?: string;
}

export interface OrderItem {
  e: Expr;
  desc: boolean;
  nulls?: "FIRST" | "LAST";
  fill?: { from?: Expr; to?: Expr; step?: Expr };
}

export interface SelectItem {
  e: Expr;
  alias?: string;
  /** the item's text as written, used as the output column name when there is no alias */
  text: string;
}

export type FromItem =
  | { k: "table"; parts: string[]; alias?: string }
  | { k: "derived"; q: Query; alias?: string }
  | { k: "tablefn"; name: string; args: Expr[]; alias?: string }
  | { k: "join"; type: "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS"; l: FromItem; r: FromItem; on?: Expr; using?: string[] };

export interface Select {
  k: "select";
  distinct: boolean;
  items: SelectItem[];
  from?: FromItem;
  where?: Expr;
  groupBy?: Expr[];
  having?: Expr;
  orderBy?: OrderItem[];
  limit?: Expr;
  offset?: Expr;
}

export type SetExpr = Select | { k: "set"; op: "UNION ALL" | "UNION DISTINCT" | "EXCEPT" | "INTERSECT"; l: SetExpr; r: SetExpr } | { k: "paren"; q: Query };

export interface Cte {
  name: string;
  q: Query;
}

export interface Query {
  with?: Cte[];
  body: SetExpr;
  /** a SETTINGS clause was written (always rejected) */
  settings?: boolean;
  /** a FORMAT clause was written (always rejected) */
  format?: boolean;
}
