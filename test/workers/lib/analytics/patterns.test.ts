import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { D1AnalyticsStore, runAnalyticsQuery, type Row } from "../../../../workers/lib/analytics/query";
import { writeEvents } from "../../../../workers/lib/analytics/consumer";
import { RATELIMITS, VERIFICATIONS, type TableSet } from "../../../../workers/lib/analytics/sql/tables";
import { ratelimit, verification } from "../../../helpers/analytics";
import DOC from "../../../../docs/analytics.md?raw";

/**
 * Every query pattern Unkey's analytics documentation uses (issue #17 item 9), written as our own
 * queries and run against D1 with seeded rows, on the verification and the rate-limit tables
 * wherever the pattern applies. Expected numbers are computed from the seeds in plain JS.
 */

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// Thursday 2026-11-26 15:42:17.250 UTC
const NOW = Date.UTC(2026, 10, 26, 15, 42, 17, 250);
const WV = `ws_pat_v_${crypto.randomUUID().slice(0, 8)}`;
const WR = `ws_pat_r_${crypto.randomUUID().slice(0, 8)}`;
/** covers the 12-month patterns; the 500-day-old seeds stay outside it */
const RETENTION = 400;

const V: { ago: number; outcome: string; tags: string[]; credits: number; key: string }[] = [
  { ago: 5 * MIN, outcome: "VALID", tags: ["path:/v1/keys", "env:prod"], credits: 1, key: "key_a" },
  { ago: 20 * MIN, outcome: "VALID", tags: ["path:/v1/keys"], credits: 2, key: "key_a" },
  { ago: 50 * MIN, outcome: "RATE_LIMITED", tags: ["path:/v1/apis", "env:prod"], credits: 0, key: "key_b" },
  { ago: 3 * HOUR, outcome: "VALID", tags: ["path:/v1/apis", "env:staging"], credits: 1, key: "key_b" },
  { ago: 3 * HOUR + MIN, outcome: "INVALID", tags: [], credits: 0, key: "key_c" },
  { ago: DAY, outcome: "VALID", tags: ["path:/v1/keys", "env:prod", "team:core"], credits: 3, key: "key_a" },
  { ago: 2 * DAY, outcome: "VALID", tags: ["env:prod", "team:core"], credits: 1, key: "key_a" },
  { ago: 2 * DAY + 5 * MIN, outcome: "USAGE_EXCEEDED", tags: ["path:/v1/keys"], credits: 0, key: "key_b" },
  { ago: 5 * DAY, outcome: "VALID", tags: ["path:/v1/apis"], credits: 2, key: "key_c" },
  { ago: 9 * DAY, outcome: "VALID", tags: ["path:/v1/keys"], credits: 1, key: "key_a" },
  { ago: 15 * DAY, outcome: "VALID", tags: ["path:/v1/keys", "path:/v1/apis"], credits: 1, key: "key_b" },
  { ago: 40 * DAY, outcome: "VALID", tags: ["path:/v1/keys"], credits: 1, key: "key_a" },
  { ago: 100 * DAY, outcome: "RATE_LIMITED", tags: ["env:prod"], credits: 0, key: "key_b" },
  { ago: 200 * DAY, outcome: "VALID", tags: [], credits: 5, key: "key_a" },
  { ago: 330 * DAY, outcome: "VALID", tags: ["path:/v1/apis"], credits: 1, key: "key_c" },
  { ago: 500 * DAY, outcome: "VALID", tags: ["path:/v1/keys"], credits: 9, key: "key_a" },
];
const R: { ago: number; passed: boolean; identifier: string; cost: number }[] = [
  { ago: 2 * MIN, passed: true, identifier: "user_a", cost: 1 },
  { ago: 10 * MIN, passed: false, identifier: "user_a", cost: 1 },
  { ago: 30 * MIN, passed: true, identifier: "user_b", cost: 2 },
  { ago: 2 * HOUR, passed: true, identifier: "user_a", cost: 1 },
  { ago: 4 * HOUR, passed: false, identifier: "user_b", cost: 3 },
  { ago: DAY, passed: true, identifier: "user_a", cost: 1 },
  { ago: 3 * DAY, passed: true, identifier: "user_b", cost: 1 },
  { ago: 3 * DAY + MIN, passed: false, identifier: "user_b", cost: 1 },
  { ago: 8 * DAY, passed: true, identifier: "user_a", cost: 2 },
  { ago: 40 * DAY, passed: true, identifier: "user_a", cost: 1 },
  { ago: 150 * DAY, passed: false, identifier: "user_b", cost: 1 },
  { ago: 300 * DAY, passed: true, identifier: "user_a", cost: 1 },
  { ago: 500 * DAY, passed: true, identifier: "user_a", cost: 1 },
];
const vt = (s: { ago: number }) => NOW - s.ago;

