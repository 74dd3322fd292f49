/**
 * The ClickHouse functions the D1 compiler (./sqlite.ts) can translate, one entry per name:
 * its arity, what it may be combined with (OVER, DISTINCT, parameters, `*`) and how it becomes
 * SQLite. The compiler checks the entry's constraints generically and hands the entry a small
 * context to compile its arguments with, so a function is added by adding one entry here.
 *
 * Which functions a query may call at all is the allow-list in ./check.ts (the security
 * boundary, checked before compilation); a name allowed there but missing here answers 400
 * invalid_analytics_function ("not supported by this analytics store").
 */
import { ApiError } from "../../errors";
import type { Expr, IntervalUnit } from "./ast";
import type { Compiled, T } from "./sqlite";

const DAY = 86_400_000;

export type FnExpr = Extract<Expr, { k: "fn" }>;

/** How a number given where a time is expected is read. */
export type MsMode = "seconds" | "fractional-seconds" | "ms";

/** What a function's translation can ask of the compiler. */
export interface FnCtx {
  readonly e: FnExpr;
  /** lower-case name */
  readonly name: string;
  /** "DISTINCT " inside an aggregate written with DISTINCT, else "" */
  readonly distinct: string;
  /** the query's start time (now()) and the row cap */
  readonly now: number;
  readonly maxRows: number;
  /** compiles argument i */
  arg(i: number): Compiled;
  /** argument i as Unix ms (times stay, string literals are parsed, numbers read as `mode`) */
  ms(i: number, mode: MsMode): string;
  /** argument i, which must be an array */
  array(i: number): Compiled;
  /** runs `build` as an aggregate's arguments (no nesting) and adds the OVER clause, if any */
  aggregate(build: () => string, t: T, wrap?: (s: string) => string): Compiled;
  /** compiles `body` with `param` bound to `value` (lambdas) */
  lambda(param: string, value: Compiled, body: Expr): Compiled;
  /** the value of one element of `arr`, one output row per element (arrayJoin) */
  arrayJoin(arr: Compiled): Compiled;
  interval(n: string, unit: IntervalUnit): Compiled;
  /** a fresh SQL identifier */
  fresh(prefix: string): string;
  /** whether an aggregate's arguments are being compiled */
  inAggregate(): boolean;
}

export interface FnSpec {
  /** fewest and most arguments (Infinity: no upper bound) */
  args: [number, number];
  /** an aggregate: one output row without GROUP BY, not nestable */
  aggregate?: boolean;
  /** may take OVER (…) */
  window?: boolean;
  /** may take DISTINCT */
  distinct?: boolean;
  /** takes parameters, e.g. quantile(0.5)(x) */
  params?: boolean;
  /** may be called as f(*) */
  star?: boolean;
  compile(c: FnCtx): Compiled;
}

const bad = (detail: string) => new ApiError("user/bad_request/invalid_analytics_query", detail);
export const unsupported = (fn: string, why = "") =>
  new ApiError("user/bad_request/invalid_analytics_function", `Function '${fn}' is not supported by this analytics store${why ? `: ${why}` : ""}`);

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const isTime = (t: T) => t === "dt" || t === "date";

export function literalInt(e: Expr, what: string): number {
  if (e.k === "num" && /^-?\d+$/.test(e.v) && Math.abs(Number(e.v)) <= 1000) return Number(e.v);
  throw bad(`${what} must be a small integer literal`);
}

/** Start of a calendar unit for a ms expression. Weeks start on Sunday (mode 0) or Monday (1). */
function startOf(ms: string, unit: "week" | "month" | "quarter" | "year", weekMode: 0 | 1): string {
  const s = `(${ms}) / 1000`;
  let mods: string;
  if (unit === "week") mods = `'start of day', '-6 days', 'weekday ${weekMode}'`;
  else if (unit === "month") mods = "'start of month'";
  else if (unit === "year") mods = "'start of year'";
  else mods = `'start of month', printf('-%d months', (CAST(strftime('%m', ${s}, 'unixepoch') AS INTEGER) - 1) % 3)`;
  return `(CAST(unixepoch(${s}, 'unixepoch', ${mods}) AS INTEGER) * 1000)`;
}

