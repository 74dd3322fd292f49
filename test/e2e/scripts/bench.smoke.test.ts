import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Keeps `npm run bench` working: a seconds-long run (no Redis peer) into a temp directory.
describe("npm run bench --smoke", () => {
  it("seeds, runs every implemented scenario and writes results", () => {
    const out = mkdtempSync(path.join(tmpdir(), "bench-smoke-"));
    const r = spawnSync(process.execPath, ["scripts/bench/run.mjs", "--smoke", "--out", out], { encoding: "utf8", timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("| liveness |");
    const file = path.join(out, "results.json");
    expect(existsSync(file)).toBe(true);
    const run = Object.values(JSON.parse(readFileSync(file, "utf8")).runs)[0] as any;
    const live = run.results.find((x: any) => x.name === "liveness");
    expect(live.requests).toBeGreaterThan(0);
    for (const res of run.results) expect(res.errors + res.non2xx, res.name).toBe(0);
    // 10,000 request bodies once broke the load generator's spawn (E2BIG)
    const names = run.results.map((x: any) => x.name);
    expect(names).toEqual(expect.arrayContaining(["verifyKey warm", "verifyKey cold", "ratelimit.limit 10k ids", "ratelimit.multiLimit 3"]));
  }, 300_000);
});