beforeAll(async () => {
  await writeEvents(env, [
    ...V.map((s) => verification({ workspaceId: WV, time: vt(s), keyId: s.key, outcome: s.outcome, tags: s.tags, spentCredits: s.credits })),
    ...R.map((s) => ratelimit({ workspaceId: WR, time: vt(s), identifier: s.identifier, passed: s.passed, cost: s.cost })),
  ]);
});

const run = (set: TableSet, text: string, retentionDays = RETENTION) =>
  runAnalyticsQuery(new D1AnalyticsStore(env.ANALYTICS_DB), { text, tables: set, workspaceId: set === VERIFICATIONS ? WV : WR, retentionDays, now: NOW });
const verifications = (text: string, retentionDays?: number) => run(VERIFICATIONS, text, retentionDays);
const ratelimits = (text: string, retentionDays?: number) => run(RATELIMITS, text, retentionDays);

// ---- the same computations in JS -------------------------------------------------------------

const floorTo = (t: number, size: number) => Math.floor(t / size) * size;
const monthStart = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const secondsFloor = (t: number) => floorTo(t, 1000);
const visible = <S extends { ago: number }>(seeds: S[]) => seeds.filter((s) => s.ago <= RETENTION * DAY);
/** [bucket, sum] pairs, ascending */
function series<S>(seeds: S[], bucket: (s: S) => number, value: (s: S) => number = () => 1): [number, number][] {
  const m = new Map<number, number>();
  for (const s of seeds) m.set(bucket(s), (m.get(bucket(s)) ?? 0) + value(s));
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}
/** WITH FILL FROM `from` TO `to`: every step before `to` (exclusive, as ClickHouse), missing ones 0; rows from `to` on as they are */
function filled(pairs: [number, number][], from: number, to: number, next: (t: number) => number): [number, number][] {
  const m = new Map(pairs);
  const out: [number, number][] = [];
  for (let t = from; t < to; t = next(t)) out.push([t, m.get(t) ?? 0]);
  return [...out, ...pairs.filter(([t]) => t >= to)];
}
const nextMonth = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};
const pairs = (rows: Row[], k: string, v: string) => rows.map((r) => [r[k], r[v]]);

// ---- patterns ---------------------------------------------------------------------------------

describe("raw-table ranges with toUnixTimestamp(…) * 1000 (an extension: Unkey's server refuses it)", () => {
  it("last hour and today, on key_verifications_v1", async () => {
    const hourAgo = secondsFloor(NOW - HOUR);
    const lastHour = V.filter((s) => vt(s) >= hourAgo);
    expect(
      await verifications(
        "SELECT count() AS n, sum(spent_credits) AS credits FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 1 HOUR) * 1000",
      ),
    ).toEqual([{ n: lastHour.length, credits: lastHour.reduce((a, s) => a + s.credits, 0) }]);
    expect(await verifications("SELECT count() AS n FROM key_verifications_v1 WHERE time >= toUnixTimestamp(toStartOfDay(now())) * 1000")).toEqual([
      { n: V.filter((s) => vt(s) >= floorTo(NOW, DAY)).length },
    ]);
  });

  it("a six-hour window, on ratelimits_v1", async () => {
    const since = secondsFloor(NOW - 6 * HOUR);
    const inWindow = R.filter((s) => vt(s) >= since);
    expect(
      await ratelimits(
        "SELECT countIf(passed = 1) AS passed, count() AS total FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 6 HOUR) * 1000 AND time < (toUnixTimestamp(now()) + 1) * 1000",
      ),
    ).toEqual([{ passed: inWindow.filter((s) => s.passed).length, total: inWindow.length }]);
  });

  it("fromUnixTimestamp bounds a rollup's DateTime, and toUnixTimestamp reads one back in seconds", async () => {
    const since = secondsFloor(NOW) - 6 * HOUR;
    expect(
      await verifications("SELECT SUM(count) AS n FROM key_verifications_per_hour_v1 WHERE time >= fromUnixTimestamp(toUnixTimestamp(now()) - 6 * 3600)"),
    ).toEqual([{ n: V.filter((s) => floorTo(vt(s), HOUR) >= since).length }]);
    expect(
      await ratelimits(
        "SELECT SUM(total) AS n, toUnixTimestamp(MAX(time)) AS latest FROM ratelimits_per_hour_v1 WHERE time >= fromUnixTimestamp(toUnixTimestamp(now()) - 6 * 3600)",
      ),
    ).toEqual([{ n: R.filter((s) => floorTo(vt(s), HOUR) >= since).length, latest: floorTo(NOW, HOUR) / 1000 }]);
    expect(await ratelimits("SELECT toUnixTimestamp(fromUnixTimestamp64Milli(MAX(time))) AS latest FROM ratelimits_v1")).toEqual([
      { latest: Math.floor((NOW - 2 * MIN) / 1000) },
    ]);
  });
});

