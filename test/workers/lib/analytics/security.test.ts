import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../../../workers/lib/errors";
import { D1AnalyticsStore, runAnalyticsQuery } from "../../../../workers/lib/analytics/query";
import { writeEvents } from "../../../../workers/lib/analytics/consumer";
import { VERIFICATIONS } from "../../../../workers/lib/analytics/sql/tables";
import { verification } from "../../../helpers/analytics";

const MINE = `ws_mine_${crypto.randomUUID().slice(0, 8)}`;
const OTHER = `ws_other_${crypto.randomUUID().slice(0, 8)}`;

const run = (text: string, opts: { scope?: Record<string, string[]>; retentionDays?: number } = {}) =>
  runAnalyticsQuery(new D1AnalyticsStore(env.ANALYTICS_DB), {
    text,
    tables: VERIFICATIONS,
    workspaceId: MINE,
    retentionDays: opts.retentionDays ?? 30,
    scope: opts.scope,
  });

async function rejection(text: string): Promise<ApiError> {
  try {
    await run(text);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`query was accepted: ${text}`);
}

beforeAll(async () => {
  await writeEvents(env, [
    ...Array.from({ length: 5 }, () => verification({ workspaceId: MINE, keySpaceId: "ks_a", outcome: "VALID" })),
    ...Array.from({ length: 3 }, () => verification({ workspaceId: MINE, keySpaceId: "ks_b", outcome: "VALID" })),
    ...Array.from({ length: 7 }, () => verification({ workspaceId: OTHER, keySpaceId: "ks_a", outcome: "SECRET" })),
    // older than the 30-day retention of MINE
    verification({ workspaceId: MINE, keySpaceId: "ks_a", time: Date.now() - 45 * 86_400_000 }),
  ]);
});

