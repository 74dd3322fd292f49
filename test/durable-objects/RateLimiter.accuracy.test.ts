import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RateLimiter } from "../../durable-objects/RateLimiter";
import { bucketName, objectName, rateLimiters } from "../../workers/lib/ratelimit/limiter";

/**
 * Accuracy of the sliding window on a simulated clock: evenly spaced requests (starting off a
 * slice boundary) over many windows, for several limits × durations × offered loads. Passed
 * requests must lie within [0.98, 1.05] × the exact allowance: every request when the offered
 * load is at most the limit, `windows × limit` when it is above.
 *
 * Default run: a few seconds. `RATELIMIT_ACCURACY=long npx vitest run --project workers
 * test/durable-objects/RateLimiter.accuracy.test.ts` runs more limits, durations, loads and windows.
 */
const long = (env as unknown as { RATELIMIT_ACCURACY?: string }).RATELIMIT_ACCURACY === "long";
const LIMITS = long ? [5, 37, 100, 500] : [5, 100];
const DURATIONS = long ? [1000, 5000, 60_000, 3_600_000] : [1000, 60_000];
const LOADS = long ? [0.25, 0.5, 0.9, 1, 1.1, 2, 10] : [0.5, 1, 1.5, 10];
const WINDOWS = long ? 60 : 25;
const PHASES = long ? [0.13, 0.81] : [0.37];

let seq = 0;

describe(`sliding-window accuracy (${long ? "long" : "default"} run)`, () => {
  for (const limit of LIMITS) {
    for (const duration of DURATIONS) {
      it(
        `limit ${limit} per ${duration} ms`,
        async () => {
          const ns = rateLimiters(env);
          const rows: string[] = [];
          for (const load of LOADS) {
            for (const phase of PHASES) {
              // a namespace identifier where it lives: a shard shared with other identifiers
              const owner = { kind: "namespace" as const, workspaceId: "ws_acc", namespace: "acc", identifier: `${++seq}` };
              const bucket = bucketName(owner, "");
              const stub = ns.get(ns.idFromName(objectName(owner)));
              const total = Math.round(load * limit * WINDOWS);
              const step = (duration * WINDOWS) / total;
              // a slice boundary well in the past of the real clock, shifted off the boundary
              const start = 1_000_000 * duration + Math.floor(phase * duration);
              const passed = await runInDurableObject(stub, async (instance: RateLimiter) => {
                let n = 0;
                for (let i = 0; i < total; i++) {
                  const out = await instance.limit({ now: start + Math.floor(i * step), checks: [{ bucket, limit, duration, cost: 1 }] });
                  if (out.passed) n++;
                }
                return n;
              });
              const allowance = Math.min(total, WINDOWS * limit);
              const ratio = passed / allowance;
              rows.push(`load ${load}× phase ${phase}: ${passed}/${allowance} = ${ratio.toFixed(3)}`);
              expect(ratio, rows.at(-1)).toBeGreaterThanOrEqual(0.98);
              expect(ratio, rows.at(-1)).toBeLessThanOrEqual(1.05);
            }
          }
          console.log(`limit ${limit} / ${duration} ms over ${WINDOWS} windows\n  ${rows.join("\n  ")}`);
        },
        long ? 600_000 : 60_000,
      );
    }
  }
});
