import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { D1AnalyticsStore, runAnalyticsQuery } from "../../../../workers/lib/analytics/query";
import { writeEvents } from "../../../../workers/lib/analytics/consumer";
import { VERIFICATIONS } from "../../../../workers/lib/analytics/sql/tables";
import { verification } from "../../../helpers/analytics";

const DAY = 86_400_000;
const W = `ws_examples_${crypto.randomUUID().slice(0, 8)}`;
const NOW = Date.now();
const D = "key_verifications_per_day_v1";

const run = (text: string, retentionDays = 365) =>
  runAnalyticsQuery(new D1AnalyticsStore(env.ANALYTICS_DB), { text, tables: VERIFICATIONS, workspaceId: W, retentionDays, now: NOW });

beforeAll(async () => {
  const outcomes = ["VALID", "VALID", "VALID", "RATE_LIMITED", "INVALID", "USAGE_EXCEEDED"];
  const msgs = Array.from({ length: 60 }, (_, i) =>
    verification({
      workspaceId: W,
      time: NOW - (i % 10) * DAY - 1000 * i,
      keySpaceId: i % 2 ? "ks_1234" : "ks_5678",
      keyId: `key_${i % 5}`,
      externalId: i % 3 === 0 ? "" : i % 3 === 1 ? "user_123" : "user_456",
      identityId: i % 3 === 0 ? "" : `id_${i % 3}`,
      outcome: outcomes[i % outcomes.length]!,
      tags: i % 4 === 0 ? ["path=/api/v1/users", "environment=production", "team=backend"] : ["path=/api/v1/posts"],
      spentCredits: i % 7,
      source: i % 10 === 9 ? "gateway" : "api",
      appId: i % 10 === 9 ? "app_1" : "",
    }),
  );
  await writeEvents(env, msgs);
});

