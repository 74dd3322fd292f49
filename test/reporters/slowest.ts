// Prints the slowest test files at the end of a run (where `npm test`'s time goes).
import type { Reporter, TestModule } from "vitest/node";

export default class SlowestFiles implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const rows = modules
      .map((m) => {
        const d = m.diagnostic();
        return { file: `${m.project.name} › ${m.relativeModuleId}`, ms: d.collectDuration + d.setupDuration + d.duration };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    if (rows.length < 2) return;
    console.log("\nSlowest test files:");
    for (const r of rows) console.log(`  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.file}`);
  }
}