describe("analytics query restrictions", () => {
  it.each([
    ["INSERT INTO key_verifications_v1 (key_id) VALUES ('x')"],
    ["DELETE FROM key_verifications_v1"],
    ["UPDATE key_verifications_v1 SET outcome = 'VALID'"],
    ["DROP TABLE key_verifications_v1"],
    ["ATTACH DATABASE 'x' AS y"],
    ["PRAGMA table_info(keys)"],
    ["CREATE TABLE t (a int)"],
    ["ALTER TABLE keys ADD COLUMN x"],
    ["TRUNCATE TABLE key_verifications_v1"],
    ["GRANT SELECT ON keys TO x"],
    ["  -- a comment first\n  insert into key_verifications_v1 values (1)"],
  ])("rejects %s as not a SELECT", async (sql) => {
    const err = await rejection(sql);
    expect(err.code).toBe("user/bad_request/invalid_analytics_query_type");
    expect(err.status).toBe(400);
    expect(err.detail).toBe("Only SELECT queries are allowed");
  });

  it.each([
    ["SELECT * FROM sqlite_master", "sqlite_master"],
    ["SELECT * FROM keys", "keys"],
    ["SELECT * FROM root_keys", "root_keys"],
    ["SELECT * FROM system.tables", "system.tables"],
    ["SELECT * FROM default.key_verifications_raw_v2", "default.key_verifications_raw_v2"],
    ["SELECT * FROM KEY_VERIFICATIONS_V1", "KEY_VERIFICATIONS_V1"],
    ["SELECT * FROM key_verifications", "key_verifications"],
    ["SELECT * FROM key_verifications_v1 WHERE key_id IN (SELECT id FROM keys)", "keys"],
    ["SELECT * FROM key_verifications_v1 UNION ALL SELECT * FROM workspaces", "workspaces"],
    ["SELECT key_id FROM key_verifications_v1 EXCEPT SELECT id FROM apis", "apis"],
    ["WITH x AS (SELECT * FROM audit_logs) SELECT * FROM x", "audit_logs"],
    ["SELECT (SELECT hash FROM root_keys LIMIT 1) AS h FROM key_verifications_v1", "root_keys"],
    ["SELECT * FROM key_verifications_v1 AS k JOIN keys ON keys.id = k.key_id", "keys"],
    ["SELECT * FROM/**/sqlite_master", "sqlite_master"],
    ["SELECT * FROM ratelimits_v1", "ratelimits_v1"],
    ["WITH a AS (SELECT * FROM a) SELECT * FROM a", "a"],
  ])("rejects a foreign table: %s", async (sql, table) => {
    const err = await rejection(sql);
    expect(err.code).toBe("user/bad_request/invalid_analytics_table");
    expect(err.detail).toBe(`Access to table '${table}' is not allowed`);
  });

  it("rejects a CTE that shadows a public table name", async () => {
    const err = await rejection("WITH Key_Verifications_V1 AS (SELECT 1 AS x FROM key_verifications_per_day_v1) SELECT * FROM Key_Verifications_V1");
    expect(err.code).toBe("user/bad_request/invalid_analytics_table");
    expect(err.detail).toBe("CTE name 'Key_Verifications_V1' conflicts with a public table name");
  });

  it.each([
    ["SELECT file('/etc/passwd') FROM key_verifications_v1", "Function 'file' is not allowed"],
    ["SELECT load_extension('x') FROM key_verifications_v1", "Function 'load_extension' is not allowed"],
    ["SELECT sqlite_version() FROM key_verifications_v1", "Function 'sqlite_version' is not allowed"],
    ["SELECT multiIf(1, 2, 3) FROM key_verifications_v1", "Function 'multiif' is not allowed"],
    // toUnixTimestamp, refused by Unkey's server, is one of our documented extensions; yesterday() is not
    ["SELECT yesterday() FROM key_verifications_v1", "Function 'yesterday' is not allowed"],
    ["SELECT * FROM url('http://x', CSV)", "Table function 'url' is not allowed for security reasons"],
    ["SELECT * FROM numbers(10)", "Table function 'numbers' is not allowed for security reasons"],
    ["SELECT CAST(time AS String) FROM key_verifications_v1", "Function 'cast' is not allowed"],
  ])("rejects a function outside the allow-list: %s", async (sql, detail) => {
    const err = await rejection(sql);
    expect(err.code).toBe("user/bad_request/invalid_analytics_function");
    expect(err.detail).toBe(detail);
  });

  it.each([
    ["", "No SQL statements found"],
    ["  ;  ; ", "No SQL statements found"],
    ["-- only a comment", "No SQL statements found"],
    ["SELECT 1 FROM key_verifications_v1; SELECT 2 FROM key_verifications_v1", "Analytics queries must contain exactly one statement"],
    ["SELECT COUNT(*) FROM key_verifications_v1; DROP TABLE keys", "Analytics queries must contain exactly one statement"],
    ["SELECT 1", "Query must have a FROM clause"],
    ["SELECT * FROM key_verifications_v1 SETTINGS max_execution_time = 1000", "SETTINGS clauses are not allowed in analytics queries"],
    [
      "SELECT * FROM key_verifications_v1 WHERE key_id IN key_verifications_per_day_v1",
      "The right side of IN must be a list of values or a subquery, not a table",
    ],
    ["SELECT * FROM key_verifications_v1 /* unterminated", "Invalid SQL syntax: unterminated comment"],
  ])("rejects %j as an invalid query", async (sql, detail) => {
    const err = await rejection(sql);
    expect(err.code).toBe("user/bad_request/invalid_analytics_query");
    expect(err.detail).toBe(detail);
  });

  it("rejects syntax errors, oversized and overly complex queries", async () => {
    expect((await rejection("SELECT FROM WHERE")).detail).toMatch(/^Invalid SQL syntax: /);
    expect((await rejection("SELECT 'abc FROM key_verifications_v1")).detail).toMatch(/^Invalid SQL syntax: unterminated string/);
    expect((await rejection(`SELECT key_id FROM key_verifications_v1 WHERE ${"1 = 1 AND ".repeat(2000)} 1 = 1`)).detail).toBe(
      "Analytics query exceeds the maximum length",
    );
    expect((await rejection(`SELECT key_id FROM key_verifications_v1 WHERE ${"key_id = 'a' OR ".repeat(700)} 1 = 1`)).detail).toContain(
      "Analytics query is too complex",
    );
    expect((await rejection(`SELECT ${"(".repeat(300)}1${")".repeat(300)} FROM key_verifications_v1`)).detail).toContain("Analytics query is too complex");
    const cols = Array.from({ length: 65 }, (_, i) => `key_id AS c${i}`).join(", ");
    expect((await rejection(`SELECT ${cols} FROM key_verifications_v1`)).detail).toBe("Analytics query projects too many columns");
    expect((await rejection("SELECT nope FROM key_verifications_v1")).detail).toBe("Unknown identifier 'nope' in analytics query");
  });

  it("rejects an explicit lower time bound older than retention", async () => {
    const err = await rejection("SELECT COUNT(*) FROM key_verifications_v1 WHERE time >= now() - INTERVAL 60 DAY");
    expect(err.code).toBe("user/bad_request/query_range_exceeds_retention");
    expect(err.detail).toMatch(
      /^Cannot query data older than 30 days\. Your query attempts to access data from \d{4}-\d{2}-\d{2}, but only data from \d{4}-\d{2}-\d{2} onwards is available\.$/,
    );
    for (const sql of [
      "SELECT COUNT(*) FROM key_verifications_per_day_v1 WHERE time > '2020-01-01'",
      "SELECT COUNT(*) FROM key_verifications_per_day_v1 WHERE '2020-01-01 00:00:00' <= time",
      "SELECT COUNT(*) FROM key_verifications_per_day_v1 WHERE time BETWEEN toDate('2020-01-01') AND now()",
      "SELECT COUNT(*) FROM key_verifications_v1 WHERE time >= 0",
      "SELECT COUNT(*) FROM key_verifications_v1 AS v WHERE v.time >= now() - toIntervalYear(1)",
    ]) {
      expect((await rejection(sql)).code).toBe("user/bad_request/query_range_exceeds_retention");
    }
  });

  it("silently clamps queries without a time filter to the retention window", async () => {
    const [row] = await run("SELECT COUNT(*) AS n FROM key_verifications_v1");
    expect(row!.n).toBe(8);
  });
});

