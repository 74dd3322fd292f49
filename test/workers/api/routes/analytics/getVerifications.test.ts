import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { writeEvents } from "../../../../../workers/lib/analytics/consumer";
import { verification } from "../../../../helpers/analytics";
import { ADMIN_KEY, call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function keyspaceOf(rootKey: string, apiId: string) {
  const res = await call<{ keySpaceId: string }>("apis.getApi", { apiId }, rootKey);
  return res.body.data.keySpaceId;
}

async function setup() {
  const ws = await newWorkspace("analytics");
  const apiA = await newApi(ws.rootKey, "api-a");
  const apiB = await newApi(ws.rootKey, "api-b");
  const ksA = await keyspaceOf(ws.rootKey, apiA);
  const ksB = await keyspaceOf(ws.rootKey, apiB);
  await writeEvents(env, [
    ...Array.from({ length: 4 }, () => verification({ workspaceId: ws.workspaceId, keySpaceId: ksA })),
    ...Array.from({ length: 6 }, () => verification({ workspaceId: ws.workspaceId, keySpaceId: ksB, outcome: "RATE_LIMITED" })),
  ]);
  return { ws, apiA, apiB, ksA, ksB };
}

const COUNT = "SELECT COUNT(*) AS n FROM key_verifications_v1";
const EXTENSION_ABUSE = [
  "SELECT toUnixTimestamp('not a date') FROM TABLE",
  "SELECT toUnixTimestamp(sqlite_version()) FROM TABLE",
  "SELECT fromUnixTimestamp(1, '%Q') FROM TABLE",
  "SELECT fromUnixTimestamp(1e400) AS x FROM TABLE",
  "SELECT fromUnixTimestamp(-9223372036854775808) AS x FROM TABLE",
  "SELECT toUnixTimestamp(fromUnixTimestamp(0x7fffffffffffffff)) AS x FROM TABLE",
  "SELECT toUnixTimestamp((SELECT name FROM sqlite_master)) FROM TABLE",
  "SELECT count() FROM TABLE WHERE time >= toUnixTimestamp(now()) * 1000 - length(request_id)",
];

describe("analytics.getVerifications", () => {
  it("answers rows keyed by column alias in the data array", async () => {
    const { ws } = await setup();
    const res = await call(
      "analytics.getVerifications",
      { query: "SELECT outcome, SUM(count) AS total FROM key_verifications_per_day_v1 GROUP BY outcome ORDER BY outcome" },
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.meta.requestId).toMatch(/^req_/);
    expect(res.body.data).toEqual([
      { outcome: "RATE_LIMITED", total: 6 },
      { outcome: "VALID", total: 4 },
    ]);
  });

  it("api.*.read_analytics sees the whole workspace; api.<id>.read_analytics only that API's keyspace", async () => {
    const { ws, apiA, apiB } = await setup();
    const wildcard = await rootKeyWith(ws.rootKey, ["api.*.read_analytics"]);
    expect((await call("analytics.getVerifications", { query: COUNT }, wildcard)).body.data).toEqual([{ n: 10 }]);
    const onlyA = await rootKeyWith(ws.rootKey, [`api.${apiA}.read_analytics`]);
    expect((await call("analytics.getVerifications", { query: COUNT }, onlyA)).body.data).toEqual([{ n: 4 }]);
    const both = await rootKeyWith(ws.rootKey, [`api.${apiA}.read_analytics`, `api.${apiB}.read_analytics`]);
    expect((await call("analytics.getVerifications", { query: COUNT }, both)).body.data).toEqual([{ n: 10 }]);
  });

  it("an API-scoped key whose APIs do not resolve in the workspace gets an empty answer", async () => {
    const { ws } = await setup();
    const other = await setup();
    const foreign = await rootKeyWith(ws.rootKey, [`api.${other.apiA}.read_analytics`]);
    const res = await call("analytics.getVerifications", { query: "SELECT key_id FROM key_verifications_v1" }, foreign);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });

  it("refuses a root key without read_analytics with 403", async () => {
    const { ws } = await setup();
    const key = await rootKeyWith(ws.rootKey, ["api.*.read_api"]);
    const res = await call("analytics.getVerifications", { query: COUNT }, key);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
  });

  it("answers 412 analytics_not_configured when the workspace has analytics disabled", async () => {
    const { ws } = await setup();
    const upd = await call("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, analyticsEnabled: false }, ADMIN_KEY);
    expect(upd.status).toBe(200);
    const res = await call("analytics.getVerifications", { query: COUNT }, ws.rootKey);
    expect(res.status).toBe(412);
    expect(res.body.error!.type).toBe(errorType("unkey/data/analytics_not_configured"));
  });

  it("answers analytics errors in the Unkey envelope", async () => {
    const { ws } = await setup();
    const cases: [string, number, string][] = [
      ["DELETE FROM key_verifications_v1", 400, "user/bad_request/invalid_analytics_query_type"],
      ["SELECT * FROM keys", 400, "user/bad_request/invalid_analytics_table"],
      ["SELECT url('x') FROM key_verifications_v1", 400, "user/bad_request/invalid_analytics_function"],
      ["SELECT * FROM key_verifications_v1 WHERE time >= now() - INTERVAL 400 DAY", 400, "user/bad_request/query_range_exceeds_retention"],
      ["SELEC 1", 400, "user/bad_request/invalid_analytics_query"],
    ];
    for (const [query, status, code] of cases) {
      const res = await call("analytics.getVerifications", { query }, ws.rootKey);
      expect(res.status, query).toBe(status);
      expect(res.body.error!.type).toBe(errorType(code));
      expect(res.body.error!.errors).toEqual([]);
      expect(JSON.stringify(res.body)).not.toContain("workspace_id =");
    }
  });

  it("reads toUnixTimestamp(…) * 1000 ranges (our extension), keeps refusing ranges beyond retention with them, and never answers 5xx to their misuse", async () => {
    const { ws } = await setup();
    const range = await call(
      "analytics.getVerifications",
      {
        query:
          "SELECT outcome, count() AS n FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 1 HOUR) * 1000 GROUP BY outcome ORDER BY outcome",
      },
      ws.rootKey,
    );
    expect(range.status).toBe(200);
    expect(range.body.data).toEqual([
      { outcome: "RATE_LIMITED", n: 6 },
      { outcome: "VALID", n: 4 },
    ]);
    for (const query of [
      "SELECT count() FROM key_verifications_v1 WHERE toUnixTimestamp(now() - INTERVAL 45 DAY) * 1000 <= time",
      "SELECT SUM(count) FROM key_verifications_per_month_v1 WHERE time >= fromUnixTimestamp(toUnixTimestamp(now()) - 365 * 86400)",
    ]) {
      const res = await call("analytics.getVerifications", { query }, ws.rootKey);
      expect(res.status, query).toBe(400);
      expect(res.body.error!.type).toBe(errorType("user/bad_request/query_range_exceeds_retention"));
    }
    const unreadable = await call(
      "analytics.getVerifications",
      { query: "SELECT count() FROM key_verifications_v1 WHERE time >= toUnixTimestamp(now()) * 1000 % 7" },
      ws.rootKey,
    );
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.error!.type).toBe(errorType("user/bad_request/invalid_analytics_query"));
    for (const query of EXTENSION_ABUSE.map((q) => q.replace("TABLE", "key_verifications_v1"))) {
      const res = await call("analytics.getVerifications", { query }, ws.rootKey);
      expect(res.status, query).toBeLessThan(500);
      expect(JSON.stringify(res.body)).not.toContain("workspace_id =");
    }
  });

  it("validates the body and authentication first", async () => {
    const { ws } = await setup();
    expect((await call("analytics.getVerifications", {}, ws.rootKey)).status).toBe(400);
    expect((await call("analytics.getVerifications", { query: 1 }, ws.rootKey)).status).toBe(400);
    expect((await call("analytics.getVerifications", { query: COUNT, extra: 1 }, ws.rootKey)).status).toBe(400);
    expect((await call("analytics.getVerifications", { query: COUNT }, null)).status).toBe(400);
    expect((await call("analytics.getVerifications", { query: COUNT }, "unkey_nope")).status).toBe(401);
  });

  it("answers 429 query_quota_exceeded once the window's queries are spent", async () => {
    const { ws } = await setup();
    const windowStart = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    await env.ANALYTICS_DB.prepare("INSERT INTO analytics_query_quota (workspace_id, window_start, queries) VALUES (?, ?, 1000)")
      .bind(ws.workspaceId, windowStart)
      .run();
    const res = await call("analytics.getVerifications", { query: COUNT }, ws.rootKey);
    expect(res.status).toBe(429);
    expect(res.body.error!.type).toBe(errorType("user/too_many_requests/query_quota_exceeded"));
  });
});
