import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, it } from "vitest";
import { ApiError } from "../../../../workers/lib/errors";
import { D1AnalyticsStore, runAnalyticsQuery } from "../../../../workers/lib/analytics/query";
import { writeEvents } from "../../../../workers/lib/analytics/consumer";
import { VERIFICATIONS } from "../../../../workers/lib/analytics/sql/tables";
import { ALLOWED_FUNCTIONS } from "../../../../workers/lib/analytics/sql/check";
import { verification } from "../../../helpers/analytics";

const MINE = `ws_df_${crypto.randomUUID().slice(0, 8)}`;
const OTHER = `ws_dfo_${crypto.randomUUID().slice(0, 8)}`;
beforeAll(async () => {
  await writeEvents(env, [
    verification({ workspaceId: MINE, tags: ["a", "b"] }),
    verification({ workspaceId: OTHER, outcome: "SECRET", externalId: "SECRET", tags: ["SECRET"] }),
  ]);
});
const run = (text: string) => runAnalyticsQuery(new D1AnalyticsStore(env.ANALYTICS_DB), { text, tables: VERIFICATIONS, workspaceId: MINE, retentionDays: 30 });

// every function the compiler allows, so a new one is fuzzed from the day it is added
const fns = [...ALLOWED_FUNCTIONS];
const cols = ["time", "outcome", "tags", "key_id", "count", "spent_credits", "latency", "workspace_id", "external_id"];
const tables = ["key_verifications_v1", "key_verifications_per_minute_v1", "key_verifications_per_day_v1", "key_verifications_per_month_v1"];

const { expr } = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...cols),
    fc.constantFrom(
      "1",
      "0",
      "-3",
      "2.5",
      "'x'",
      "'2026-11-01'",
      "'%Y'",
      "NULL",
      "['a','b']",
      "x -> startsWith(x, 'a')",
      "INTERVAL 1 DAY",
      "INTERVAL 2 MONTH",
      "*",
    ),
    fc.tuple(fc.constantFrom(...fns), fc.array(tie("expr"), { maxLength: 3 })).map(([f, a]) => `${f}(${a.join(", ")})`),
    fc
      .tuple(tie("expr"), fc.constantFrom("+", "-", "*", "/", "=", "!=", "<", ">=", "AND", "OR", "||", "%", "LIKE", "IN"), tie("expr"))
      .map(([a, o, b]) => (o === "IN" ? `${a} IN (${b})` : `(${a} ${o} ${b})`)),
    fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `CASE WHEN ${a} THEN ${b} ELSE ${c} END`),
    tie("expr").map((a) => `(SELECT ${a} FROM key_verifications_v1)`),
  ),
}));

it("queries generated from the grammar never fail with a 5xx and never return another workspace's rows", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(expr, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(...tables),
      fc.option(expr),
      fc.option(expr),
      fc.boolean(),
      async (items, table, where, group, wrap) => {
        let sql = `SELECT ${items.join(", ")} FROM ${table}${where ? ` WHERE ${where}` : ""}${group ? ` GROUP BY ${group}` : ""}`;
        if (wrap)
          sql = [
            `SELECT * FROM (${sql})`,
            `WITH c AS (${sql}) SELECT * FROM c`,
            `${sql} UNION ALL ${sql}`,
            `SELECT * FROM ${table} AS a JOIN (${sql}) AS b ON 1 = 1`,
            `${sql} ORDER BY 1 WITH FILL`,
          ][(items.length % 5) + ((where ? 1 : 0) % 5)]!;
        try {
          const rows = await run(sql);
          if (JSON.stringify(rows).includes("SECRET") || JSON.stringify(rows).includes(OTHER)) throw new Error(`LEAK ${sql}`);
        } catch (e) {
          if (!(e instanceof ApiError) || e.status >= 500) throw new Error(`${sql} → ${e instanceof Error ? e.stack : e}`);
        }
      },
    ),
    { numRuns: 400 },
  );
}, 600_000);
