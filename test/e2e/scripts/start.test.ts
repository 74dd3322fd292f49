// `npm run dev` (scripts/runner.mjs --watch: `npm start` plus reloads) as a user runs it, and
// `npm run bootstrap` finding it through the runner file. One process for all (each start
// bundles the Workers); KEYFORGE_LOCAL_DIR keeps state, bundles and runner.json in a temp dir.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
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
  proc = spawn(process.execPath, [path.join(ROOT, "scripts/runner.mjs"), "--watch"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.on("data", (d) => (output += d));
  proc.stderr!.on("data", (d) => (output += d));
  await until("Watching workers/", 0);
}, 150_000);

async function until(text: string, from: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!output.slice(from).includes(text)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}":\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    await new Promise((r) => {
      proc.once("exit", r);
      proc.kill("SIGTERM");
    });
  }
  rmSync(local, { recursive: true, force: true });
});

describe("npm run dev", () => {
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

  it("reloads after a source change, on the same port, keeping the state", async () => {
    const { api } = JSON.parse(readFileSync(path.join(local, "runner.json"), "utf8"));
    const ws = await fetch(`${api}/v2/workspaces.createWorkspace`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "before reload" }),
    });
    expect(ws.status).toBe(200);
    const { rootKey } = ((await ws.json()) as any).data;

    const from = output.length;
    const file = path.join(ROOT, "workers/api/index.ts");
    const now = new Date();
    utimesSync(file, now, now); // a save without a change is enough to trigger the rebuild
    await until("Reloaded in", from);

    expect((await fetch(`${api}/v2/liveness`)).status).toBe(200);
    // same state: the root key made before the reload still works
    const created = await fetch(`${api}/v2/apis.createApi`, {
      method: "POST",
      headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "after reload" }),
    });
    expect(created.status).toBe(200);
  }, 180_000);

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
