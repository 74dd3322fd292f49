// `npm run dev` (scripts/runner.mjs --watch): a change under workers/ rebuilds the bundles and
// restarts the runtime on the same ports and state.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_ADMIN_KEY, E2E_ENCRYPTION_KEYS } from "../helpers/runner";
// @ts-expect-error plain ESM helper shared with the scripts
import { ROOT } from "../../../scripts/lib/wrangler.mjs";

const local = mkdtempSync(path.join(tmpdir(), "keyforge-dev-"));
let proc: ChildProcess;
let output = "";

async function until(text: string, from: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!output.slice(from).includes(text)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}":\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const env = { ...process.env, KEYFORGE_LOCAL_DIR: local, ADMIN_KEY: E2E_ADMIN_KEY, ENCRYPTION_KEYS: E2E_ENCRYPTION_KEYS, PORT: "0", SENTINEL_PORT: "0" };
  proc = spawn(process.execPath, [path.join(ROOT, "scripts/runner.mjs"), "--watch"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.on("data", (d) => (output += d));
  proc.stderr!.on("data", (d) => (output += d));
  await until("Watching workers/", 0);
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

describe("npm run dev", () => {
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
    const list = await fetch(`${api}/v2/apis.createApi`, { method: "POST", headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: "after reload" }) });
    expect(list.status).toBe(200);
  }, 180_000);
});
