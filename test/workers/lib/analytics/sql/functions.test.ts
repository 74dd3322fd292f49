import { describe, expect, it } from "vitest";
import type { Select } from "../../../../../workers/lib/analytics/sql/ast";
import { ALLOWED_FUNCTIONS, checkQuery, checkRetention, evalConstant, parseAnalyticsQuery } from "../../../../../workers/lib/analytics/sql/check";
import { FUNCTIONS } from "../../../../../workers/lib/analytics/sql/functions";
import { applyFill, compileSqlite, tableReads, type RowPolicy } from "../../../../../workers/lib/analytics/sql/sqlite";
import { RATELIMITS, VERIFICATIONS } from "../../../../../workers/lib/analytics/sql/tables";
import { ApiError } from "../../../../../workers/lib/errors";

// Thursday 2026-11-26 15:42:17.250 UTC
const NOW = Date.UTC(2026, 10, 26, 15, 42, 17, 250);
const HOUR = 3_600_000;
const DAY = 86_400_000;
const policy: RowPolicy = { workspaceId: "ws_unit", retentionDays: 30, now: NOW, maxRows: 10_000 };

/** The value of a constant expression, as the compiler (exact) or the retention check (lax) reads it. */
const value = (expr: string, exact = true) => {
  const q = parseAnalyticsQuery(`SELECT ${expr} FROM key_verifications_v1`);
  return evalConstant((q.body as Select).items[0]!.e, NOW, exact)?.v;
};
const compile = (sql: string, set = VERIFICATIONS) => {
  const q = parseAnalyticsQuery(sql);
  checkQuery(q, set);
  checkRetention(q, policy.retentionDays, NOW);
  return compileSqlite(q, set, policy);
};
const failure = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, status: e.status, detail: e.detail };
    throw e;
  }
  throw new Error("expected an ApiError");
};

describe("the function table", () => {
  it("has a translation for every allow-listed function, and nothing the allow-list does not name", () => {
    for (const f of ALLOWED_FUNCTIONS) expect(FUNCTIONS.has(f), f).toBe(true);
    for (const f of FUNCTIONS.keys()) expect(ALLOWED_FUNCTIONS.has(f), f).toBe(true);
  });

  it("checks arity and modifiers from the entry, with the same 400s as before", () => {
    expect(failure(() => compile("SELECT toUnixTimestamp() FROM key_verifications_v1")).detail).toBe(
      "Function 'tounixtimestamp' takes 1 to 2 arguments, got 0",
    );
    expect(failure(() => compile("SELECT sumIf(spent_credits) FROM key_verifications_v1")).detail).toBe("Function 'sumif' takes 2 arguments, got 1");
    expect(failure(() => compile("SELECT concat() FROM key_verifications_v1")).detail).toBe("Function 'concat' needs at least one argument");
    expect(failure(() => compile("SELECT countIf(DISTINCT outcome = 'VALID') FROM key_verifications_v1")).detail).toBe(
      "DISTINCT is not supported inside 'countif'",
    );
    expect(failure(() => compile("SELECT upper(*) FROM key_verifications_v1")).detail).toBe("'*' is only allowed in count(*)");
    expect(failure(() => compile("SELECT sumIf(1)(spent_credits, 1) FROM key_verifications_v1")).detail).toBe("Function 'sumif' takes no parameters");
    const window = failure(() => compile("SELECT countIf(outcome = 'VALID') OVER (ORDER BY time) FROM key_verifications_v1"));
    expect(window).toMatchObject({ code: "user/bad_request/invalid_analytics_function", status: 400 });
    expect(window.detail).toContain("cannot be used as a window function");
  });
});

