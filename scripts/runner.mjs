#!/usr/bin/env node
// `npm start` / `npm run dev` (--watch): the API Worker and the Sentinel in one local runtime
// process (scripts/lib/runner.mjs), state in .wrangler/state, offline.
//
// Environment: PORT (8787), SENTINEL_PORT (8788), INSPECT=1 (V8 inspector on INSPECTOR_PORT,
// default 9229; off otherwise), ALLOW_LOCAL_DESTINATIONS=1 (Workers may fetch loopback
// addresses; never private ranges), SENTINEL_BASE_DOMAIN, ADMIN_KEY / ENCRYPTION_KEYS (else
// .dev.vars, generated when missing), KEYFORGE_LOCAL_DIR (instead of .wrangler/: state, bundles,
// runner.json).
//
// Harness mode (tests): `--spec <json>` with the options of startRunner plus { preparedDir };
// reports { ready } or { error } over the IPC channel and writes no runner file.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, watch, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEV_VARS, ensureDevVars, parseDevVars } from "./lib/devvars.mjs";
import { PROBE } from "./lib/front.mjs";
import { RunnerError, prepare, readPrepared, startRunner } from "./lib/runner.mjs";
import { ROOT, applyLocalMigrations } from "./lib/wrangler.mjs";
import { localNeedsUpgrade } from "./lib/upgradeAnalyticsDb.mjs";
import { BUNDLE_DIR, RUNNER_FILE, STATE_DIR } from "./lib/runnerFile.mjs";

const { values: args } = parseArgs({ options: { watch: { type: "boolean", default: false }, spec: { type: "string" } } });

if (args.spec) await harness(JSON.parse(args.spec));
else await main();

async function harness(spec) {
  try {
    const prepared = spec.preparedDir ? readPrepared(spec.preparedDir) : undefined;
    const runner = await startRunner({ ...spec, prepared, onMigrations: undefined });
    process.send?.({ ready: { url: runner.url, sentinelUrl: runner.sentinelUrl, internal: runner.internal, stateDir: runner.stateDir, pid: process.pid } });
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await runner.stop();
      process.exit(0);
    };
    onStopSignals(stop);
    process.on("disconnect", stop); // the test process is gone: do not outlive it
  } catch (/** @type {any} */ err) {
    process.send?.({ error: err instanceof RunnerError ? err.message : String(err?.stack ?? err) });
    process.exitCode = 1;
    process.disconnect?.();
  }
}