describe("toDateTime(time / 1000) roundings of the raw tables' milliseconds", () => {
  it("per hour, day and month on key_verifications_v1", async () => {
    const since = secondsFloor(NOW - 6 * HOUR);
    const hours = await verifications(
      "SELECT toStartOfHour(toDateTime(time / 1000)) AS hour, count() AS n FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 6 HOUR) * 1000 GROUP BY hour ORDER BY hour",
    );
    expect(pairs(hours, "hour", "n")).toEqual(
      series(
        V.filter((s) => vt(s) >= since),
        (s) => floorTo(vt(s), HOUR),
      ),
    );
    const days = await verifications(
      "SELECT toDate(toDateTime(time / 1000)) AS day, count() AS n FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 10 DAY) * 1000 GROUP BY day ORDER BY day",
    );
    expect(pairs(days, "day", "n")).toEqual(
      series(
        V.filter((s) => vt(s) >= secondsFloor(NOW - 10 * DAY)),
        (s) => floorTo(vt(s), DAY),
      ),
    );
    const months = await verifications(
      "SELECT toStartOfMonth(toDateTime(time / 1000)) AS month, sum(spent_credits) AS credits FROM key_verifications_v1 WHERE time >= toUnixTimestamp(toStartOfMonth(now() - INTERVAL 11 MONTH)) * 1000 GROUP BY month ORDER BY month",
    );
    const from = Date.UTC(2025, 11, 1);
    expect(pairs(months, "month", "credits")).toEqual(
      series(
        V.filter((s) => vt(s) >= from),
        (s) => monthStart(vt(s)),
        (s) => s.credits,
      ),
    );
  });

  it("per hour and day on ratelimits_v1", async () => {
    const hours = await ratelimits(
      "SELECT toStartOfHour(toDateTime(time / 1000)) AS hour, countIf(passed = 0) AS blocked FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 6 HOUR) * 1000 GROUP BY hour ORDER BY hour",
    );
    const since = secondsFloor(NOW - 6 * HOUR);
    expect(pairs(hours, "hour", "blocked")).toEqual(
      series(
        R.filter((s) => vt(s) >= since),
        (s) => floorTo(vt(s), HOUR),
        (s) => (s.passed ? 0 : 1),
      ),
    );
    const days = await ratelimits(
      "SELECT toStartOfDay(fromUnixTimestamp(time / 1000)) AS day, count() AS n FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 10 DAY) * 1000 GROUP BY day ORDER BY day",
    );
    expect(pairs(days, "day", "n")).toEqual(
      series(
        R.filter((s) => vt(s) >= secondsFloor(NOW - 10 * DAY)),
        (s) => floorTo(vt(s), DAY),
      ),
    );
  });
});