/** ClickHouse formatDateTime specifiers → strftime. */
function translateFormat(fmt: string, fn: string): string {
  const map: Record<string, string> = {
    Y: "%Y",
    y: "%y",
    m: "%m",
    d: "%d",
    e: "%d",
    H: "%H",
    i: "%M",
    M: "%m",
    S: "%S",
    s: "%S",
    F: "%Y-%m-%d",
    T: "%H:%M:%S",
    D: "%m/%d/%y",
    j: "%j",
    w: "%w",
    u: "%u",
    "%": "%%",
    R: "%H:%M",
    n: "\n",
    t: "\t",
  };
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== "%") {
      out += c;
      continue;
    }
    const spec = fmt[++i];
    const tr = spec !== undefined ? map[spec] : undefined;
    if (tr === undefined) throw unsupported(fn, `format '%${spec ?? ""}' cannot be translated`);
    out += tr;
  }
  return out;
}

/** strftime of a ms expression with a ClickHouse format given as argument `i` (a literal). */
function formatted(c: FnCtx, ms: string, i: number): Compiled {
  const f = c.e.args[i]!;
  if (f.k !== "str") throw bad(`${c.e.name} needs the format as a string literal`);
  return { sql: `strftime(${lit(translateFormat(f.v, c.name))}, ${ms} / 1000, 'unixepoch')`, t: "str" };
}

const num = (sql: string): Compiled => ({ sql, t: "num" });
const str = (sql: string): Compiled => ({ sql, t: "str" });
const allArgs = (c: FnCtx) => c.e.args.map((_, i) => c.arg(i));

function bucket(size: number): FnSpec {
  return { args: [1, 2], compile: (c) => ({ sql: `((${c.ms(0, "ms")} / ${size}) * ${size})`, t: "dt" }) };
}

function calendarStart(unit: "month" | "quarter" | "year"): FnSpec {
  return { args: [1, 2], compile: (c) => ({ sql: startOf(c.ms(0, "ms"), unit, 0), t: "date" }) };
}

function toInterval(unit: IntervalUnit): FnSpec {
  return { args: [1, 1], compile: (c) => c.interval(c.arg(0).sql, unit) };
}

function minMax(fn: "MIN" | "MAX", distinct: boolean): FnSpec {
  return {
    args: [1, 1],
    aggregate: true,
    window: true,
    distinct,
    compile: (c) => {
      // the argument is compiled once; its type is the result's type
      let t: T = "any";
      const out = c.aggregate(() => {
        const x = c.arg(0);
        t = x.t;
        return `${fn}(${c.distinct}${x.sql})`;
      }, "any");
      return { ...out, t };
    },
  };
}

function caseFn(fn: "LOWER" | "UPPER" | "TRIM"): FnSpec {
  return { args: [1, 1], compile: (c) => str(`${fn}(${c.arg(0).sql})`) };
}

function rounding(fn: "FLOOR" | "CEIL"): FnSpec {
  return {
    args: [1, 2],
    compile: (c) => {
      if (c.e.args.length === 1) return num(`${fn}(${c.arg(0).sql})`);
      const scale = 10 ** literalInt(c.e.args[1]!, `${c.name} precision`);
      return num(`(${fn}(${c.arg(0).sql} * ${scale}) / ${scale})`);
    },
  };
}

function toInt(): FnSpec {
  return {
    args: [1, 1],
    compile: (c) => {
      const x = c.arg(0);
      return num(isTime(x.t) ? `(${x.sql} / 1000)` : `CAST(${x.sql} AS INTEGER)`);
    },
  };
}

/** `toIntervalDay(n)` and friends: the unit each names (also read by check.ts's constant evaluator). */
export const INTERVAL_FNS: Record<string, IntervalUnit> = {
  tointervalnanosecond: "NANOSECOND",
  tointervalmicrosecond: "MICROSECOND",
  tointervalmillisecond: "MILLISECOND",
  tointervalsecond: "SECOND",
  tointervalminute: "MINUTE",
  tointervalhour: "HOUR",
  tointervalday: "DAY",
  tointervalweek: "WEEK",
  tointervalmonth: "MONTH",
  tointervalquarter: "QUARTER",
  tointervalyear: "YEAR",
};

