import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStatement, splitStatements, SqlSyntaxError, SqlTooComplexError, tokenize } from "../../../../../workers/lib/analytics/sql/parser";
import type { Select } from "../../../../../workers/lib/analytics/sql/ast";

const parse = (sql: string) => {
  const [stmt] = splitStatements(tokenize(sql));
  return parseStatement(sql, stmt!);
};
const select = (sql: string) => parse(sql).body as Select;

describe("analytics SQL parser", () => {
  it("drops comments and splits statements only at top-level semicolons", () => {
    expect(splitStatements(tokenize("SELECT 1 -- x; y\n FROM t /* ; */ ; ; SELECT 'a;b' FROM t # z")).length).toBe(2);
    expect(
      tokenize("'it''s' 'a\\'b'")
        .slice(0, 2)
        .map((t) => t.v),
    ).toEqual(["it's", "a'b"]);
  });

  it("reads select items with explicit and implicit aliases and keeps their text", () => {
    const s = select("SELECT COUNT(*) total, SUM(count) AS n, key_id FROM key_verifications_v1");
    expect(s.items.map((i) => [i.alias, i.text])).toEqual([
      ["total", "COUNT(*)"],
      ["n", "SUM(count)"],
      [undefined, "key_id"],
    ]);
  });

  it("reads INTERVAL forms, lambdas, arrays, tuples and window frames", () => {
    const s = select(
      "SELECT arrayFilter(x -> startsWith(x, 'p'), tags), avg(n) OVER (PARTITION BY k ORDER BY d ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), [1, 2] FROM t WHERE time >= now() - INTERVAL '7' DAY AND (a, b) IN (SELECT a, b FROM t) AND time < now() - INTERVAL 1 hours",
    );
    expect(s.items[0]!.e).toMatchObject({
      k: "fn",
      name: "arrayFilter",
      args: [
        { k: "lambda", params: ["x"] },
        { k: "col", parts: ["tags"] },
      ],
    });
    expect(s.items[1]!.e).toMatchObject({ k: "fn", over: { frame: "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW" } });
    expect(s.items[2]!.e).toMatchObject({ k: "array" });
    expect(JSON.stringify(s.where)).toContain('"unit":"DAY"');
    expect(JSON.stringify(s.where)).toContain('"unit":"HOUR"');
    expect(JSON.stringify(s.where)).toContain('"k":"tuple"');
  });

  it("reads CTEs, set operations, joins and ORDER BY … WITH FILL", () => {
    const q = parse(
      "WITH a AS (SELECT 1 FROM t), b AS (SELECT 2 FROM a) SELECT x FROM a LEFT JOIN b USING (x) UNION ALL SELECT y FROM b ORDER BY y WITH FILL FROM 1 TO 5 STEP 1",
    );
    expect(q.with!.map((c) => c.name)).toEqual(["a", "b"]);
    expect(q.body).toMatchObject({ k: "set", op: "UNION ALL", l: { from: { k: "join", type: "LEFT", using: ["x"] } } });
    expect((q.body as { r: Select }).r.orderBy![0]!.fill).toBeDefined();
  });

  it("flags SETTINGS and FORMAT instead of failing to parse", () => {
    expect(parse("SELECT 1 FROM t SETTINGS max_threads = 1").settings).toBe(true);
    expect(parse("SELECT 1 FROM t FORMAT JSON").format).toBe(true);
  });

  it.each([
    "SELECT",
    "SELECT 1 FROM",
    "SELECT (1 FROM t",
    "SELECT 1 FROM t WHERE",
    "SELECT 'x FROM t",
    "SELECT 1 FROM t /* x",
    "SELECT CASE END FROM t",
    "SELECT 1 FROM t LIMIT 1 BY x",
    "SELECT 1 FROM t ARRAY JOIN tags",
    "WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r",
    "SELECT 12abc FROM t",
    "SELECT x::int FROM t",
  ])("reports a syntax error for %j", (sql) => {
    expect(() => parse(sql)).toThrow(SqlSyntaxError);
  });

  it("stops at a nesting depth of 100", () => {
    expect(() => parse(`SELECT ${"(".repeat(150)}1${")".repeat(150)} FROM t`)).toThrow(SqlTooComplexError);
    expect(() => parse(`SELECT ${"- ".repeat(150)}1 FROM t`)).toThrow(SqlTooComplexError);
  });

  it("only ever throws its own errors, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: "binary" }), (text) => {
        try {
          for (const stmt of splitStatements(tokenize(text))) parseStatement(text, stmt);
        } catch (e) {
          if (!(e instanceof SqlSyntaxError) && !(e instanceof SqlTooComplexError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