describe("monthly tables over a 12-month range, on a workspace whose retention covers it", () => {
  const from = Date.UTC(2025, 10, 1); // toStartOfMonth(now() - INTERVAL 12 MONTH)

  it("key_verifications_per_month_v1", async () => {
    const rows = await verifications(
      "SELECT time AS month, SUM(count) AS n FROM key_verifications_per_month_v1 WHERE time >= toStartOfMonth(now() - INTERVAL 12 MONTH) GROUP BY month ORDER BY month",
    );
    expect(pairs(rows, "month", "n")).toEqual(
      series(
        V.filter((s) => vt(s) >= from),
        (s) => monthStart(vt(s)),
      ),
    );
  });

  it("ratelimits_per_month_v1", async () => {
    const rows = await ratelimits(
      "SELECT time AS month, SUM(total) AS total, SUM(passed) AS passed FROM ratelimits_per_month_v1 WHERE time >= toStartOfMonth(now() - INTERVAL 12 MONTH) GROUP BY month ORDER BY month",
    );
    const inRange = R.filter((s) => vt(s) >= from);
    expect(pairs(rows, "month", "total")).toEqual(series(inRange, (s) => monthStart(vt(s))));
    expect(pairs(rows, "month", "passed")).toEqual(
      series(
        inRange,
        (s) => monthStart(vt(s)),
        (s) => (s.passed ? 1 : 0),
      ),
    );
  });

  it("answers 400 query_range_exceeds_retention when retention is shorter, on both table sets", async () => {
    const err = { code: "user/bad_request/query_range_exceeds_retention", status: 400 };
    await expect(
      verifications("SELECT SUM(count) FROM key_verifications_per_month_v1 WHERE time >= toStartOfMonth(now() - INTERVAL 12 MONTH)", 30),
    ).rejects.toMatchObject(err);
    await expect(ratelimits("SELECT SUM(total) FROM ratelimits_per_month_v1 WHERE time >= now() - INTERVAL 12 MONTH", 90)).rejects.toMatchObject(err);
  });
});

describe("fixed millisecond ranges", () => {
  const from = Date.UTC(2026, 10, 20);
  const to = Date.UTC(2026, 10, 26);
  const where = `time >= ${from} AND time < ${to}`;

  it("on the raw and the daily tables of both sets", async () => {
    const v = V.filter((s) => vt(s) >= from && vt(s) < to);
    expect(await verifications(`SELECT count() AS n FROM key_verifications_v1 WHERE ${where}`)).toEqual([{ n: v.length }]);
    expect(await verifications(`SELECT SUM(count) AS n FROM key_verifications_per_day_v1 WHERE ${where}`)).toEqual([{ n: v.length }]);
    const r = R.filter((s) => vt(s) >= from && vt(s) < to);
    expect(await ratelimits(`SELECT count() AS n FROM ratelimits_v1 WHERE ${where}`)).toEqual([{ n: r.length }]);
    expect(await ratelimits(`SELECT SUM(total) AS n FROM ratelimits_per_day_v1 WHERE ${where}`)).toEqual([{ n: r.length }]);
  });

  it("a fixed range older than retention answers 400 query_range_exceeds_retention", async () => {
    const err = { code: "user/bad_request/query_range_exceeds_retention" };
    await expect(verifications("SELECT count() FROM key_verifications_v1 WHERE time >= 1704067200000 AND time < 1735689600000", 30)).rejects.toMatchObject(err);
    await expect(ratelimits("SELECT count() FROM ratelimits_v1 WHERE time BETWEEN 1704067200000 AND 1735689600000", 30)).rejects.toMatchObject(err);
  });
});

describe("window functions over a subquery (7-day moving average)", () => {
  const movingAvg = (daily: [number, number][]) =>
    daily.map(([, n], i) => {
      const w = daily.slice(Math.max(0, i - 6), i + 1);
      return w.reduce((a, [, x]) => a + x, 0) / w.length;
    });

  it("on key_verifications_per_day_v1", async () => {
    const rows = await verifications(
      "SELECT day, n, avg(n) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS avg7 FROM (SELECT time AS day, SUM(count) AS n FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 20 DAY GROUP BY day) ORDER BY day",
    );
    const daily = series(
      V.filter((s) => floorTo(vt(s), DAY) >= NOW - 20 * DAY),
      (s) => floorTo(vt(s), DAY),
    );
    expect(pairs(rows, "day", "n")).toEqual(daily);
    for (const [i, r] of rows.entries()) expect(r.avg7).toBeCloseTo(movingAvg(daily)[i]!, 9);
  });

  it("on ratelimits_per_day_v1, with a running total beside it", async () => {
    const rows = await ratelimits(
      "SELECT day, n, avg(n) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS avg7, sum(n) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM (SELECT time AS day, SUM(total) AS n FROM ratelimits_per_day_v1 WHERE time >= now() - INTERVAL 20 DAY GROUP BY day) ORDER BY day",
    );
    const daily = series(
      R.filter((s) => floorTo(vt(s), DAY) >= NOW - 20 * DAY),
      (s) => floorTo(vt(s), DAY),
    );
    expect(pairs(rows, "day", "n")).toEqual(daily);
    for (const [i, r] of rows.entries()) expect(r.avg7).toBeCloseTo(movingAvg(daily)[i]!, 9);
    expect(rows.map((r) => r.running)).toEqual(daily.map((_, i) => daily.slice(0, i + 1).reduce((a, [, x]) => a + x, 0)));
  });
});

