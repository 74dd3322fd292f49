import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { D1AnalyticsStore, runAnalyticsQuery } from "../../../../../workers/lib/analytics/query";
import { writeEvents } from "../../../../../workers/lib/analytics/consumer";
import { VERIFICATIONS } from "../../../../../workers/lib/analytics/sql/tables";
import { likeToGlob } from "../../../../../workers/lib/analytics/sql/sqlite";
import { verification } from "../../../../helpers/analytics";

const W = `ws_sqlite_${crypto.randomUUID().slice(0, 8)}`;
// Thursday 2026-11-26 15:42:17.250 UTC
const T = Date.UTC(2026, 10, 26, 15, 42, 17, 250);
const NOW = T + 60_000;

const run = (text: string) =>
  runAnalyticsQuery(new D1AnalyticsStore(env.ANALYTICS_DB), { text, tables: VERIFICATIONS, workspaceId: W, retentionDays: 30, now: NOW });
const one = async (expr: string, table = "key_verifications_v1") => {
  const rows = await run(`SELECT ${expr} AS v FROM ${table} LIMIT 1`);
  return rows[0]?.v;
};

beforeAll(async () => {
  await writeEvents(env, [
    verification({
      workspaceId: W,
      time: T,
      keyId: "key_A",
      externalId: "Alice",
      tags: ["path=/a", "env=prod"],
      spentCredits: 3,
      identityId: '{"plan":"pro"}',
    }),
    verification({ workspaceId: W, time: T - 86_400_000, keyId: "key_B", externalId: "bob", outcome: "EXPIRED", tags: [], spentCredits: 4 }),
  ]);
});

