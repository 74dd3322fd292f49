import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