describe("WITH FILL on hour, day and month series", () => {
  const hourFrom = floorTo(NOW - 5 * HOUR, HOUR);
  const hourTo = floorTo(NOW, HOUR);
  const dayFrom = floorTo(NOW - 9 * DAY, DAY);
  const dayTo = floorTo(NOW, DAY);
  const monthFrom = Date.UTC(2025, 10, 1);
  const monthTo = Date.UTC(2026, 10, 1);
  const HOUR_FILL = "WITH FILL FROM toStartOfHour(now() - INTERVAL 5 HOUR) TO toStartOfHour(now()) STEP INTERVAL 1 HOUR";
  const DAY_FILL = "WITH FILL FROM toDate(now() - INTERVAL 9 DAY) TO toDate(now()) STEP INTERVAL 1 DAY";
  const MONTH_FILL = "WITH FILL FROM toStartOfMonth(now() - INTERVAL 12 MONTH) TO toStartOfMonth(now()) STEP INTERVAL 1 MONTH";

  it("hours: a rollup of verifications, and the raw rate-limit table rounded with toDateTime(time / 1000)", async () => {
    const v = await verifications(
      `SELECT time, SUM(count) AS n FROM key_verifications_per_hour_v1 WHERE time >= toStartOfHour(now() - INTERVAL 5 HOUR) GROUP BY time ORDER BY time ${HOUR_FILL}`,
    );
    expect(pairs(v, "time", "n")).toEqual(
      filled(
        series(V, (s) => floorTo(vt(s), HOUR)).filter(([t]) => t >= hourFrom),
        hourFrom,
        hourTo,
        (t) => t + HOUR,
      ),
    );
    expect(v).toHaveLength(6);
    const r = await ratelimits(
      `SELECT toStartOfHour(toDateTime(time / 1000)) AS hour, count() AS n FROM ratelimits_v1 WHERE time >= toUnixTimestamp(toStartOfHour(now() - INTERVAL 5 HOUR)) * 1000 GROUP BY hour ORDER BY hour ${HOUR_FILL}`,
    );
    expect(pairs(r, "hour", "n")).toEqual(
      filled(
        series(R, (s) => floorTo(vt(s), HOUR)).filter(([t]) => t >= hourFrom),
        hourFrom,
        hourTo,
        (t) => t + HOUR,
      ),
    );
  });

  it("days, on both daily rollups", async () => {
    const v = await verifications(
      `SELECT time, SUM(count) AS n FROM key_verifications_per_day_v1 WHERE time >= toDate(now() - INTERVAL 9 DAY) GROUP BY time ORDER BY time ${DAY_FILL}`,
    );
    expect(pairs(v, "time", "n")).toEqual(
      filled(
        series(V, (s) => floorTo(vt(s), DAY)).filter(([t]) => t >= dayFrom),
        dayFrom,
        dayTo,
        (t) => t + DAY,
      ),
    );
    expect(v).toHaveLength(10);
    const r = await ratelimits(
      `SELECT time, SUM(total) AS n, SUM(passed) AS ok FROM ratelimits_per_day_v1 WHERE time >= toDate(now() - INTERVAL 9 DAY) GROUP BY time ORDER BY time ${DAY_FILL}`,
    );
    expect(pairs(r, "time", "n")).toEqual(
      filled(
        series(R, (s) => floorTo(vt(s), DAY)).filter(([t]) => t >= dayFrom),
        dayFrom,
        dayTo,
        (t) => t + DAY,
      ),
    );
    expect(r.find((x) => x.n === 0)).toEqual({ time: expect.any(Number), n: 0, ok: 0 });
    // TO is exclusive: through tomorrow, not the day after
    const ahead = await verifications(
      "SELECT time, SUM(count) AS n FROM key_verifications_per_day_v1 WHERE time >= toDate(now() - INTERVAL 9 DAY) GROUP BY time ORDER BY time WITH FILL FROM toDate(now() - INTERVAL 9 DAY) TO toDate(now() + INTERVAL 2 DAY) STEP INTERVAL 1 DAY",
    );
    expect(ahead.map((x) => x.time)).toEqual(Array.from({ length: 11 }, (_, i) => dayFrom + i * DAY));
    // descending, as ClickHouse writes it: FROM the newest day, TO (exclusive) the oldest, a negative STEP
    const back = await ratelimits(
      "SELECT time, SUM(total) AS n FROM ratelimits_per_day_v1 WHERE time >= toDate(now() - INTERVAL 9 DAY) GROUP BY time ORDER BY time DESC WITH FILL FROM toDate(now()) TO toDate(now() - INTERVAL 9 DAY) STEP INTERVAL -1 DAY",
    );
    const asc = filled(
      series(R, (s) => floorTo(vt(s), DAY)).filter(([t]) => t >= dayFrom),
      dayFrom + DAY,
      dayTo + DAY,
      (t) => t + DAY,
    );
    expect(pairs(back, "time", "n")).toEqual([...asc.reverse(), ...series(R, (s) => floorTo(vt(s), DAY)).filter(([t]) => t === dayFrom)]);
  });

  it("months, on both monthly rollups over 12 months", async () => {
    const v = await verifications(
      `SELECT time, SUM(count) AS n FROM key_verifications_per_month_v1 WHERE time >= toStartOfMonth(now() - INTERVAL 12 MONTH) GROUP BY time ORDER BY time ${MONTH_FILL}`,
    );
    expect(pairs(v, "time", "n")).toEqual(
      filled(
        series(visible(V), (s) => monthStart(vt(s))).filter(([t]) => t >= monthFrom),
        monthFrom,
        monthTo,
        nextMonth,
      ),
    );
    expect(v).toHaveLength(13);
    const r = await ratelimits(
      `SELECT time, SUM(total) AS n FROM ratelimits_per_month_v1 WHERE time >= toStartOfMonth(now() - INTERVAL 12 MONTH) GROUP BY time ORDER BY time ${MONTH_FILL}`,
    );
    expect(pairs(r, "time", "n")).toEqual(
      filled(
        series(visible(R), (s) => monthStart(vt(s))).filter(([t]) => t >= monthFrom),
        monthFrom,
        monthTo,
        nextMonth,
      ),
    );
  });
});