/** Unkey's documented example queries, each expected to run unchanged. */
const EXAMPLES: [string, string][] = [
  ["total, 7 d", `SELECT SUM(count) as total FROM ${D} WHERE time >= now() - INTERVAL 7 DAY`],
  [
    "per outcome, 24 h",
    "SELECT outcome, SUM(count) as count FROM key_verifications_per_hour_v1 WHERE time >= now() - INTERVAL 24 HOUR GROUP BY outcome ORDER BY count DESC",
  ],
  ["per outcome, 30 d", `SELECT outcome, SUM(count) as count FROM ${D} WHERE time >= now() - INTERVAL 30 DAY GROUP BY outcome ORDER BY count DESC`],
  ["daily trend", `SELECT time as date, SUM(count) as verifications FROM ${D} WHERE time >= now() - INTERVAL 30 DAY GROUP BY date ORDER BY date`],
  [
    "hourly by outcome today",
    "SELECT time as hour, outcome, SUM(count) as verifications FROM key_verifications_per_hour_v1 WHERE time >= toStartOfDay(now()) GROUP BY time, outcome ORDER BY time, outcome",
  ],
  [
    "top users",
    `SELECT external_id, SUM(count) as total_verifications FROM ${D} WHERE time >= now() - INTERVAL 30 DAY AND external_id != '' GROUP BY external_id ORDER BY total_verifications DESC LIMIT 10`,
  ],
  [
    "daily per user",
    `SELECT external_id, time as date, SUM(count) as verifications FROM ${D} WHERE time >= now() - INTERVAL 30 DAY GROUP BY external_id, date ORDER BY external_id, date`,
  ],
  [
    "keys with most failures",
    `SELECT key_id, SUM(count) as total_errors, groupArray(DISTINCT outcome) as error_types FROM ${D} WHERE outcome != 'VALID' AND time >= now() - INTERVAL 7 DAY GROUP BY key_id ORDER BY total_errors DESC LIMIT 20`,
  ],
  [
    "success rate per keyspace",
    `SELECT key_space_id, SUM(count) as verifications, round(SUM(CASE WHEN outcome = 'VALID' THEN count ELSE 0 END) / SUM(count) * 100, 2) as success_rate FROM ${D} WHERE key_space_id IN ('ks_1234', 'ks_5678') AND time >= now() - INTERVAL 7 DAY GROUP BY key_space_id`,
  ],
  [
    "group by tag",
    `SELECT arrayJoin(tags) as tag, SUM(count) as verifications FROM ${D} WHERE time >= now() - INTERVAL 7 DAY GROUP BY tag ORDER BY verifications DESC LIMIT 20`,
  ],
  [
    "per endpoint from path tags",
    "SELECT arrayJoin(arrayFilter(x -> startsWith(x, 'path='), tags)) as endpoint, COUNT(*) as requests FROM key_verifications_v1 WHERE time >= now() - INTERVAL 24 HOUR GROUP BY endpoint ORDER BY requests DESC",
  ],
  [
    "monthly credits per user",
    `SELECT external_id, toStartOfMonth(time) as month, SUM(spent_credits) as total_credits FROM ${D} WHERE external_id != '' AND time >= toStartOfMonth(now()) GROUP BY external_id, month ORDER BY total_credits DESC`,
  ],
  [
    "tier from credits",
    `SELECT external_id, SUM(spent_credits) as total_credits, CASE WHEN total_credits <= 1000 THEN 'free' WHEN total_credits <= 10000 THEN 'starter' WHEN total_credits <= 100000 THEN 'pro' ELSE 'enterprise' END as tier FROM ${D} WHERE time >= toStartOfMonth(now()) AND external_id = 'user_123' GROUP BY external_id`,
  ],
  [
    "daily credits and cost",
    `SELECT time as date, SUM(spent_credits) as credits_used, credits_used * 0.001 as estimated_cost FROM ${D} WHERE external_id = 'user_123' AND time >= now() - INTERVAL 30 DAY GROUP BY date ORDER BY date`,
  ],
  [
    "gateway usage per app",
    `SELECT app_id, SUM(count) AS verifications FROM ${D} WHERE source = 'gateway' AND app_id != '' AND time >= now() - INTERVAL 30 DAY GROUP BY app_id ORDER BY verifications DESC`,
  ],
  [
    "outcome pivot",
    `SELECT sumIf(count, outcome = 'VALID') AS valid, sumIf(count, outcome = 'RATE_LIMITED') AS rateLimited, sumIf(count, outcome = 'INVALID') AS invalid, sumIf(count, outcome = 'NOT_FOUND') AS notFound, sumIf(count, outcome = 'FORBIDDEN') AS forbidden, sumIf(count, outcome = 'USAGE_EXCEEDED') AS usageExceeded, sumIf(count, outcome = 'UNAUTHORIZED') AS unauthorized, sumIf(count, outcome = 'DISABLED') AS disabled, sumIf(count, outcome = 'INSUFFICIENT_PERMISSIONS') AS insufficientPermissions, sumIf(count, outcome = 'EXPIRED') AS expired, SUM(count) AS total FROM ${D} WHERE time >= now() - INTERVAL 30 DAY`,
  ],
  [
    "outcome pivot per key",
    `SELECT key_id, sumIf(count, outcome = 'VALID') AS valid, sumIf(count, outcome = 'RATE_LIMITED') AS rateLimited, SUM(count) AS total FROM ${D} WHERE time >= now() - INTERVAL 30 DAY GROUP BY key_id ORDER BY total DESC LIMIT 100`,
  ],
  [
    "per user breakdown",
    `SELECT external_id, SUM(count) as total_verifications, SUM(CASE WHEN outcome = 'VALID' THEN count ELSE 0 END) as successful, SUM(CASE WHEN outcome = 'RATE_LIMITED' THEN count ELSE 0 END) as rate_limited FROM ${D} WHERE time >= now() - INTERVAL 30 DAY GROUP BY external_id ORDER BY total_verifications DESC LIMIT 100`,
  ],
  [
    "one keyspace",
    `SELECT SUM(count) as total_verifications, SUM(CASE WHEN outcome = 'VALID' THEN count ELSE 0 END) as successful, SUM(CASE WHEN outcome = 'INVALID' THEN count ELSE 0 END) as invalid FROM ${D} WHERE key_space_id = 'ks_1234' AND time >= now() - INTERVAL 30 DAY`,
  ],
  ["tag has", `SELECT SUM(count) AS n FROM ${D} WHERE has(tags, 'path=/api/v1/users') AND time >= now() - INTERVAL 30 DAY`],
  ["tag hasAny", `SELECT SUM(count) AS n FROM ${D} WHERE hasAny(tags, ['path=/api/v1/users', 'path=/api/v1/posts']) AND time >= now() - INTERVAL 30 DAY`],
  ["tag hasAll", `SELECT SUM(count) AS n FROM ${D} WHERE hasAll(tags, ['environment=production', 'team=backend']) AND time >= now() - INTERVAL 30 DAY`],
  [
    "7-day moving average",
    `SELECT date, verifications, avg(verifications) OVER (ORDER BY date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) as moving_avg_7d FROM (SELECT time as date, SUM(count) as verifications FROM ${D} WHERE time >= now() - INTERVAL 60 DAY GROUP BY date) ORDER BY date`,
  ],
  [
    "hourly series",
    "SELECT time, SUM(count) as total FROM key_verifications_per_hour_v1 WHERE time >= toStartOfHour(now() - INTERVAL 7 DAY) GROUP BY time ORDER BY time",
  ],
  ["daily series", `SELECT time, SUM(count) as total FROM ${D} WHERE time >= toStartOfDay(now() - INTERVAL 30 DAY) GROUP BY time ORDER BY time`],
  [
    "monthly series",
    "SELECT time, SUM(count) as total FROM key_verifications_per_month_v1 WHERE time >= toStartOfMonth(now() - INTERVAL 12 MONTH) GROUP BY time ORDER BY time",
  ],
  [
    "hourly gap fill",
    "SELECT time, SUM(count) as total FROM key_verifications_per_hour_v1 WHERE time >= toStartOfHour(now() - INTERVAL 7 DAY) AND time <= toStartOfHour(now()) GROUP BY time ORDER BY time ASC WITH FILL FROM toStartOfHour(now() - INTERVAL 7 DAY) TO toStartOfHour(now()) STEP INTERVAL 1 HOUR",
  ],
  [
    "daily gap fill",
    `SELECT time, SUM(count) as total FROM ${D} WHERE time >= toDate(now() - INTERVAL 30 DAY) AND time <= toDate(now()) GROUP BY time ORDER BY time ASC WITH FILL FROM toDate(now() - INTERVAL 30 DAY) TO toDate(now()) STEP INTERVAL 1 DAY`,
  ],
  [
    "monthly gap fill",
    "SELECT time, SUM(count) as total FROM key_verifications_per_month_v1 WHERE time >= toDate(toStartOfMonth(now() - INTERVAL 12 MONTH)) AND time <= toDate(toStartOfMonth(now())) GROUP BY time ORDER BY time ASC WITH FILL FROM toDate(toStartOfMonth(now() - INTERVAL 12 MONTH)) TO toDate(toStartOfMonth(now())) STEP INTERVAL 1 MONTH",
  ],
  [
    "raw hourly buckets",
    "SELECT toStartOfHour(toDateTime(time / 1000)) AS hour, COUNT(*) AS n FROM key_verifications_v1 WHERE time >= toUnixTimestamp64Milli(now64() - INTERVAL 1 DAY) GROUP BY hour ORDER BY hour",
  ],
  ["spec example", "SELECT COUNT(*) as total FROM key_verifications_v1 WHERE outcome = 'VALID' AND time >= now() - INTERVAL 7 DAY"],
];