describe("ClickHouse → SQLite translation", () => {
  it("time functions bucket Unix ms like ClickHouse", async () => {
    const D = "key_verifications_per_minute_v1 WHERE time >= now() - INTERVAL 1 HOUR";
    expect(await one("toStartOfMinute(time)", D)).toBe(Date.UTC(2026, 10, 26, 15, 42));
    expect(await one("toStartOfHour(time)", D)).toBe(Date.UTC(2026, 10, 26, 15));
    expect(await one("toStartOfDay(time)", D)).toBe(Date.UTC(2026, 10, 26));
    expect(await one("toDate(time)", D)).toBe(Date.UTC(2026, 10, 26));
    expect(await one("toStartOfWeek(time)", D)).toBe(Date.UTC(2026, 10, 22)); // Sunday
    expect(await one("toStartOfWeek(time, 1)", D)).toBe(Date.UTC(2026, 10, 23)); // Monday
    expect(await one("toStartOfMonth(time)", D)).toBe(Date.UTC(2026, 10, 1));
    expect(await one("toStartOfQuarter(time)", D)).toBe(Date.UTC(2026, 9, 1));
    expect(await one("toStartOfYear(time)", D)).toBe(Date.UTC(2026, 0, 1));
    expect(await one("date_trunc('hour', time)", D)).toBe(Date.UTC(2026, 10, 26, 15));
    expect(await one("toString(time)", D)).toBe("2026-11-26 15:42:00");
    expect(await one("formatDateTime(time, '%Y/%m/%d %H:%i')", D)).toBe("2026/11/26 15:42");
    expect(await one("toStartOfMonth(time) - INTERVAL 3 MONTH", D)).toBe(Date.UTC(2026, 7, 1));
    expect(await one("time + toIntervalDay(2)", D)).toBe(Date.UTC(2026, 10, 28, 15, 42));
    expect(await one("toInt64(toDateTime('2024-01-01 00:00:00'))")).toBe(1704067200);
    expect(await one("toDateTime(1704067200)")).toBe(1704067200000);
    expect(await one("today()")).toBe(Date.UTC(2026, 10, 26));
    expect(await one("today() - 7")).toBe(Date.UTC(2026, 10, 19));
    expect(await one("now() + 30")).toBe(NOW + 30_000);
    expect(await one("now() - toStartOfDay(now())")).toBe(Math.floor((NOW - Date.UTC(2026, 10, 26)) / 1000));
    expect(await one("today() - toDate('2026-11-01')")).toBe(25);
    expect(await one("now()")).toBe(NOW);
    expect(await one("toUnixTimestamp64Milli(now64() - INTERVAL 1 HOUR)")).toBe(NOW - 3_600_000);
    expect(await one("toStartOfHour(toDateTime(time / 1000))", "key_verifications_v1 WHERE key_id = 'key_A'")).toBe(Date.UTC(2026, 10, 26, 15));
  });

  it("compares DateTime columns with time literals", async () => {
    const rows = await run("SELECT COUNT(*) AS n FROM key_verifications_per_day_v1 WHERE time = '2026-11-26'");
    expect(rows).toEqual([{ n: 1 }]);
    const between = await run("SELECT SUM(count) AS n FROM key_verifications_per_hour_v1 WHERE time BETWEEN '2026-11-25 00:00:00' AND '2026-11-26T23:59:59Z'");
    expect(between).toEqual([{ n: 2 }]);
  });

  it("string, conditional, math and conversion functions", async () => {
    const A = "key_verifications_v1 WHERE key_id = 'key_A'";
    expect(await one("lower(external_id)", A)).toBe("alice");
    expect(await one("upper(key_id)", A)).toBe("KEY_A");
    expect(await one("length(external_id)", A)).toBe(5);
    expect(await one("length(tags)", A)).toBe(2);
    expect(await one("substring(key_id, 5, 1)", A)).toBe("A");
    expect(await one("concat(key_id, '-', external_id)", A)).toBe("key_A-Alice");
    expect(await one("startsWith(key_id, 'key_')", A)).toBe(1);
    expect(await one("endsWith(key_id, '_B')", A)).toBe(0);
    expect(await one("trim('  x ')", A)).toBe("x");
    expect(await one("JSONExtractString(identity_id, 'plan')", A)).toBe("pro");
    expect(await one("JSONExtractString(external_id, 'plan')", A)).toBe("");
    expect(await one("if(spent_credits > 2, 'many', 'few')", A)).toBe("many");
    expect(await one("coalesce(NULL, 'x')", A)).toBe("x");
    expect(await one("round(10 / 3, 2)", A)).toBe(3.33);
    expect(await one("floor(7 / 2)", A)).toBe(3);
    expect(await one("ceil(7 / 2)", A)).toBe(4);
    expect(await one("abs(-4)", A)).toBe(4);
    expect(await one("toString(42)", A)).toBe("42");
    expect(await one("toInt32('17')", A)).toBe(17);
    expect(await one("toFloat64('1.5')", A)).toBe(1.5);
    expect(await one("tags[1]", A)).toBe("path=/a");
    expect(await one("[1, 2, 3]", A)).toEqual([1, 2, 3]);
  });

  it("LIKE is case-sensitive, ILIKE is not", async () => {
    expect(await run("SELECT key_id FROM key_verifications_v1 WHERE external_id LIKE 'al%'")).toEqual([]);
    expect(await run("SELECT key_id FROM key_verifications_v1 WHERE external_id ILIKE 'al%'")).toEqual([{ key_id: "key_A" }]);
    expect(await run("SELECT key_id FROM key_verifications_v1 WHERE external_id LIKE '_ob'")).toEqual([{ key_id: "key_B" }]);
    expect(likeToGlob("a*b?%_\\%[x]")).toBe("a[*]b[?]*?%[[]x[]]");
  });

  it("aggregates: countIf, sumIf, uniq, any, min/max, groupUniqArray", async () => {
    const [r] = await run(
      "SELECT countIf(outcome = 'VALID') AS valid, sumIf(spent_credits, outcome = 'EXPIRED') AS expired_credits, uniq(key_id) AS keys, " +
        "min(time) AS first, max(spent_credits) AS most, groupUniqArray(outcome) AS outcomes, any(region) AS region FROM key_verifications_v1",
    );
    expect(r).toMatchObject({ valid: 1, expired_credits: 4, keys: 2, first: T - 86_400_000, most: 4, region: "" });
    expect((r!.outcomes as string[]).sort()).toEqual(["EXPIRED", "VALID"]);
    expect(await run("SELECT SUM(count) AS n FROM key_verifications_per_day_v1 WHERE outcome = 'NONE'")).toEqual([{ n: 0 }]);
  });

  it("set operations, joins, CTEs, correlated and EXISTS subqueries", async () => {
    expect(
      await run("SELECT key_id FROM key_verifications_v1 WHERE outcome = 'VALID' UNION ALL SELECT key_id FROM key_verifications_v1 WHERE outcome = 'EXPIRED'"),
    ).toEqual([{ key_id: "key_A" }, { key_id: "key_B" }]);
    expect(await run("SELECT key_id FROM key_verifications_v1 EXCEPT SELECT key_id FROM key_verifications_v1 WHERE outcome = 'VALID'")).toEqual([
      { key_id: "key_B" },
    ]);
    expect(
      await run(
        "WITH k AS (SELECT key_id, spent_credits FROM key_verifications_v1), top AS (SELECT key_id FROM k WHERE spent_credits > 3) SELECT k.key_id, k.spent_credits FROM k JOIN top USING (key_id)",
      ),
    ).toEqual([{ key_id: "key_B", spent_credits: 4 }]);
    expect(
      await run(
        "SELECT r.key_id AS key_id, d.count AS c FROM key_verifications_v1 AS r LEFT JOIN key_verifications_per_day_v1 AS d ON d.key_id = r.key_id ORDER BY key_id",
      ),
    ).toEqual([
      { key_id: "key_A", c: 1 },
      { key_id: "key_B", c: 1 },
    ]);
    expect(
      await run(
        "SELECT key_id FROM key_verifications_v1 AS o WHERE EXISTS (SELECT 1 FROM key_verifications_per_day_v1 AS d WHERE d.key_id = o.key_id AND d.outcome = 'EXPIRED')",
      ),
    ).toEqual([{ key_id: "key_B" }]);
    expect(
      await run(
        "WITH x AS (SELECT key_id FROM key_verifications_v1 WHERE outcome = 'VALID') SELECT key_id FROM key_verifications_v1 WHERE key_id IN (SELECT key_id FROM x)",
      ),
    ).toEqual([{ key_id: "key_A" }]);
  });

  it("LIMIT ALL and oversized limits fall back to the row cap", async () => {
    expect(await run("SELECT key_id FROM key_verifications_v1 ORDER BY key_id LIMIT ALL")).toHaveLength(2);
    expect(await run("SELECT key_id FROM key_verifications_v1 ORDER BY key_id LIMIT ALL OFFSET 1")).toEqual([{ key_id: "key_B" }]);
  });

  it("names unaliased columns by their text and keeps LIMIT/OFFSET", async () => {
    expect(await run("SELECT COUNT(*), key_id FROM key_verifications_v1 GROUP BY key_id ORDER BY key_id LIMIT 1 OFFSET 1")).toEqual([
      { "COUNT(*)": 1, key_id: "key_B" },
    ]);
    expect(await run("SELECT key_id FROM key_verifications_v1 ORDER BY key_id DESC LIMIT 1, 1")).toEqual([{ key_id: "key_A" }]);
  });

  it("answers a 400 for semantic errors instead of failing", async () => {
    for (const sql of [
      "SELECT SUM(SUM(count)) FROM key_verifications_per_day_v1",
      "SELECT key_id FROM key_verifications_v1 WHERE SUM(spent_credits) > 1",
      "SELECT x.key_id FROM key_verifications_v1",
      "SELECT key_id FROM key_verifications_v1 a, key_verifications_per_day_v1 b",
      "SELECT has(key_id, 'a') FROM key_verifications_v1",
      "SELECT INTERVAL 1 DAY FROM key_verifications_v1",
      "SELECT toDate('yesterday') FROM key_verifications_v1",
      "SELECT key_id FROM key_verifications_v1 UNION ALL SELECT key_id, outcome FROM key_verifications_v1",
      "SELECT row_number() OVER (ORDER BY time) FROM key_verifications_v1",
      "SELECT date_trunc('fortnight', time) FROM key_verifications_v1",
      "SELECT formatDateTime(time, '%Q') FROM key_verifications_per_day_v1",
    ]) {
      await expect(run(sql), sql).rejects.toMatchObject({ status: 400 });
    }
  });
});
