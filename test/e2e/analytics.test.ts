import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Unkey } from "@unkey/api";
import { startApi, type TestServer } from "./helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startApi();
});
afterAll(async () => {
  await server?.stop();
});

async function post(path: string, body: unknown, token: string) {
  const res = await fetch(`${server.url}/v2/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("wrangler dev: verifications reach analytics through the Queue", () => {
  it("50 verifications over HTTP are counted exactly once by analytics.getVerifications", async () => {
    const ws = await server.newWorkspace("analytics-e2e");
    const api = await post("apis.createApi", { name: "analytics-e2e" }, ws.rootKey);
    expect(api.status).toBe(200);
    const created = await post("keys.createKey", { apiId: api.body.data.apiId }, ws.rootKey);
    expect(created.status).toBe(200);
    const key = created.body.data.key as string;

    for (let i = 0; i < 50; i++) {
      const res = await post("keys.verifyKey", { key, tags: [`path=/e2e/${i % 5}`] }, ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data.valid).toBe(true);
    }

    // the Queue delivers batches after max_batch_timeout; poll with a bound
    let n = -1;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const res = await post("analytics.getVerifications", { query: "SELECT COUNT(*) AS n FROM key_verifications_v1" }, ws.rootKey);
      expect(res.status).toBe(200);
      n = res.body.data[0].n;
      if (n >= 50) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(n).toBe(50);

    const perDay = await post(
      "analytics.getVerifications",
      { query: "SELECT outcome, SUM(count) AS total FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 1 DAY GROUP BY outcome" },
      ws.rootKey,
    );
    expect(perDay.body.data).toEqual([{ outcome: "VALID", total: 50 }]);
    const tags = await post(
      "analytics.getVerifications",
      { query: "SELECT arrayJoin(tags) AS tag, COUNT(*) AS n FROM key_verifications_v1 GROUP BY tag ORDER BY tag" },
      ws.rootKey,
    );
    expect(tags.body.data).toEqual([0, 1, 2, 3, 4].map((i) => ({ tag: `path=/e2e/${i}`, n: 10 })));
  });
});

describe("@unkey/api analytics.getRatelimits against wrangler dev", () => {
  it("rate-limit decisions reach ratelimits_v1 and its rollups through the Queue; the SDK validates the answer", async () => {
    const ws = await server.newWorkspace("analytics-rl-e2e");
    const unkey = new Unkey({ serverURL: server.url, rootKey: ws.rootKey });
    for (let i = 0; i < 5; i++) {
      const res = await post("ratelimit.limit", { namespace: "e2e.analytics", identifier: `user_${i % 2}`, limit: 3, duration: 60_000 }, ws.rootKey);
      expect(res.status).toBe(200);
    }
    let rows: Record<string, unknown>[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const res = await unkey.analytics.getRatelimits({
        query: "SELECT identifier, COUNT(*) AS n, SUM(passed) AS passed FROM ratelimits_v1 GROUP BY identifier ORDER BY identifier",
      });
      rows = res.data as Record<string, unknown>[];
      if (rows.reduce((a, r) => a + Number(r.n), 0) >= 5) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rows).toEqual([
      { identifier: "user_0", n: 3, passed: 3 },
      { identifier: "user_1", n: 2, passed: 2 },
    ]);
    const perMinute = await unkey.analytics.getRatelimits({ query: "SELECT SUM(total) AS total, SUM(total_tokens) AS tokens FROM ratelimits_per_minute_v1" });
    expect(perMinute.data).toEqual([{ total: 5, tokens: 5 }]);
    // Unkey's documented raw-table range (our extension), filled per minute up to now
    const lastHour = await unkey.analytics.getRatelimits({
      query:
        "SELECT toStartOfMinute(toDateTime(time / 1000)) AS minute, count() AS n FROM ratelimits_v1 WHERE time >= toUnixTimestamp(now() - INTERVAL 1 HOUR) * 1000 GROUP BY minute ORDER BY minute WITH FILL TO toStartOfMinute(now()) + 60 STEP 60",
    });
    const minutes = lastHour.data as { minute: number; n: number }[];
    expect(minutes.reduce((a, r) => a + r.n, 0)).toBe(5);
    expect(minutes.every((r, i) => i === 0 || r.minute - minutes[i - 1]!.minute === 60_000)).toBe(true);
    // the cost bounds hold here too
    const ten = `[${Array.from({ length: 10 }, (_, i) => i).join(", ")}]`;
    const copies = Array.from({ length: 8 }, (_, i) => `t AS t${i}`).join(" CROSS JOIN ");
    const heavy = await post("analytics.getRatelimits", { query: `WITH t AS (SELECT arrayJoin(${ten}) AS x) SELECT count() AS n FROM ${copies}` }, ws.rootKey);
    expect(heavy.status).toBe(422);
    expect(heavy.body.error.type).toBe("https://unkey.com/docs/errors/user/unprocessable_entity/query_rows_limit_exceeded");
  });

  it("github.installApp answers 412 pointing at unkey deploy", async () => {
    const ws = await server.newWorkspace("gh-e2e");
    const unkey = new Unkey({ serverURL: server.url, rootKey: ws.rootKey });
    const err = await unkey.github.installApp().then(
      () => null,
      (e: unknown) => e as { statusCode?: number; body?: string },
    );
    expect(err?.statusCode).toBe(412);
    expect(String(err?.body)).toContain("unkey deploy");
  });
});