describe("constant time expressions", () => {
  it("toUnixTimestamp gives seconds and fromUnixTimestamp reads seconds, so `* 1000` is a millisecond bound", () => {
    expect(value("toUnixTimestamp(now() - INTERVAL 1 HOUR) * 1000")).toBe(Math.floor((NOW - HOUR) / 1000) * 1000);
    expect(value("toUnixTimestamp(toStartOfDay(now())) * 1000")).toBe(Date.UTC(2026, 10, 26));
    expect(value("toUnixTimestamp('2024-01-01 00:00:00')")).toBe(1704067200);
    expect(value("fromUnixTimestamp(1704067200)")).toBe(1704067200000);
    expect(value("fromUnixTimestamp(toUnixTimestamp(now()) - 86400)")).toBe(Math.floor(NOW / 1000) * 1000 - DAY);
    expect(value("toUnixTimestamp64Milli(fromUnixTimestamp(1704067200))")).toBe(1704067200000);
    expect(value("toDateTime(1704067200)")).toBe(1704067200000);
  });

  it("exact mode rounds as the compiled SQL does; Unkey's retention rule reads roundings as their argument", () => {
    expect(value("toStartOfMonth(now() - INTERVAL 12 MONTH)")).toBe(Date.UTC(2025, 10, 1));
    expect(value("toStartOfMonth(now() - INTERVAL 12 MONTH)", false)).toBe(NOW - 360 * DAY);
    expect(value("toStartOfHour(now())")).toBe(Date.UTC(2026, 10, 26, 15));
    expect(value("toStartOfWeek(now(), 1)")).toBe(Date.UTC(2026, 10, 23));
    expect(value("toDate(now() - INTERVAL 9 DAY)")).toBe(Date.UTC(2026, 10, 17));
    expect(value("today() - 7")).toBe(Date.UTC(2026, 10, 19));
    expect(value("now() - toStartOfDay(now())")).toBe(Math.floor((NOW - Date.UTC(2026, 10, 26)) / 1000));
    expect(value("toUnixTimestamp(now()) % 7")).toBeUndefined();
  });
});

describe("retention with the extension functions", () => {
  it.each([
    ["key_verifications_v1", "time >= toUnixTimestamp(now() - INTERVAL 60 DAY) * 1000"],
    ["key_verifications_v1", "toUnixTimestamp(now() - INTERVAL 60 DAY) * 1000 <= time"],
    ["key_verifications_v1", "time BETWEEN toUnixTimestamp('2024-01-01') * 1000 AND toUnixTimestamp(now()) * 1000"],
    ["key_verifications_per_day_v1", "time >= fromUnixTimestamp(1704067200)"],
    ["key_verifications_per_hour_v1", "time > fromUnixTimestamp(toUnixTimestamp(now()) - 90 * 86400)"],
    ["key_verifications_v1", "time >= toUnixTimestamp64Milli(fromUnixTimestamp(1704067200))"],
    ["key_verifications_v1", "time >= 1704067200000"],
    ["ratelimits_v1", "time >= toUnixTimestamp(now() - INTERVAL 1 YEAR) * 1000"],
    ["ratelimits_per_month_v1", "time >= fromUnixTimestamp(0)"],
  ])("a bound beyond retention on %s (%s) answers 400 query_range_exceeds_retention", (table, where) => {
    const set = table.startsWith("ratelimits") ? RATELIMITS : VERIFICATIONS;
    expect(failure(() => compile(`SELECT count() FROM ${table} WHERE ${where}`, set))).toMatchObject({
      code: "user/bad_request/query_range_exceeds_retention",
      status: 400,
    });
  });

  it.each([
    "time >= toUnixTimestamp(now() - INTERVAL 1 DAY) * 1000 % 7",
    "time >= if(1, toUnixTimestamp(now() - INTERVAL 400 DAY), 0) * 1000",
    "time >= toUnixTimestamp(now()) * 1000 - spent_credits",
    "time >= fromUnixTimestamp(toUnixTimestamp(now()) - length(tags))",
  ])("a bound using them that cannot be evaluated fails closed: %s", (where) => {
    const err = failure(() => compile(`SELECT count() FROM key_verifications_v1 WHERE ${where}`));
    expect(err).toMatchObject({ code: "user/bad_request/invalid_analytics_query", status: 400 });
    expect(err.detail).toContain("Cannot tell how far back this time bound reaches");
  });

  it("a bound within retention compiles, and narrows the row estimate's read to it", () => {
    const sql = "SELECT count() FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 1 HOUR) * 1000";
    expect(compile(sql).sql).toContain(`(CAST((${NOW} - (1 * ${HOUR})) AS INTEGER) / 1000) * 1000`);
    expect(tableReads(parseAnalyticsQuery(sql), VERIFICATIONS, NOW)).toContainEqual(
      expect.objectContaining({ table: "key_verifications_v1", since: Math.floor((NOW - HOUR) / 1000) * 1000 }),
    );
  });

  it("the row estimate reads a rounded bound exactly (toStartOfMonth(now()) is the month's start, not now)", () => {
    const reads = tableReads(parseAnalyticsQuery("SELECT count() FROM key_verifications_v1 WHERE time >= toStartOfMonth(now())"), VERIFICATIONS, NOW);
    expect(reads.map((r) => r.since)).toContain(Date.UTC(2026, 10, 1));
  });
});

