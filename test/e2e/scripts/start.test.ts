// `npm start` (scripts/runner.mjs) as a user runs it, and `npm run bootstrap` finding it through
// the runner file. KEYFORGE_LOCAL_DIR keeps state, bundles and runner.json in a temp directory.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_ADMIN_KEY, E2E_ENCRYPTION_KEYS } from "../helpers/runner";
// @ts-expect-error plain ESM helper shared with the scripts
import { ROOT } from "../../../scripts/lib/wrangler.mjs";

const local = mkdtempSync(path.join(tmpdir(), "keyforge-start-"));
const env = { ...process.env, KEYFORGE_LOCAL_DIR: local, ADMIN_KEY: E2E_ADMIN_KEY, ENCRYPTION_KEYS: E2E_ENCRYPTION_KEYS, PORT: "0", SENTINEL_PORT: "0" };
let proc: ChildProcess;
let output = "";

function bootstrap(extra: Record<string, string | undefined> = {}) {
  const e: Record<string, string | undefined> = { ...env, PORT: undefined, UNKEY_API_BASE_URL: undefined, ...extra };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return spawnSync(process.execPath, [path.join(ROOT, "scripts/bootstrap.mjs"), "from-test"], { cwd: ROOT, env: e as NodeJS.ProcessEnv, encoding: "utf8" });
}

beforeAll(async () => {
  proc = spawn(process.execPath, [path.join(ROOT, "scripts/runner.mjs")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.on("data", (d) => (output += d));
  proc.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 120_000;
  while (!output.includes("Get a root key")) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 150_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    await new Promise((r) => {
      proc.once("exit", r);
      proc.kill("SIGTERM");
    });
  }
  rmSync(local, { recursive: true, force: true });
});

describe("npm start", () => {
  it("prints the ready banner with both URLs and records them in the runner file", async () => {
    const info = JSON.parse(readFileSync(path.join(local, "runner.json"), "utf8"));
    expect(info.pid).toBe(proc.pid);
    expect(output).toContain(`API       ${info.api}`);
    expect(output).toContain(`Sentinel  ${info.sentinel}`);
    expect(info.stateDir).toBe(path.join(local, "state"));
    expect(existsSync(path.join(local, "state", "v3", "d1"))).toBe(true);
    const live = await fetch(`${info.api}/v2/liveness`, { headers: { "x-keyforge-runner-probe": "1" } });
    expect(live.status).toBe(200);
    expect(live.headers.get("x-keyforge-runner")).toBe(info.token);
  });

  it("npm run bootstrap finds the running instance through the runner file and says so", () => {
    const info = JSON.parse(readFileSync(path.join(local, "runner.json"), "utf8"));
    const r = bootstrap();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Using ${info.api} (the server npm start started, pid ${proc.pid}, from ${path.join(local, "runner.json")})`);
    expect(r.stdout).toMatch(/root key\s+\S+/);
    expect(r.stdout).toContain(`export UNKEY_API_BASE_URL=${info.api}`);
  });

  it("npm run bootstrap refuses a runner file whose URL is answered by another server", () => {
    const file = path.join(local, "runner.json");
    const real = readFileSync(file, "utf8");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(real), token: "someone-else" }));
    try {
      const r = bootstrap();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("is answered by another server");
    } finally {
      writeFileSync(file, real);
    }
  });

  it("removes the runner file on a clean stop", async () => {
    await new Promise((r) => {
      proc.once("exit", r);
      proc.kill("SIGTERM");
    });
    // 0, or 143 (128 + SIGTERM): Miniflare's exit hook ends the process once our cleanup ran
    expect([0, 143], `${proc.exitCode} ${proc.signalCode}`).toContain(proc.exitCode);
    expect(existsSync(path.join(local, "runner.json"))).toBe(false);
  });
});
