import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { writeEvents } from "../../../../../workers/lib/analytics/consumer";
import { ratelimit } from "../../../../helpers/analytics";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function setup() {
  const ws = await newWorkspace("rl analytics");
  const other = await newWorkspace("rl analytics other");
  await writeEvents(env, [
    ...Array.from({ length: 3 }, () => ratelimit({ workspaceId: ws.workspaceId, namespaceId: "rlns_a", cost: 2, latency: 4 })),
    ratelimit({ workspaceId: ws.workspaceId, namespaceId: "rlns_a", passed: false, cost: 1, latency: 8 }),
    ...Array.from({ length: 2 }, () => ratelimit({ workspaceId: ws.workspaceId, namespaceId: "rlns_b", identifier: "user_2" })),
    ratelimit({ workspaceId: other.workspaceId, namespaceId: "rlns_a" }),
  ]);
  return { ws, other };
}

const COUNT = "SELECT COUNT(*) AS n FROM ratelimits_v1";
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

describe("analytics.getRatelimits", () => {
  it("answers SQL over ratelimits_v1 with Unkey's column names", async () => {
    const { ws } = await setup();
    const res = await call(
      "analytics.getRatelimits",
      {
        query:
          "SELECT namespace_id, identifier, passed, \"limit\", tokens, latency FROM ratelimits_v1 WHERE namespace_id = 'rlns_a' ORDER BY passed, time LIMIT 2",
      },
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.meta.requestId).toMatch(/^req_/);
    expect(res.body.data).toEqual([
      { namespace_id: "rlns_a", identifier: "user_1", passed: 0, limit: 10, tokens: 1, latency: 8 },
      { namespace_id: "rlns_a", identifier: "user_1", passed: 1, limit: 10, tokens: 2, latency: 4 },
    ]);
  });

  it("rollups carry totals, tokens and average latency per bucket", async () => {
    const { ws } = await setup();
    for (const g of ["minute", "hour", "day", "month"]) {
      const res = await call(
        "analytics.getRatelimits",
        {
          query: `SELECT namespace_id, SUM(total) AS total, SUM(passed) AS passed, SUM(total_tokens) AS tokens, SUM(passed_tokens) AS passed_tokens, MAX(latency_avg) AS lat FROM ratelimits_per_${g}_v1 WHERE namespace_id = 'rlns_a' GROUP BY namespace_id`,
        },
        ws.rootKey,
      );
      expect(res.status, g).toBe(200);
      expect(res.body.data, g).toEqual([{ namespace_id: "rlns_a", total: 4, passed: 3, tokens: 7, passed_tokens: 6, lat: 5 }]);
    }
  });

  it("ratelimit.*.read_analytics sees every namespace; ratelimit.<id>.read_analytics only that one; never another workspace", async () => {
    const { ws } = await setup();
    const all = await rootKeyWith(ws.rootKey, ["ratelimit.*.read_analytics"]);
    expect((await call("analytics.getRatelimits", { query: COUNT }, all)).body.data).toEqual([{ n: 6 }]);
    const onlyB = await rootKeyWith(ws.rootKey, ["ratelimit.rlns_b.read_analytics"]);
    expect((await call("analytics.getRatelimits", { query: COUNT }, onlyB)).body.data).toEqual([{ n: 2 }]);
    const perDay = await call("analytics.getRatelimits", { query: "SELECT SUM(total) AS n FROM ratelimits_per_day_v1" }, onlyB);
    expect(perDay.body.data).toEqual([{ n: 2 }]);
    const leak = await call("analytics.getRatelimits", { query: "SELECT COUNT(*) AS n FROM ratelimits_v1 WHERE namespace_id = 'rlns_a' OR 1 = 1" }, onlyB);
    expect(leak.body.data).toEqual([{ n: 2 }]);
  });

  it("refuses a key without ratelimit read_analytics, and verification tables", async () => {
    const { ws } = await setup();
    const key = await rootKeyWith(ws.rootKey, ["api.*.read_analytics"]);
    const res = await call("analytics.getRatelimits", { query: COUNT }, key);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    const table = await call("analytics.getRatelimits", { query: "SELECT COUNT(*) FROM key_verifications_v1" }, ws.rootKey);
    expect(table.status).toBe(400);
    expect(table.body.error!.type).toBe(errorType("user/bad_request/invalid_analytics_table"));
    const cols = await call("analytics.getRatelimits", { query: "SELECT max_requests FROM ratelimits_v1" }, ws.rootKey);
    expect(cols.status).toBe(400);
  });

  it("reads toUnixTimestamp(…) * 1000 ranges (our extension), keeps refusing ranges beyond retention with them, and never answers 5xx to their misuse", async () => {
    const { ws } = await setup();
    const range = await call(
      "analytics.getRatelimits",
      { query: "SELECT countIf(passed = 1) AS passed, count() AS n FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 1 HOUR) * 1000" },
      ws.rootKey,
    );
    expect(range.status).toBe(200);
    expect(range.body.data).toEqual([{ passed: 5, n: 6 }]);
    for (const query of [
      "SELECT count() FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 45 DAY) * 1000",
      "SELECT SUM(total) FROM ratelimits_per_day_v1 WHERE time >= fromUnixTimestamp(1704067200)",
    ]) {
      const res = await call("analytics.getRatelimits", { query }, ws.rootKey);
      expect(res.status, query).toBe(400);
      expect(res.body.error!.type).toBe(errorType("user/bad_request/query_range_exceeds_retention"));
    }
    for (const query of EXTENSION_ABUSE.map((q) => q.replace("TABLE", "ratelimits_v1"))) {
      const res = await call("analytics.getRatelimits", { query }, ws.rootKey);
      expect(res.status, query).toBeLessThan(500);
      expect(JSON.stringify(res.body)).not.toContain("workspace_id =");
    }
  });

  it("shares the cost bounds: a cross-join product answers 422", async () => {
    const { ws } = await setup();
    const ten = `[${Array.from({ length: 10 }, (_, i) => i).join(", ")}]`;
    const copies = Array.from({ length: 8 }, (_, i) => `t AS t${i}`).join(" CROSS JOIN ");
    const res = await call("analytics.getRatelimits", { query: `WITH t AS (SELECT arrayJoin(${ten}) AS x) SELECT count() AS n FROM ${copies}` }, ws.rootKey);
    expect(res.status).toBe(422);
    expect(res.body.error!.type).toBe(errorType("user/unprocessable_entity/query_rows_limit_exceeded"));
  });
});

describe("github.installApp", () => {
  it("answers 412 precondition_failed pointing at unkey deploy", async () => {
    const ws = await newWorkspace("gh");
    const res = await call("github.installApp", "", ws.rootKey);
    expect(res.status).toBe(412);
    expect(res.body.error!.type).toBe(errorType("unkey/application/precondition_failed"));
    expect(res.body.error!.detail).toContain("unkey deploy");
    const noPerm = await rootKeyWith(ws.rootKey, ["api.*.read_api"]);
    expect((await call("github.installApp", "", noPerm)).status).toBe(403);
    expect([400, 401]).toContain((await call("github.installApp", "", null)).status); // as every root-key route without a key
  });
});