describe("arrayJoin", () => {
  it("joins an aliased arrayJoin(arrayFilter(…)) once, though GROUP BY compiles the alias again", () => {
    const { sql } = compile(
      "SELECT arrayJoin(arrayFilter(t -> startsWith(t, 'path:'), tags)) AS p, count() AS n FROM key_verifications_v1 GROUP BY p ORDER BY p",
    );
    expect(sql.match(/CROSS JOIN json_each/g)).toHaveLength(1);
  });
});

describe("WITH FILL specs", () => {
  it("fills from FROM up to TO, exclusive as in ClickHouse; rows at or past TO pass through", () => {
    const cols = [
      { name: "t", t: "num" as const },
      { name: "n", t: "num" as const },
    ];
    const spec = { column: "t", from: 0, to: 5, step: 1, desc: false };
    expect(applyFill([{ t: 1, n: 7 }], cols, spec, 100).map((r) => r.t)).toEqual([0, 1, 2, 3, 4]);
    expect(
      applyFill(
        [
          { t: 1, n: 7 },
          { t: 5, n: 1 },
          { t: 9, n: 2 },
        ],
        cols,
        spec,
        100,
      ).map((r) => r.t),
    ).toEqual([0, 1, 2, 3, 4, 5, 9]);
    // without TO: up to the last row
    expect(
      applyFill(
        [
          { t: 1, n: 7 },
          { t: 3, n: 1 },
        ],
        cols,
        { ...spec, to: undefined },
        100,
      ).map((r) => r.t),
    ).toEqual([0, 1, 2, 3]);
    // descending: FROM is the high end, TO (exclusive) the low one
    expect(
      applyFill(
        [
          { t: 7, n: 1 },
          { t: 2, n: 1 },
        ],
        cols,
        { column: "t", from: 8, to: 3, step: 1, desc: true },
        100,
      ).map((r) => r.t),
    ).toEqual([8, 7, 6, 5, 4, 2]);
  });

  it("steps by INTERVAL units, calendar months, and numbers in the column's unit (seconds for DateTime, days for Date)", () => {
    const hour = compile(
      "SELECT toStartOfHour(toDateTime(time / 1000)) AS h, count() AS n FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 6 HOUR) * 1000 GROUP BY h ORDER BY h WITH FILL FROM toStartOfHour(now() - INTERVAL 5 HOUR) TO toStartOfHour(now()) STEP INTERVAL 1 HOUR",
    );
    expect(hour.fill).toEqual({ column: "h", from: Date.UTC(2026, 10, 26, 10), to: Date.UTC(2026, 10, 26, 15), step: HOUR, desc: false });
    const month = compile(
      "SELECT time, SUM(total) AS n FROM ratelimits_per_month_v1 GROUP BY time ORDER BY time WITH FILL FROM toStartOfMonth(now() - INTERVAL 12 MONTH) TO toStartOfMonth(now()) STEP INTERVAL 1 MONTH",
      RATELIMITS,
    );
    expect(month.fill).toMatchObject({ from: Date.UTC(2025, 10, 1), to: Date.UTC(2026, 10, 1), step: { months: 1 } });
    expect(compile("SELECT time FROM key_verifications_per_hour_v1 ORDER BY time WITH FILL STEP 3600").fill!.step).toBe(HOUR);
    expect(compile("SELECT time FROM key_verifications_per_day_v1 ORDER BY time WITH FILL STEP 1").fill!.step).toBe(DAY);
    expect(compile("SELECT count AS c FROM key_verifications_per_day_v1 ORDER BY c WITH FILL STEP 5").fill!.step).toBe(5);
    expect(failure(() => compile("SELECT time FROM key_verifications_per_day_v1 ORDER BY time WITH FILL STEP -1")).detail).toBe(
      "WITH FILL STEP value cannot be negative for sorting in ascending direction",
    );
    expect(failure(() => compile("SELECT time FROM key_verifications_per_day_v1 ORDER BY time DESC WITH FILL STEP INTERVAL 1 DAY")).detail).toBe(
      "WITH FILL STEP value cannot be positive for sorting in descending direction",
    );
    expect(failure(() => compile("SELECT time FROM key_verifications_per_day_v1 ORDER BY time WITH FILL STEP 0")).detail).toBe(
      "WITH FILL STEP value cannot be zero",
    );
    expect(failure(() => compile("SELECT time FROM key_verifications_per_day_v1 ORDER BY time WITH FILL FROM today() TO today() - 3")).detail).toBe(
      "WITH FILL TO value cannot be less than FROM value for sorting in ascending direction",
    );
    expect(
      failure(() => compile("SELECT time FROM key_verifications_per_day_v1 ORDER BY time DESC WITH FILL FROM today() - 3 TO today() STEP -1")).detail,
    ).toBe("WITH FILL FROM value cannot be less than TO value for sorting in descending direction");
    expect(compile("SELECT time FROM key_verifications_per_month_v1 ORDER BY time DESC WITH FILL STEP INTERVAL -1 MONTH").fill).toMatchObject({
      step: { months: 1 },
      desc: true,
    });
    expect(failure(() => compile("SELECT time FROM key_verifications_per_day_v1 ORDER BY time WITH FILL FROM key_id")).detail).toBe(
      "WITH FILL FROM/TO must be constant times or numbers",
    );
  });
});

