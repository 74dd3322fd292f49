import { describe, expect, it } from "vitest";
import { slidingWindow } from "../../../../workers/lib/ratelimit/slidingWindow";

const D = 60_000;
const START = 1_800_000_000_000 - (1_800_000_000_000 % D); // a slice boundary

describe("sliding window math (limit 10, 60 s slices)", () => {
  // cur, prev, elapsed, cost → passed, remaining
  const vectors: [number, number, number, number, boolean, number][] = [
    [0, 0, 0, 1, true, 9],
    [9, 0, 0, 1, true, 0],
    [10, 0, 0, 0, true, 0],
    [10, 0, 0, 1, false, 0],
    [5, 10, 0.5, 1, false, 0],
    [5, 10, 0.99, 1, true, 4],
    [0, 0, 0, 100, false, 0],
  ];
  for (const [current, previous, elapsed, cost, passed, remaining] of vectors) {
    it(`cur ${current}, prev ${previous}, elapsed ${elapsed}, cost ${cost} → ${passed ? "passes" : "denies"} with ${remaining} left`, () => {
      const d = slidingWindow({ now: START + elapsed * D, duration: D, limit: 10, cost, current, previous });
      expect(d.passed).toBe(passed);
      expect(d.remaining).toBe(remaining);
      expect(d.reset).toBe(START + D);
    });
  }

  it("a limit of 0 denies even a zero-cost check", () => {
    expect(slidingWindow({ now: START, duration: D, limit: 0, cost: 0, current: 0, previous: 0 }).passed).toBe(false);
  });

  it("reset is the end of the fixed slice the request falls in", () => {
    expect(slidingWindow({ now: START + D - 1, duration: D, limit: 5, cost: 1, current: 0, previous: 0 }).reset).toBe(START + D);
    expect(slidingWindow({ now: START + D, duration: D, limit: 5, cost: 1, current: 0, previous: 0 }).reset).toBe(START + 2 * D);
  });
});