describe("workspace isolation", () => {
  const escapes: [string, number][] = [
    ["SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE 1 = 1 OR 1 = 1", 8],
    ["SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE workspace_id != ''", 8],
    [`SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE workspace_id = '${OTHER}' OR 1 = 1`, 8],
    [`SELECT COUNT(*) AS n FROM (SELECT * FROM key_verifications_v1 WHERE workspace_id = '${OTHER}')`, 0],
    ["SELECT COUNT(*) AS n FROM (SELECT * FROM key_verifications_v1 UNION ALL SELECT * FROM key_verifications_v1) WHERE outcome = 'SECRET'", 0],
    ["WITH all_rows AS (SELECT * FROM key_verifications_v1) SELECT COUNT(*) AS n FROM all_rows WHERE outcome = 'SECRET'", 0],
    ["SELECT COUNT(*) AS n FROM key_verifications_v1 a JOIN key_verifications_v1 b ON a.key_space_id = b.key_space_id WHERE b.outcome = 'SECRET'", 0],
    ["SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE outcome = 'SECRET' -- AND workspace_id = x", 0],
    ["SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE outcome = 'SECRET' /* ' OR 1=1 */", 0],
    ["SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE outcome = 'x'' OR 1=1 OR outcome = ''SECRET'", 0],
    ["SELECT (SELECT COUNT(*) FROM key_verifications_v1 WHERE outcome = 'SECRET') AS n FROM key_verifications_per_day_v1 LIMIT 1", 0],
    [
      "SELECT COUNT(*) AS n FROM key_verifications_per_day_v1 WHERE key_space_id IN (SELECT key_space_id FROM key_verifications_v1 WHERE outcome = 'SECRET')",
      0,
    ],
  ];

  it.each(escapes)("never returns another workspace's rows: %s", async (sql, n) => {
    expect(await run(sql)).toEqual([{ n }]);
  });

  it("SELECT * exposes only public columns and only this workspace", async () => {
    const rows = await run("SELECT * FROM key_verifications_v1");
    expect(rows.length).toBe(8);
    for (const r of rows) {
      expect(r.workspace_id).toBe(MINE);
      expect(Object.keys(r).sort()).toEqual(
        [
          "app_id",
          "external_id",
          "identity_id",
          "key_id",
          "key_space_id",
          "latency",
          "outcome",
          "region",
          "request_id",
          "source",
          "spent_credits",
          "tags",
          "time",
          "workspace_id",
        ].sort(),
      );
      expect(Array.isArray(r.tags)).toBe(true);
    }
  });

  it("restricts API-scoped keys to their keyspaces, and to nothing when none resolve", async () => {
    expect(await run("SELECT COUNT(*) AS n FROM key_verifications_v1", { scope: { key_space_id: ["ks_b"] } })).toEqual([{ n: 3 }]);
    expect(await run("SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE key_space_id = 'ks_a' OR 1 = 1", { scope: { key_space_id: ["ks_b"] } })).toEqual([
      { n: 3 },
    ]);
    expect(await run("SELECT SUM(count) AS n FROM key_verifications_per_day_v1", { scope: { key_space_id: [] } })).toEqual([{ n: 0 }]);
  });

  it("caps every SELECT at 10,000 rows whatever LIMIT says", async () => {
    const rows = await run("SELECT key_id FROM key_verifications_v1 LIMIT 99999999999");
    expect(rows.length).toBe(8);
    expect(await run("SELECT key_id FROM key_verifications_v1 LIMIT 2")).toHaveLength(2);
  });
});

