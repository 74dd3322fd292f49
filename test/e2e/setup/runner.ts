// Global setup of the e2e project: bundles the Workers once and starts ONE shared runner (fresh
// state, free ports, loopback upstreams allowed, the E2E keys) that every suite without special
// needs uses through startApi() / startSentinelStack().
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM helpers shared with the scripts
import { prepare } from "../../../scripts/lib/runner.mjs";
// @ts-expect-error plain ESM helpers shared with the scripts
import { spawnRunner } from "../../../scripts/lib/spawnRunner.mjs";
import { testSpec } from "../helpers/runner";

export default async function setup(project: TestProject) {
  const root = mkdtempSync(path.join(tmpdir(), "keyforge-e2e-run-"));
  const preparedDir = path.join(root, "bundle");
  const stateDir = path.join(root, "state");
  const logFile = path.join(root, "runner.log");
  const t0 = Date.now();
  await prepare({ outDir: preparedDir });
  const runner = await spawnRunner(testSpec(preparedDir, stateDir), { onOutput: (d: Buffer) => appendFileSync(logFile, d) });
  console.log(`e2e: shared runner ${runner.url} (Sentinel ${runner.sentinelUrl}) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  project.provide("keyforgeRunner", { url: runner.url, sentinelUrl: runner.sentinelUrl, stateDir, logFile, preparedDir });
  return async () => {
    await runner.stop();
    rmSync(root, { recursive: true, force: true });
  };
}