describe("Unkey's documented analytics examples", () => {
  it.each(EXAMPLES)("%s runs unchanged on D1", async (_name, sql) => {
    const rows = await run(sql);
    expect(Array.isArray(rows)).toBe(true);
  });

  it("totals agree between the raw table and every rollup", async () => {
    const [raw] = await run("SELECT COUNT(*) AS n FROM key_verifications_v1");
    expect(raw!.n).toBe(60);
    for (const g of ["minute", "hour", "day", "month"]) {
      const [agg] = await run(`SELECT SUM(count) AS n FROM key_verifications_per_${g}_v1`);
      expect(agg!.n).toBe(60);
    }
  });

  it("groups by outcome with the alias shadowing the column in ORDER BY", async () => {
    const rows = await run(`SELECT outcome, SUM(count) as count FROM ${D} GROUP BY outcome ORDER BY count DESC, outcome`);
    expect(rows).toEqual([
      { outcome: "VALID", count: 30 },
      { outcome: "INVALID", count: 10 },
      { outcome: "RATE_LIMITED", count: 10 },
      { outcome: "USAGE_EXCEEDED", count: 10 },
    ]);
  });

  it("explodes tags with arrayJoin and filters them with a lambda", async () => {
    const tags = await run(`SELECT arrayJoin(tags) AS tag, SUM(count) AS n FROM ${D} GROUP BY tag ORDER BY tag`);
    expect(tags).toEqual([
      { tag: "environment=production", n: 15 },
      { tag: "path=/api/v1/posts", n: 45 },
      { tag: "path=/api/v1/users", n: 15 },
      { tag: "team=backend", n: 15 },
    ]);
    const paths = await run(
      "SELECT arrayJoin(arrayFilter(x -> startsWith(x, 'path='), tags)) AS endpoint, COUNT(*) AS requests FROM key_verifications_v1 GROUP BY endpoint ORDER BY requests DESC",
    );
    expect(paths).toEqual([
      { endpoint: "path=/api/v1/posts", requests: 45 },
      { endpoint: "path=/api/v1/users", requests: 15 },
    ]);
  });

  it("returns arrays as JSON arrays and the success rate as a real division", async () => {
    const [row] = await run(
      `SELECT groupArray(DISTINCT outcome) AS outcomes, round(SUM(CASE WHEN outcome = 'VALID' THEN count ELSE 0 END) / SUM(count) * 100, 2) AS rate FROM ${D}`,
    );
    expect((row!.outcomes as string[]).sort()).toEqual(["INVALID", "RATE_LIMITED", "USAGE_EXCEEDED", "VALID"]);
    expect(row!.rate).toBe(50);
  });

  it("fills gaps of a daily series with zero rows", async () => {
    const rows = await run(
      `SELECT time, SUM(count) as total FROM ${D} WHERE time >= toDate(now() - INTERVAL 30 DAY) GROUP BY time ORDER BY time ASC WITH FILL FROM toDate(now() - INTERVAL 30 DAY) TO toDate(now()) STEP INTERVAL 1 DAY`,
    );
    expect(rows.length).toBe(31);
    expect(rows.reduce((s, r) => s + (r.total as number), 0)).toBe(60);
    expect(rows[0]!.time).toBe(Math.floor((NOW - 30 * DAY) / DAY) * DAY);
  });

  it("resolves aliases used inside other select items (credits_used * 0.001)", async () => {
    const rows = await run(`SELECT SUM(spent_credits) AS credits_used, credits_used * 0.001 AS cost FROM ${D}`);
    const credits = Array.from({ length: 60 }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
    expect(rows).toEqual([{ credits_used: credits, cost: credits * 0.001 }]);
  });

  it("answers a 400 naming the function for quantile, which SQLite cannot express", async () => {
    await expect(run("SELECT quantile(0.5)(latency) FROM key_verifications_v1")).rejects.toMatchObject({
      code: "user/bad_request/invalid_analytics_function",
      detail: expect.stringContaining("'quantile'"),
    });
  });

  it("refuses the ms-bounded example when it reaches beyond retention, and runs it when retention allows", async () => {
    const sql = `SELECT external_id, SUM(spent_credits) as credits_this_period FROM ${D} WHERE external_id = 'user_123' AND time >= 1704067200000 AND time < 1706745600000 GROUP BY external_id`;
    await expect(run(sql, 30)).rejects.toMatchObject({ code: "user/bad_request/query_range_exceeds_retention" });
    await expect(run(sql, 36500)).resolves.toEqual([]);
  });
});