function envPort(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name}=${v} is not a port number.`);
    process.exit(1);
  }
  return n;
}

async function main() {
  const port = envPort("PORT", 8787);
  const sentinelPort = envPort("SENTINEL_PORT", 8788);
  const allowLocalDestinations = process.env.ALLOW_LOCAL_DESTINATIONS === "1";
  const inspectorPort = process.env.INSPECT === "1" ? envPort("INSPECTOR_PORT", 9229) : undefined;

  const { values, fromEnv, generated } = ensureDevVars();
  if (generated.length) console.log(`Generated ${generated.join(", ")} into .dev.vars`);
  // every .dev.vars entry, as wrangler dev would bind it; secrets from the environment win
  const devVars = existsSync(DEV_VARS) ? parseDevVars(readFileSync(DEV_VARS, "utf8")) : {};
  const shared = process.env.SENTINEL_BASE_DOMAIN ? { SENTINEL_BASE_DOMAIN: process.env.SENTINEL_BASE_DOMAIN } : {};
  // from the environment when set: the portal's origins (docs/portal.md), the DoH resolver of domain
  // verification and the Sentinel's app Worker bindings (docs/sentinel.md)
  const fromEnvironment = (names) => Object.fromEntries(names.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
  const apiVars = { LOCAL_DEV: "1", ...fromEnvironment(["PORTAL_BASE_URL", "API_BASE_URL", "DNS_RESOLVER_URL", "TRUSTED_PROXIES"]) };
  const sentinelVars = { ...shared, ...fromEnvironment(["API_BASE_URL", "APP_WORKER_BINDINGS", "TRUSTED_PROXIES"]) };
  const token = randomBytes(12).toString("hex");

  // state from before the analytics database (ANALYTICS_DB): move its rows first, or DB's
  // migration guard stops the start (docs/analytics.md → Upgrading to the analytics database)
  if (localNeedsUpgrade(STATE_DIR)) {
    console.log("Moving analytics rows from DB into ANALYTICS_DB (one-time upgrade)…");
    applyLocalMigrations({ persistTo: STATE_DIR });
  }

  console.log("Bundling the Workers (wrangler deploy --dry-run)…");
  let runner;
  try {
    runner = await startRunner({
      port,
      sentinelPort,
      bundleDir: BUNDLE_DIR,
      stateDir: STATE_DIR,
      token,
      vars: { ...devVars, ...values, ...shared, ...apiVars },
      sentinelVars,
      allowLocalDestinations,
      inspectorPort,
      onMigrations: (binding, files) => console.log(`Applied D1 migrations to ${binding}: ${files.join(", ")}`),
      onRequest: (which, req, status, ms) => console.log(`[${which}] ${req.method} ${req.url.split("?")[0]} ${status} (${ms} ms)`),
    });
  } catch (/** @type {any} */ err) {
    console.error(err instanceof RunnerError ? err.message : err);
    process.exit(1);
  }

  // Readiness: through the public ports, answered by THIS process (the token) and its Workers.
  const probe = async (url) => {
    const res = await fetch(url, { headers: { [PROBE]: "1" } });
    await res.arrayBuffer();
    if (res.headers.get("x-keyforge-runner") !== token || res.status >= 500) throw new Error(`${url} answered ${res.status} without this runner's token`);
  };
  try {
    await probe(`${runner.url}/v2/liveness`);
    await probe(`${runner.sentinelUrl}/`);
  } catch (/** @type {any} */ err) {
    console.error(`Not ready: ${err.message}`);
    await runner.stop();
    process.exit(1);
  }

  mkdirSync(path.dirname(RUNNER_FILE), { recursive: true });
  writeFileSync(
    RUNNER_FILE,
    JSON.stringify(
      { pid: process.pid, token, api: runner.url, sentinel: runner.sentinelUrl, stateDir: runner.stateDir, startedAt: new Date().toISOString() },
      null,
      2,
    ) + "\n",
  );

  const domain = process.env.SENTINEL_BASE_DOMAIN || "localhost";
  console.log(`
API       ${runner.url}   (reference: ${runner.url}/reference, OpenAPI: ${runner.url}/openapi.json)
Sentinel  ${runner.sentinelUrl}   (route by Host: curl -H "Host: <project>-<app>-<workspace>.${domain}" ${runner.sentinelUrl}/ — docs/sentinel.md)
ADMIN_KEY ${values.ADMIN_KEY}${fromEnv.includes("ADMIN_KEY") ? "   (from the environment)" : "   (from .dev.vars)"}
State     ${path.relative(ROOT, runner.stateDir) || "."}   (runner: ${path.relative(ROOT, RUNNER_FILE)})${inspectorPort !== undefined ? `\nInspector 127.0.0.1:${inspectorPort}   (INSPECT=1)` : ""}${allowLocalDestinations ? "\nOutbound  public addresses and loopback (ALLOW_LOCAL_DESTINATIONS=1)" : ""}

Get a root key:
  npm run bootstrap
or
  curl -s ${runner.url}/v2/workspaces.createWorkspace \\
    -H "Authorization: Bearer ${values.ADMIN_KEY}" -H "Content-Type: application/json" \\
    -d '{"name":"my workspace"}'
`);

  if (args.watch) watchSources(runner);

  let stopping = false;
  async function stop() {
    if (stopping) return;
    stopping = true;
    try {
      if (JSON.parse(readFileSync(RUNNER_FILE, "utf8")).pid === process.pid) rmSync(RUNNER_FILE, { force: true });
    } catch {}
    await runner.stop();
    process.exit(0);
  }
  onStopSignals(stop);
}

/**
 * Our stop alone on SIGINT/SIGTERM: Miniflare's exit hooks (signal-exit) would end the process
 * in the same tick, before runner.stop() has let the last Queue batch reach the tables (a clean
 * stop must lose no analytics event). runner.stop() disposes Miniflare itself.
 */
function onStopSignals(stop) {
  for (const signal of /** @type {NodeJS.Signals[]} */ (["SIGINT", "SIGTERM"])) {
    for (const l of process.listeners(signal)) process.off(signal, l);
    process.on(signal, stop);
  }
}

/** `npm run dev`: rebundle and restart workerd (state kept) when a source file changes. */
function watchSources(runner) {
  let timer = null;
  let running = false;
  let again = false;
  const rebuild = async () => {
    if (running) return void (again = true);
    running = true;
    const t0 = Date.now();
    try {
      console.log("Change detected: rebuilding…");
      await runner.reload(await prepare({ outDir: BUNDLE_DIR }));
      console.log(`Reloaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (/** @type {any} */ err) {
      console.error(`Reload failed (still serving the last good build until the next change):\n${err.message ?? err}`);
    }
    running = false;
    if (again) {
      again = false;
      void rebuild();
    }
  };
  for (const dir of ["workers", "durable-objects", "schema"]) {
    const abs = path.join(ROOT, dir);
    if (!existsSync(abs)) continue;
    watch(abs, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(rebuild, 300);
    });
  }
  console.log("Watching workers/, durable-objects/, schema/ for changes.");
}