describe("the extension functions under the security checks and cost bounds", () => {
  it.each([
    ["SELECT toUnixTimestamp('not a date') FROM key_verifications_v1", "invalid_analytics_query"],
    ["SELECT toUnixTimestamp(tags) FROM key_verifications_v1", "invalid_analytics_query"],
    ["SELECT fromUnixTimestamp(1, '%Q') FROM key_verifications_v1", "invalid_analytics_function"],
    ["SELECT fromUnixTimestamp(1, key_id) FROM key_verifications_v1", "invalid_analytics_query"],
    ["SELECT toUnixTimestamp(now()) OVER () FROM key_verifications_v1", "invalid_analytics_function"],
    ["SELECT toUnixTimestamp(sqlite_version()) FROM key_verifications_v1", "invalid_analytics_function"],
    ["SELECT toUnixTimestamp((SELECT MAX(time) FROM keys)) FROM key_verifications_v1", "invalid_analytics_table"],
  ])("%s answers 400 %s", (sql, code) => {
    expect(failure(() => compile(sql))).toMatchObject({ code: `user/bad_request/${code}`, status: 400 });
  });

  it("a deeply nested bound is evaluated in linear time", () => {
    const nest = (f: string, depth: number) => `${`${f}(`.repeat(depth)}0${")".repeat(depth)}`;
    const started = Date.now();
    for (const f of ["toDateTime", "toDate", "toStartOfMonth"]) {
      expect(failure(() => compile(`SELECT count() FROM key_verifications_v1 WHERE time >= ${nest(f, 45)}`)).code, f).toBe(
        "user/bad_request/query_range_exceeds_retention",
      );
    }
    expect(failure(() => compile(`SELECT count() FROM key_verifications_v1 WHERE time >= ${nest("fromUnixTimestamp", 45)}`)).code).toBe(
      "user/bad_request/invalid_analytics_query",
    );
    // not evaluable (a DateTime given where ms are expected), so allowed as Unkey allows it; still quick
    compile(`SELECT count() FROM key_verifications_v1 WHERE time >= ${nest("fromUnixTimestamp64Milli", 45)}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("chained aliases through toUnixTimestamp still hit the compiled-size bound", () => {
    const items = [
      "toUnixTimestamp(fromUnixTimestamp(time)) AS a0",
      ...Array.from({ length: 20 }, (_, i) => `toUnixTimestamp(fromUnixTimestamp(a${i} + a${i})) AS a${i + 1}`),
    ];
    expect(failure(() => compile(`SELECT ${items.join(", ")} FROM key_verifications_v1`)).detail).toMatch(/^Analytics query is too complex/);
  });
});
