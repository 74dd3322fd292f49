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
 */
export async function spawnRunner(spec, { timeoutMs = 120_000, env = {}, onOutput } = {}) {
  const proc = spawn(process.execPath, [CLI, "--spec", JSON.stringify(spec)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  const collect = (d) => {
    output += d;
    onOutput?.(d);
  };
  proc.stdout.on("data", collect);
  proc.stderr.on("data", collect);
  let exited = false;
  proc.on("exit", () => (exited = true));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`the runner did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    proc.on("message", (m) => {
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
    new Promise((resolve) => {
      if (exited) return resolve();
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
      setTimeout(() => proc.kill("SIGKILL"), 5000).unref();
    });
  return { ...ready, proc, logs: () => output, stop, kill: (signal = "SIGKILL") => proc.kill(signal) };
}
