import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { analyticsStoreFor, D1AnalyticsStore, mapEngineError, runAnalyticsQuery, type AnalyticsStore } from "../../../../workers/lib/analytics/query";
import { parseAnalyticsQuery } from "../../../../workers/lib/analytics/sql/check";
import { VERIFICATIONS } from "../../../../workers/lib/analytics/sql/tables";

const req = (store: AnalyticsStore) =>
  runAnalyticsQuery(store, { text: "SELECT key_id FROM key_verifications_v1", tables: VERIFICATIONS, workspaceId: "ws_q", retentionDays: 30 });

describe("analytics query execution", () => {
  it("answers 422 query_rows_limit_exceeded above 10,000 rows", async () => {
    const store: AnalyticsStore = { run: async () => Array.from({ length: 10_001 }, (_, i) => ({ i })) };
    await expect(req(store)).rejects.toMatchObject({ status: 422, code: "user/unprocessable_entity/query_rows_limit_exceeded" });
  });

  it("answers 422 query_memory_limit_exceeded above 4 MiB of JSON", async () => {
    const store: AnalyticsStore = { run: async () => Array.from({ length: 5 }, () => ({ s: "x".repeat(1024 * 1024) })) };
    await expect(req(store)).rejects.toMatchObject({ status: 422, code: "user/unprocessable_entity/query_memory_limit_exceeded" });
  });

  it("answers 422 query_execution_timeout when the store does not answer in time", async () => {
    const never = { prepare: () => ({ raw: () => new Promise(() => {}) }) } as unknown as D1Database;
    const q = parseAnalyticsQuery("SELECT key_id FROM key_verifications_v1");
    await expect(
      new D1AnalyticsStore(never).run(q, VERIFICATIONS, { workspaceId: "ws_q", retentionDays: 30, now: Date.now(), maxRows: 10 }, { timeoutMs: 20 }),
    ).rejects.toMatchObject({ status: 422, code: "user/unprocessable_entity/query_execution_timeout" });
  });

  it("maps engine failures to analytics codes without echoing SQL", () => {
    const cases: [string, number, string][] = [
      ["D1_ERROR: no such column: x: SQLITE_ERROR", 400, "user/bad_request/invalid_analytics_query"],
      ["D1_ERROR: misuse of aggregate: SUM(): SQLITE_ERROR", 400, "user/bad_request/invalid_analytics_query"],
      ["D1_ERROR: Expression tree is too large (maximum depth 1000): SQLITE_ERROR", 400, "user/bad_request/invalid_analytics_query"],
      ["D1_ERROR: interrupted: SQLITE_INTERRUPT", 422, "user/unprocessable_entity/query_execution_timeout"],
      ["D1_ERROR: string or blob too big: SQLITE_TOOBIG", 422, "user/unprocessable_entity/query_memory_limit_exceeded"],
      ["Network connection lost.", 503, "unkey/data/analytics_connection_failed"],
    ];
    for (const [msg, status, code] of cases) {
      const e = mapEngineError(new Error(msg));
      expect(e.status, msg).toBe(status);
      expect(e.code, msg).toBe(code);
      expect(e.detail).not.toContain("SQLITE");
    }
  });

  it("selects the store from ANALYTICS_BACKEND", () => {
    expect(analyticsStoreFor(env)).toBeInstanceOf(D1AnalyticsStore);
    expect(analyticsStoreFor({ ...env, ANALYTICS_BACKEND: "none" })).toBeNull();
  });
});