describe("parser and rewriter fuzzing", () => {
  const allowed = (e: unknown) => e instanceof ApiError && e.status < 500 && e.code !== "unkey/data/analytics_connection_failed";

  it("never fails with anything but an analytics 4xx on arbitrary text", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        try {
          await run(text);
        } catch (e) {
          if (!allowed(e)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });

  const tokens = fc.constantFrom(
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "LIMIT",
    "WITH",
    "AS",
    "UNION ALL",
    "EXCEPT",
    "JOIN",
    "ON",
    "IN",
    "NOT",
    "AND",
    "OR",
    "(",
    ")",
    ",",
    "*",
    "=",
    "<",
    ">=",
    "+",
    "-",
    "/",
    "'x'",
    "1",
    "0.5",
    "time",
    "count",
    "outcome",
    "tags",
    "key_verifications_v1",
    "key_verifications_per_day_v1",
    "keys",
    "sqlite_master",
    "now()",
    "INTERVAL 1 DAY",
    "SUM(count)",
    "arrayJoin(tags)",
    "x -> x",
    "CASE WHEN",
    "THEN",
    "ELSE",
    "END",
    "--",
    "/*",
    "*/",
    ";",
    "`k`",
    '"q"',
    "countIf(",
    "[",
    "]",
    "toStartOfHour(",
    "has(tags, 'a')",
    "DISTINCT",
    "OVER (ORDER BY time)",
    "WITH FILL",
    "BETWEEN",
    "LIKE",
    "'%a_'",
    "IS NULL",
  );

  it("never 500s on token soup built from the SQL subset", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tokens, { maxLength: 30 }), async (parts) => {
        const text = parts.join(" ");
        try {
          const rows = await run(text);
          expect(JSON.stringify(rows)).not.toContain("SECRET");
        } catch (e) {
          if (!allowed(e)) throw new Error(`${text} → ${e instanceof Error ? e.message : e}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("valid generated queries run and stay inside the workspace", async () => {
    const column = fc.constantFrom("outcome", "key_id", "key_space_id", "external_id", "time");
    const table = fc.constantFrom(
      "key_verifications_v1",
      "key_verifications_per_minute_v1",
      "key_verifications_per_hour_v1",
      "key_verifications_per_day_v1",
      "key_verifications_per_month_v1",
    );
    const cond = fc.oneof(
      fc.constant("1 = 1"),
      fc.constant("outcome = 'SECRET' OR 1 = 1"),
      fc.constant("workspace_id != 'x'"),
      column.map((c) => `${c} IS NOT NULL`),
    );
    await fc.assert(
      fc.asyncProperty(column, table, cond, fc.boolean(), async (col, tbl, where, sub) => {
        const inner = `SELECT ${col}, workspace_id FROM ${tbl} WHERE ${where}`;
        const sql = sub ? `SELECT ${col}, workspace_id FROM (${inner}) GROUP BY ${col}, workspace_id` : inner;
        const rows = await run(sql);
        // every generated condition matches this workspace's rows: an empty result would prove nothing
        expect(rows.length, sql).toBeGreaterThan(0);
        for (const r of rows) expect(r.workspace_id).toBe(MINE);
      }),
      { numRuns: 100 },
    );
  });
});
