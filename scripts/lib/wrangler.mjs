// Helpers shared by the scripts and the end-to-end tests: run wrangler under the Node that runs
// this script (the pinned Node 22 under `npm run`), offline and quiet. (The local runner,
// scripts/lib/runner.mjs, serves the Workers; `startWrangler` is for plain `wrangler dev`.)
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { upgradeAnalyticsDb } from "./upgradeAnalyticsDb.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Environment that keeps wrangler offline: no telemetry, no remote `cf` fetch, no update check. */
export function offlineEnv(extra = {}) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn",
    NO_UPDATE_NOTIFIER: "1",
    ...extra,
  };
}

export function wranglerSync(args, opts = {}) {
  const r = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: offlineEnv(opts.env),
    encoding: "utf8",
    stdio: opts.stdio ?? "pipe",
  });
  if (r.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed (${r.status}):\n${r.stdout ?? ""}\n${r.stderr ?? ""}`);
  }
  return r;
}

/**
 * Apply D1 migrations to local state (idempotent): the analytics database first, then rows an
 * older version left in DB move there (upgradeAnalyticsDb), then the main database, whose
 * migrations drop the old analytics tables once they are empty.
 */
/** @param {{ config?: string; persistTo?: string }} [opts] */
export function applyLocalMigrations({ config = "wrangler.toml", persistTo } = {}) {
  const apply = (binding) => {
    const args = ["d1", "migrations", "apply", binding, "--local", "-c", config];
    if (persistTo) args.push("--persist-to", persistTo);
    return wranglerSync(args, { env: { CI: "true" } });
  };
  if (config === "wrangler.toml") {
    apply("ANALYTICS_DB");
    upgradeAnalyticsDb({ config, persistTo });
  }
  return apply("DB");
}

/** @returns {Promise<number>} */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start `wrangler dev` for one or more configs; resolves once `readyPath` answers. Its dev
 * registry is the checkout's own (.wrangler/registry) unless WRANGLER_REGISTRY_PATH says
 * otherwise, so it never binds to another checkout's Workers.
 * Returns { url, port, proc, stop(), logs() }.
 * @param {{ configs?: string[]; port?: number; persistTo?: string; vars?: Record<string, string>; readyPath?: string; timeoutMs?: number; extraArgs?: string[]; stdio?: "pipe" | "inherit" }} [opts]
 */
export async function startWrangler({
  configs = ["wrangler.toml"],
  port,
  persistTo,
  vars = {},
  readyPath = "/v2/liveness",
  timeoutMs = 90_000,
  extraArgs = [],
  stdio = "pipe",
} = {}) {
  port ??= await freePort();
  const inspectorPort = await freePort();
  const args = [
    "dev",
    ...configs.flatMap((c) => ["-c", c]),
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
  ];
  if (persistTo) args.push("--persist-to", persistTo);
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  args.push(...extraArgs);
  const env = offlineEnv({ WRANGLER_REGISTRY_PATH: process.env.WRANGLER_REGISTRY_PATH || path.join(ROOT, ".wrangler/registry") });
  const proc = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env, stdio: stdio === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout?.on("data", (d) => (output += d));
  proc.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.on("exit", () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(url + readyPath);
      if (res.status < 500) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  if (Date.now() >= deadline) {
    proc.kill("SIGTERM");
    throw new Error(`wrangler dev did not become ready on ${url}:\n${output}`);
  }
  return {
    url,
    port,
    proc,
    logs: () => output,
    // Miniflare keeps Queue messages in memory: a stop loses what is still queued. Before the
    // SIGTERM, give the analytics pipeline time to drain: an event leaves its isolate ~5 ms after
    // the answer, the Queue delivers within max_batch_timeout (1 s), the consumer writes in ms
    // (docs/analytics.md → What a crash or a stop can lose). `drainMs: 0` stops at once.
    stop: ({ drainMs = 1500 } = {}) =>
      /** @type {Promise<void>} */ (
        new Promise((resolve) => {
          if (exited) return resolve();
          proc.once("exit", () => resolve());
          setTimeout(() => {
            proc.kill("SIGTERM");
            setTimeout(() => proc.kill("SIGKILL"), 5000).unref();
          }, drainMs);
        })
      ),
  };
}
