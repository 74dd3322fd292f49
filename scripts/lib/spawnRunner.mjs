// Starts the local runner (scripts/runner.mjs --spec) as a child process and waits until it
// reports ready over IPC. For the e2e tests and other harnesses: the runner's own event loop
// stays free while the caller blocks (spawnSync of the CLI, a load generator).
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "./wrangler.mjs";

const CLI = path.join(ROOT, "scripts/runner.mjs");

/**
 * spec: startRunner's options (JSON-able) plus { preparedDir } (bundles from prepare()).
 * Returns { url, sentinelUrl, internal, stateDir, pid, proc, logs(), stop(), kill(signal) }.
 * @param {Record<string, unknown>} spec
 * @param {{ timeoutMs?: number; env?: Record<string, string>; onOutput?: (chunk: string) => void }} [opts]
 */
export async function spawnRunner(spec, { timeoutMs = 120_000, env = {}, onOutput } = {}) {
  const proc = spawn(process.execPath, [CLI, "--spec", JSON.stringify(spec)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    // its own process group: a SIGKILL reaches workerd too, never leaving it orphaned
    detached: true,
  });
  const killGroup = (signal) => {
    try {
      process.kill(-(/** @type {number} */ (proc.pid)), signal);
    } catch {
      proc.kill(signal);
    }
  };
  let output = "";
  const collect = (d) => {
    output += d;
    onOutput?.(d);
  };
  // stdio "pipe": both streams exist
  proc.stdout?.on("data", collect);
  proc.stderr?.on("data", collect);
  let exited = false;
  proc.on("exit", () => (exited = true));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup("SIGKILL");
      reject(new Error(`the runner did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    proc.on("message", (/** @type {{ ready?: unknown; error?: string }} */ m) => {
      clearTimeout(timer);
      if (m.ready) resolve(m.ready);
      else reject(new Error(`the runner failed to start: ${m.error}\n${output}`));
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the runner exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  const stop = () =>
    /** @type {Promise<void>} */ (
      new Promise((resolve) => {
        if (exited) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
        // a clean stop drains for a few seconds (scripts/lib/runner.mjs); past that, the whole group
        setTimeout(() => killGroup("SIGKILL"), 15_000).unref();
      })
    );
  return { ...ready, proc, logs: () => output, stop, kill: (signal = "SIGKILL") => killGroup(signal) };
}