/** Every translatable function, by lower-case name. */
export const FUNCTIONS: ReadonlyMap<string, FnSpec> = new Map<string, FnSpec>([
  // -- aggregates
  [
    "count",
    {
      args: [0, 1],
      aggregate: true,
      window: true,
      distinct: true,
      star: true,
      compile: (c) => c.aggregate(() => (c.e.starArg || c.e.args.length === 0 ? "COUNT(*)" : `COUNT(${c.distinct}${c.arg(0).sql})`), "num"),
    },
  ],
  [
    "sum",
    {
      args: [1, 1],
      aggregate: true,
      window: true,
      distinct: true,
      // the sum of nothing is 0, as in ClickHouse
      compile: (c) =>
        c.aggregate(
          () => `SUM(${c.distinct}${c.arg(0).sql})`,
          "num",
          (s) => `COALESCE(${s}, 0)`,
        ),
    },
  ],
  ["avg", { args: [1, 1], aggregate: true, window: true, distinct: true, compile: (c) => c.aggregate(() => `AVG(${c.distinct}${c.arg(0).sql})`, "num") }],
  ["min", minMax("MIN", true)],
  ["max", minMax("MAX", true)],
  ["any", { ...minMax("MIN", false), window: false }],
  ["uniq", { args: [1, 1], aggregate: true, distinct: true, compile: (c) => c.aggregate(() => `COUNT(DISTINCT ${c.arg(0).sql})`, "num") }],
  ["uniqexact", { args: [1, 1], aggregate: true, distinct: true, compile: (c) => c.aggregate(() => `COUNT(DISTINCT ${c.arg(0).sql})`, "num") }],
  ["countif", { args: [1, 1], aggregate: true, compile: (c) => c.aggregate(() => `COUNT(CASE WHEN ${c.arg(0).sql} THEN 1 END)`, "num") }],
  [
    "sumif",
    {
      args: [2, 2],
      aggregate: true,
      compile: (c) =>
        c.aggregate(
          () => `SUM(CASE WHEN ${c.arg(1).sql} THEN ${c.arg(0).sql} ELSE 0 END)`,
          "num",
          (s) => `COALESCE(${s}, 0)`,
        ),
    },
  ],
  [
    "grouparray",
    {
      args: [1, 1],
      aggregate: true,
      distinct: true,
      compile: (c) => ({ ...c.aggregate(() => `json_group_array(${c.distinct}${c.arg(0).sql})`, "arr"), len: c.maxRows }),
    },
  ],
  [
    "groupuniqarray",
    {
      args: [1, 1],
      aggregate: true,
      compile: (c) => ({ ...c.aggregate(() => `json_group_array(DISTINCT ${c.arg(0).sql})`, "arr"), len: c.maxRows }),
    },
  ],
  [
    "quantile",
    {
      args: [1, 1],
      aggregate: true,
      params: true,
      compile: (c) => {
        throw unsupported(c.name, "SQLite has no quantile aggregate");
      },
    },
  ],

  // -- time (values are Unix ms; see ./sqlite.ts)
  ["now", { args: [0, 1], compile: (c) => ({ sql: String(c.now), t: "dt" }) }],
  ["now64", { args: [0, 1], compile: (c) => ({ sql: String(c.now), t: "dt" }) }],
  ["today", { args: [0, 0], compile: (c) => ({ sql: String(Math.floor(c.now / DAY) * DAY), t: "date" }) }],
  ["todate", { args: [1, 2], compile: (c) => ({ sql: `((${c.ms(0, "seconds")} / ${DAY}) * ${DAY})`, t: "date" }) }],
  // a number given to toDateTime is seconds, as in ClickHouse
  ["todatetime", { args: [1, 2], compile: (c) => ({ sql: c.ms(0, "seconds"), t: "dt" }) }],
  ["todatetime64", { args: [1, 3], compile: (c) => ({ sql: c.ms(0, "fractional-seconds"), t: "dt" }) }],
  ["fromunixtimestamp64milli", { args: [1, 2], compile: (c) => ({ sql: `CAST(${c.arg(0).sql} AS INTEGER)`, t: "dt" }) }],
  ["tounixtimestamp64milli", { args: [1, 1], compile: (c) => num(c.ms(0, "ms")) }],
  // extensions (Unkey's server refuses them): seconds since the epoch, both ways
  ["tounixtimestamp", { args: [1, 2], compile: (c) => num(`(CAST(${c.ms(0, "seconds")} AS INTEGER) / 1000)`) }],
  [
    "fromunixtimestamp",
    {
      args: [1, 3],
      // fromUnixTimestamp(s, format) formats, as ClickHouse's MySQL-compatible form does
      compile: (c) => {
        const ms = `(CAST(${c.arg(0).sql} AS INTEGER) * 1000)`;
        return c.e.args.length > 1 ? formatted(c, ms, 1) : { sql: ms, t: "dt" };
      },
    },
  ],
  ["tostartofminute", bucket(60_000)],
  ["tostartofhour", bucket(3_600_000)],
  ["tostartofday", bucket(DAY)],
  [
    "tostartofweek",
    {
      args: [1, 3],
      compile: (c) => {
        const mode = c.e.args[1] ? literalInt(c.e.args[1], "toStartOfWeek mode") : 0;
        return { sql: startOf(c.ms(0, "ms"), "week", mode % 2 === 1 ? 1 : 0), t: "date" };
      },
    },
  ],
  ["tostartofmonth", calendarStart("month")],
  ["tostartofquarter", calendarStart("quarter")],
  ["tostartofyear", calendarStart("year")],
  [
    "date_trunc",
    {
      args: [2, 3],
      compile: (c) => {
        const u = c.e.args[0]!;
        if (u.k !== "str") throw bad("date_trunc needs the unit as a string literal");
        const unit = u.v.toLowerCase();
        const x = c.ms(1, "ms");
        const fixed: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: DAY };
        if (fixed[unit]) return { sql: `((${x} / ${fixed[unit]}) * ${fixed[unit]})`, t: unit === "day" ? "date" : "dt" };
        if (unit === "week") return { sql: startOf(x, "week", 1), t: "date" };
        if (unit === "month" || unit === "quarter" || unit === "year") return { sql: startOf(x, unit, 0), t: "date" };
        throw bad(`Unknown date_trunc unit '${u.v}'`);
      },
    },
  ],
  ["formatdatetime", { args: [2, 3], compile: (c) => formatted(c, c.ms(0, "ms"), 1) }],
  ...Object.entries(INTERVAL_FNS).map(([n, unit]): [string, FnSpec] => [n, toInterval(unit)]),

  // -- strings
  ["lower", caseFn("LOWER")],
  ["upper", caseFn("UPPER")],
  ["trim", caseFn("TRIM")],
  [
    "length",
    {
      args: [1, 1],
      compile: (c) => {
        const x = c.arg(0);
        return num(x.t === "arr" ? `json_array_length(${x.sql})` : `LENGTH(${x.sql})`);
      },
    },
  ],
  [
    "substring",
    {
      args: [2, 3],
      compile: (c) =>
        str(
          `SUBSTR(${allArgs(c)
            .map((x) => x.sql)
            .join(", ")})`,
        ),
    },
  ],
  [
    "concat",
    {
      args: [1, Infinity],
      compile: (c) =>
        str(
          `(${allArgs(c)
            .map((x) => x.sql)
            .join(" || ")})`,
        ),
    },
  ],
  [
    "startswith",
    {
      args: [2, 2],
      compile: (c) => {
        const s = c.arg(0).sql;
        const p = c.arg(1).sql;
        return { sql: `(SUBSTR(${s}, 1, LENGTH(${p})) = ${p})`, t: "bool" };
      },
    },
  ],
  [
    "endswith",
    {
      args: [2, 2],
      compile: (c) => {
        const s = c.arg(0).sql;
        const p = c.arg(1).sql;
        return { sql: `(LENGTH(${p}) = 0 OR SUBSTR(${s}, -LENGTH(${p})) = ${p})`, t: "bool" };
      },
    },
  ],
  [
    "jsonextractstring",
    {
      args: [1, Infinity],
      compile: (c) => {
        const path = c.e.args.slice(1).map((a) => {
          if (a.k === "str") return `.${JSON.stringify(a.v)}`;
          if (a.k === "num" && /^-?\d+$/.test(a.v)) {
            const i = Number(a.v);
            return i > 0 ? `[${i - 1}]` : `[#${i}]`;
          }
          throw bad("JSONExtractString needs literal keys");
        });
        const x = c.arg(0).sql;
        const p = lit(`$${path.join("")}`);
        return str(`COALESCE(CASE WHEN json_valid(${x}) AND json_type(${x}, ${p}) = 'text' THEN json_extract(${x}, ${p}) END, '')`);
      },
    },
  ],

  // -- math
  [
    "round",
    {
      args: [1, 2],
      compile: (c) =>
        num(
          `ROUND(${allArgs(c)
            .map((x) => x.sql)
            .join(", ")})`,
        ),
    },
  ],
  ["floor", rounding("FLOOR")],
  ["ceil", rounding("CEIL")],
  ["abs", { args: [1, 1], compile: (c) => num(`ABS(${c.arg(0).sql})`) }],

  // -- conditional
  [
    "if",
    {
      args: [3, 3],
      compile: (c) => {
        const a = c.arg(1);
        return { sql: `(CASE WHEN ${c.arg(0).sql} THEN ${a.sql} ELSE ${c.arg(2).sql} END)`, t: a.t };
      },
    },
  ],
  [
    "coalesce",
    {
      args: [1, Infinity],
      compile: (c) => {
        const xs = allArgs(c);
        return { sql: xs.length === 1 ? xs[0]!.sql : `COALESCE(${xs.map((x) => x.sql).join(", ")})`, t: xs[0]!.t };
      },
    },
  ],
  [
    "case",
    {
      args: [0, Infinity],
      compile: () => {
        throw bad("Use CASE WHEN … THEN … END");
      },
    },
  ],

  // -- conversion
  [
    "tostring",
    {
      args: [1, 2],
      compile: (c) => {
        const x = c.arg(0);
        if (x.t === "dt") return str(`strftime('%Y-%m-%d %H:%M:%S', ${x.sql} / 1000, 'unixepoch')`);
        if (x.t === "date") return str(`strftime('%Y-%m-%d', ${x.sql} / 1000, 'unixepoch')`);
        return str(`CAST(${x.sql} AS TEXT)`);
      },
    },
  ],
  ["toint32", toInt()],
  ["toint64", toInt()],
  ["tofloat64", { args: [1, 1], compile: (c) => num(`CAST(${c.arg(0).sql} AS REAL)`) }],

  // -- arrays (JSON arrays in storage)
  [
    "has",
    {
      args: [2, 2],
      compile: (c) => {
        const a = c.array(0).sql;
        const j = q(c.fresh("j"));
        return { sql: `(EXISTS (SELECT 1 FROM json_each(${a}) AS ${j} WHERE ${j}.value = ${c.arg(1).sql}))`, t: "bool" };
      },
    },
  ],
  [
    "hasany",
    {
      args: [2, 2],
      compile: (c) => {
        const [a, b] = [c.array(0).sql, c.array(1).sql];
        const [ja, jb] = [q(c.fresh("j")), q(c.fresh("j"))];
        return { sql: `(EXISTS (SELECT 1 FROM json_each(${a}) AS ${ja} WHERE ${ja}.value IN (SELECT ${jb}.value FROM json_each(${b}) AS ${jb})))`, t: "bool" };
      },
    },
  ],
  [
    "hasall",
    {
      args: [2, 2],
      compile: (c) => {
        const [a, b] = [c.array(0).sql, c.array(1).sql];
        const [ja, jb] = [q(c.fresh("j")), q(c.fresh("j"))];
        return {
          sql: `(NOT EXISTS (SELECT 1 FROM json_each(${b}) AS ${jb} WHERE ${jb}.value NOT IN (SELECT ${ja}.value FROM json_each(${a}) AS ${ja})))`,
          t: "bool",
        };
      },
    },
  ],
  [
    "arrayfilter",
    {
      args: [2, 2],
      compile: (c) => {
        const fn = c.e.args[0]!;
        if (fn.k !== "lambda" || fn.params.length !== 1) throw bad("arrayFilter needs a one-parameter lambda such as x -> startsWith(x, 'path=')");
        const arr = c.array(1);
        const j = q(c.fresh("j"));
        const pred = c.lambda(fn.params[0]!, { sql: `${j}.value`, t: "any" }, fn.body).sql;
        return { sql: `(SELECT json_group_array(${j}.value) FROM json_each(${arr.sql}) AS ${j} WHERE ${pred})`, t: "arr", len: arr.len };
      },
    },
  ],
  [
    "arrayjoin",
    {
      args: [1, 1],
      compile: (c) => {
        if (c.inAggregate()) throw bad("arrayJoin cannot be used inside an aggregate");
        return c.arrayJoin(c.array(0));
      },
    },
  ],
]);

/** Names of the aggregate functions (for telling aggregated SELECTs apart). */
export const AGGREGATES: ReadonlySet<string> = new Set([...FUNCTIONS].filter(([, s]) => s.aggregate).map(([n]) => n));

/** The generic checks of a call against its entry, before it is compiled. */
export function checkCall(e: FnExpr, name: string, spec: FnSpec): void {
  const [min, max] = spec.args;
  if (e.params && !spec.params) throw bad(`Function '${name}' takes no parameters`);
  if (e.over && !spec.window) throw unsupported(name, "it cannot be used as a window function");
  if (e.distinct && !spec.distinct) throw bad(`DISTINCT is not supported inside '${name}'`);
  if (e.starArg && !spec.star) throw bad(`'*' is only allowed in count(*)`);
  const n = e.args.length;
  if (n >= min && n <= max) return;
  if (max === Infinity) throw bad(`Function '${name}' needs at least ${min === 1 ? "one argument" : `${min} arguments`}`);
  throw bad(`Function '${name}' takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, got ${n}`);
}