describe("arrayJoin with arrayFilter lambdas, and has/hasAny/hasAll on tags (verification tables: rate limits carry no tags)", () => {
  const last30 = V.filter((s) => s.ago <= 30 * DAY);
  const paths = () => {
    const m = new Map<string, number>();
    for (const s of last30) for (const t of s.tags.filter((x) => x.startsWith("path:"))) m.set(t, (m.get(t) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([path, n]) => ({ path, n }));
  };

  it("explodes only the path: tags, on the raw table and on the daily rollup alike", async () => {
    expect(
      await verifications(
        "SELECT arrayJoin(arrayFilter(t -> startsWith(t, 'path:'), tags)) AS path, count() AS n FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 30 DAY) * 1000 GROUP BY path ORDER BY n DESC, path",
      ),
    ).toEqual(paths());
    const daily = V.filter((s) => floorTo(vt(s), DAY) >= NOW - 30 * DAY);
    expect(daily).toEqual(last30);
    expect(
      await verifications(
        "SELECT arrayJoin(arrayFilter(t -> startsWith(t, 'path:'), tags)) AS path, SUM(count) AS n FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY GROUP BY path ORDER BY n DESC, path",
      ),
    ).toEqual(paths());
  });

  it("a lambda over other functions: tags that are not env: tags, counted per verification", async () => {
    const [row] = await verifications(
      "SELECT sum(length(arrayFilter(x -> NOT startsWith(x, 'env:'), tags))) AS other FROM key_verifications_v1 WHERE time >= now() - INTERVAL 30 DAY",
    );
    expect(row!.other).toBe(last30.reduce((a, s) => a + s.tags.filter((t) => !t.startsWith("env:")).length, 0));
  });

  it("has, hasAny and hasAll as filters and inside sumIf", async () => {
    const has = (s: (typeof V)[number], t: string) => s.tags.includes(t);
    const expected = {
      prod: last30.filter((s) => has(s, "env:prod")).length,
      core_or_staging: last30.filter((s) => has(s, "team:core") || has(s, "env:staging")).length,
      prod_and_core: last30.filter((s) => has(s, "env:prod") && has(s, "team:core")).length,
    };
    expect(
      await verifications(
        "SELECT sumIf(count, has(tags, 'env:prod')) AS prod, sumIf(count, hasAny(tags, ['team:core', 'env:staging'])) AS core_or_staging, sumIf(count, hasAll(tags, ['env:prod', 'team:core'])) AS prod_and_core FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY",
      ),
    ).toEqual([expected]);
    expect(
      await verifications(
        "SELECT count() AS n FROM key_verifications_v1 WHERE hasAll(tags, ['env:prod', 'team:core']) AND NOT has(tags, 'path:/v1/keys') AND time >= now() - INTERVAL 30 DAY",
      ),
    ).toEqual([{ n: last30.filter((s) => has(s, "env:prod") && has(s, "team:core") && !has(s, "path:/v1/keys")).length }]);
  });
});

describe("countIf / sumIf and HAVING", () => {
  const v30 = V.filter((s) => s.ago <= 30 * DAY);
  const r30 = R.filter((s) => s.ago <= 30 * DAY);

  it("countIf and sumIf on both raw tables and both daily rollups", async () => {
    const valid = v30.filter((s) => s.outcome === "VALID");
    const expectedV = { valid: valid.length, credits: valid.reduce((a, s) => a + s.credits, 0), total: v30.length };
    expect(
      await verifications(
        "SELECT countIf(outcome = 'VALID') AS valid, sumIf(spent_credits, outcome = 'VALID') AS credits, count() AS total FROM key_verifications_v1 WHERE time >= now() - INTERVAL 30 DAY",
      ),
    ).toEqual([expectedV]);
    expect(
      await verifications(
        "SELECT sumIf(count, outcome = 'VALID') AS valid, sumIf(spent_credits, outcome = 'VALID') AS credits, SUM(count) AS total FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY",
      ),
    ).toEqual([expectedV]);
    const passed = r30.filter((s) => s.passed);
    expect(
      await ratelimits(
        "SELECT countIf(passed = 1) AS ok, countIf(passed = 0) AS blocked, sumIf(tokens, passed = 1) AS tokens FROM ratelimits_v1 WHERE time >= now() - INTERVAL 30 DAY",
      ),
    ).toEqual([{ ok: passed.length, blocked: r30.length - passed.length, tokens: passed.reduce((a, s) => a + s.cost, 0) }]);
    expect(
      await ratelimits(
        "SELECT sumIf(total, identifier = 'user_a') AS a, sumIf(total - passed, identifier = 'user_b') AS b_blocked FROM ratelimits_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY",
      ),
    ).toEqual([{ a: r30.filter((s) => s.identifier === "user_a").length, b_blocked: r30.filter((s) => s.identifier === "user_b" && !s.passed).length }]);
  });

  it("HAVING on an aggregate and on its alias, on both table sets", async () => {
    const perKey = series(v30, (s) => ["key_a", "key_b", "key_c"].indexOf(s.key));
    const busy = perKey.filter(([, n]) => n >= 3).map(([k, n]) => ({ key_id: ["key_a", "key_b", "key_c"][k], n }));
    expect(
      await verifications(
        "SELECT key_id, SUM(count) AS n FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY GROUP BY key_id HAVING SUM(count) >= 3 ORDER BY key_id",
      ),
    ).toEqual(busy);
    expect(
      await verifications(
        "SELECT key_id, count() AS n FROM key_verifications_v1 WHERE time >= now() - INTERVAL 30 DAY GROUP BY key_id HAVING n >= 3 ORDER BY key_id",
      ),
    ).toEqual(busy);
    const blockedBy = (id: string) => r30.filter((s) => s.identifier === id && !s.passed).length;
    const ids = ["user_a", "user_b"].filter((id) => blockedBy(id) > 1);
    expect(ids).toEqual(["user_b"]);
    expect(
      await ratelimits(
        "SELECT identifier, countIf(passed = 0) AS blocked FROM ratelimits_v1 WHERE time >= now() - INTERVAL 30 DAY GROUP BY identifier HAVING blocked > 1",
      ),
    ).toEqual(ids.map((identifier) => ({ identifier, blocked: blockedBy(identifier) })));
    expect(
      await ratelimits(
        "SELECT identifier FROM ratelimits_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY GROUP BY identifier HAVING SUM(total) - SUM(passed) > 1",
      ),
    ).toEqual(ids.map((identifier) => ({ identifier })));
  });
});

describe("HAVING on an alias computed from other aliases (an error or block rate)", () => {
  it("per key on key_verifications_v1 and per identifier on ratelimits_v1", async () => {
    const v30 = V.filter((s) => s.ago <= 30 * DAY);
    const keys = [...new Set(v30.map((s) => s.key))].sort();
    const rate = (xs: { bad: boolean }[]) => Math.round((xs.filter((x) => x.bad).length / xs.length) * 100 * 100) / 100;
    const vRates = keys
      .map((key_id) => ({ key_id, error_rate: rate(v30.filter((s) => s.key === key_id).map((s) => ({ bad: s.outcome !== "VALID" }))) }))
      .filter((r) => r.error_rate > 20)
      .sort((a, b) => b.error_rate - a.error_rate || a.key_id.localeCompare(b.key_id));
    expect(vRates.length).toBeGreaterThan(0);
    expect(
      await verifications(
        "SELECT key_id, count() AS total, countIf(outcome != 'VALID') AS errors, round(errors / total * 100, 2) AS error_rate FROM key_verifications_v1 WHERE time >= now() - INTERVAL 30 DAY GROUP BY key_id HAVING error_rate > 20 ORDER BY error_rate DESC, key_id",
      ).then((rows) => rows.map(({ key_id, error_rate }) => ({ key_id, error_rate }))),
    ).toEqual(vRates);
    const r30 = R.filter((s) => s.ago <= 30 * DAY);
    const rRates = ["user_a", "user_b"]
      .map((identifier) => ({ identifier, block_rate: rate(r30.filter((s) => s.identifier === identifier).map((s) => ({ bad: !s.passed }))) }))
      .filter((r) => r.block_rate > 30);
    expect(
      await ratelimits(
        "SELECT identifier, count() AS total, countIf(passed = 0) AS blocked, round(blocked / total * 100, 2) AS block_rate FROM ratelimits_v1 WHERE time >= now() - INTERVAL 30 DAY GROUP BY identifier HAVING block_rate > 30 ORDER BY identifier",
      ).then((rows) => rows.map(({ identifier, block_rate }) => ({ identifier, block_rate }))),
    ).toEqual(rRates);
  });
});

describe("retention with the extension functions, against D1", () => {
  it.each([
    [VERIFICATIONS, "SELECT count() FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 60 DAY) * 1000"],
    [VERIFICATIONS, "SELECT SUM(count) FROM key_verifications_per_day_v1 WHERE time >= fromUnixTimestamp(toUnixTimestamp(now()) - 45 * 86400)"],
    [RATELIMITS, "SELECT count() FROM ratelimits_v1 WHERE toUnixTimestamp(now() - INTERVAL 31 DAY) * 1000 < time"],
    [RATELIMITS, "SELECT SUM(total) FROM ratelimits_per_hour_v1 WHERE time >= fromUnixTimestamp(1704067200)"],
  ] as const)("%#: a bound beyond a 30-day retention answers 400", async (set, sql) => {
    await expect(run(set, sql, 30)).rejects.toMatchObject({ code: "user/bad_request/query_range_exceeds_retention", status: 400 });
  });

  it("within retention the same forms answer; a bound they cannot evaluate fails closed", async () => {
    expect(await ratelimits("SELECT count() AS n FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 20 DAY) * 1000", 30)).toEqual([
      { n: R.filter((s) => vt(s) >= secondsFloor(NOW - 20 * DAY)).length },
    ]);
    await expect(ratelimits("SELECT count() FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now()) * 1000 - tokens", 30)).rejects.toMatchObject({
      code: "user/bad_request/invalid_analytics_query",
      status: 400,
    });
  });
});

describe("docs/analytics.md → Supported query patterns", () => {
  it("every example query in the section runs on D1 (the retention of the 12-month one, a year)", async () => {
    const section = DOC.slice(DOC.indexOf("### Supported query patterns"));
    const block = /```sql\n([\s\S]*?)```/.exec(section)![1]!;
    // one query per paragraph after its `--` comment line
    const queries = block.split(/\n(?=--)/).map((p) =>
      p
        .split("\n")
        .filter((l) => !l.startsWith("--"))
        .join("\n")
        .trim(),
    );
    const statements = queries.flatMap((q) => q.split(/\n(?=SELECT )/));
    expect(statements.length).toBeGreaterThanOrEqual(8);
    for (const sql of statements) {
      const set = /\bratelimits_/.test(sql) ? RATELIMITS : VERIFICATIONS;
      await expect(run(set, sql), sql).resolves.toBeInstanceOf(Array);
    }
  });
});
