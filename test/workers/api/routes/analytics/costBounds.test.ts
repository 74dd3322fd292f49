import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { writeEvents } from "../../../../../workers/lib/analytics/consumer";
import { verification } from "../../../../helpers/analytics";
import { call, errorType, newWorkspace } from "../../../../helpers/harness";

/**
 * The attacks of the security review (issue "analytics queries that stall every tenant"): each
 * one used to hold the database or the Worker for seconds. Now each is refused before it runs,
 * within a second, through the API.
 */
async function query(rootKey: string, text: string) {
  const started = Date.now();
  const res = await call("analytics.getVerifications", { query: text }, rootKey);
  return { ...res, ms: Date.now() - started };
}

const ten = `[${Array.from({ length: 10 }, (_, i) => i).join(", ")}]`;

describe("analytics query cost bounds", () => {
  it("chained aliases (each doubling the compiled SQL) answer 400 'too complex' at once", async () => {
    const ws = await newWorkspace("alias chain");
    const aliases = ["time AS a0", ...Array.from({ length: 20 }, (_, i) => `a${i}+a${i} AS a${i + 1}`)];
    const res = await query(ws.rootKey, `SELECT ${aliases.join(", ")} FROM key_verifications_v1`);
    expect(res.status).toBe(400);
    expect(res.body.error!.type).toBe(errorType("user/bad_request/invalid_analytics_query"));
    expect(res.body.error!.detail).toMatch(/^Analytics query is too complex: compiled SQL larger than \d+ bytes$/);
    expect(res.ms).toBeLessThan(1000);
  });

  it("nested min/max/any window aggregates compile their argument once (depth 23 stays fast)", async () => {
    const ws = await newWorkspace("nested aggregates");
    let e = "time";
    for (let i = 0; i < 23; i++) e = `${i % 2 ? "max" : "min"}(${e}) OVER ()`;
    const res = await query(ws.rootKey, `SELECT ${e} AS x FROM key_verifications_v1`);
    // whatever the answer (SQLite may refuse nested windows), it comes at once and is a 4xx/200
    expect([200, 400]).toContain(res.status);
    expect(res.ms).toBeLessThan(1000);
  });

  it("a cross join of a CTE over an array literal with itself (9 × 10 rows) answers 422 before running", async () => {
    const ws = await newWorkspace("cross join");
    const copies = Array.from({ length: 9 }, (_, i) => `t AS t${i}`).join(" CROSS JOIN ");
    const res = await query(ws.rootKey, `WITH t AS (SELECT arrayJoin(${ten}) AS x) SELECT count() AS n FROM ${copies}`);
    expect(res.status).toBe(422);
    expect(res.body.error!.type).toBe(errorType("user/unprocessable_entity/query_rows_limit_exceeded"));
    expect(res.body.error!.detail).toMatch(/^Query attempted to read too many rows/);
    expect(res.ms).toBeLessThan(1000);
  });

  it("the same product through comma joins without a FROM in the CTE is estimated too", async () => {
    const ws = await newWorkspace("cross join 2");
    const res = await query(ws.rootKey, `WITH t AS (SELECT arrayJoin(${ten}) AS x) SELECT count() AS n FROM t a, t b, t c, t d, t e, t f, t g`);
    expect(res.status).toBe(422);
    expect(res.body.error!.type).toBe(errorType("user/unprocessable_entity/query_rows_limit_exceeded"));
  });

  it("a self-join of a table counts the workspace's rows: a product past the bound answers 422", async () => {
    const ws = await newWorkspace("table product");
    await writeEvents(
      env,
      Array.from({ length: 1500 }, () => verification({ workspaceId: ws.workspaceId, keySpaceId: "ks_x" })),
    );
    const res = await query(ws.rootKey, "SELECT count() AS n FROM key_verifications_v1 a CROSS JOIN key_verifications_v1 b");
    expect(res.status).toBe(422);
    expect(res.body.error!.type).toBe(errorType("user/unprocessable_entity/query_rows_limit_exceeded"));
    // the same rows read once are fine
    const ok = await query(ws.rootKey, "SELECT count() AS n FROM key_verifications_v1");
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual([{ n: 1500 }]);
  });

  it("correlated subqueries multiply by the outer rows", async () => {
    const ws = await newWorkspace("correlated");
    await writeEvents(
      env,
      Array.from({ length: 1500 }, () => verification({ workspaceId: ws.workspaceId, keySpaceId: "ks_y" })),
    );
    const res = await query(
      ws.rootKey,
      "SELECT key_id, (SELECT count() FROM key_verifications_v1 b WHERE b.time <= a.time) AS before FROM key_verifications_v1 a",
    );
    expect(res.status).toBe(422);
    // not correlated: computed once, allowed
    const once = await query(ws.rootKey, "SELECT key_id, (SELECT count() FROM key_verifications_v1) AS n FROM key_verifications_v1 LIMIT 1");
    expect(once.status).toBe(200);
  });

  it("a rounded lower time bound narrows the row estimate to where it rounds to, not to its argument", async () => {
    const ws = await newWorkspace("rounded bound");
    await writeEvents(
      env,
      Array.from({ length: 1500 }, () => verification({ workspaceId: ws.workspaceId, keySpaceId: "ks_z" })),
    );
    // read as now() (Unkey's retention rule), the bound left almost no rows to count, and the
    // correlated subquery below ran once per row of the month unestimated
    for (const bound of ["toStartOfMonth(now())", "toUnixTimestamp(toStartOfDay(now())) * 1000"]) {
      const res = await query(
        ws.rootKey,
        `SELECT key_id, (SELECT count() FROM key_verifications_v1 b WHERE b.time <= a.time) AS before FROM key_verifications_v1 a WHERE a.time >= ${bound}`,
      );
      expect(res.status, bound).toBe(422);
    }
  });

  it("more joins than the bound answer 400 naming the limit", async () => {
    const ws = await newWorkspace("joins");
    const copies = Array.from({ length: 10 }, (_, i) => `key_verifications_per_day_v1 AS t${i}`).join(" CROSS JOIN ");
    const res = await query(ws.rootKey, `SELECT count() AS n FROM ${copies}`);
    expect(res.status).toBe(400);
    expect(res.body.error!.detail).toBe("Analytics query is too complex: more than 8 joins");
  });

  it("deep nesting answers 400 naming the limit", async () => {
    const ws = await newWorkspace("nesting");
    let sub = "SELECT time FROM key_verifications_v1";
    for (let i = 0; i < 60; i++) sub = `SELECT time FROM (${sub})`;
    const res = await query(ws.rootKey, sub);
    expect(res.status).toBe(400);
    expect(res.body.error!.detail).toMatch(/^Analytics query is too complex: nesting deeper than \d+ levels$/);
  });

  it("repeating one expensive alias many times hits the alias bound", async () => {
    const ws = await newWorkspace("alias fanout");
    const uses = Array.from({ length: 60 }, () => "b+b+b+b+b").join(" + ");
    const res = await query(ws.rootKey, `SELECT time AS b, ${uses} AS c FROM key_verifications_v1`);
    expect(res.status).toBe(400);
    expect(res.body.error!.detail).toMatch(/^Analytics query is too complex: more than \d+ alias references$/);
  });
});
