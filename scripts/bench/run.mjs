#!/usr/bin/env node
// `npm run bench`: bundles the Workers as `wrangler deploy` would, runs them in one workerd
// process through Miniflare on fresh local state (scripts/bench/stack.mjs), seeds a workspace
// with --keys keys (default 10,000), and drives each scenario with autocannon from a separate
// process at a fixed concurrency for a fixed time. Prints requests/s, p50, p99 and the ratio to
// `liveness` measured in the same process and run; writes bench/results.json and
// bench/BENCHMARKS.table.md (copied into BENCHMARKS.md by hand). See BENCHMARKS.md.
//
// Flags: --keys N  --duration S (10)  --connections C (50)  --latency-duration S (5)
//   --smoke (seconds-long run, few keys, no Redis, writes to a temp dir)  --no-peer  --no-sentinel
//   --only a,b (scenario names)  --out DIR
//   --with-consumer (run the analytics Queue consumer in the measured process, see BENCHMARKS.md)
//   --state-dir DIR (where the local D1/DO/Cache state lives; default /dev/shm when present)
//   --serve (seed, start the server, print its URL, root key and sample keys, wait: for profiling)
//   --inspector-port P (with --serve: the Workers' V8 inspector, for scripts/bench/profile.mjs)
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, freePort } from "../lib/wrangler.mjs";
import { migrateState, prepare, API_CONFIG, SENTINEL_CONFIG } from "../lib/runner.mjs";
import { findD1File, seed } from "./seed.mjs";

const { values: args } = parseArgs({
  options: {
    keys: { type: "string", default: "10000" },
    duration: { type: "string" },
    "latency-duration": { type: "string" },
    connections: { type: "string" },
    smoke: { type: "boolean", default: false },
    "no-peer": { type: "boolean", default: false },
    "no-sentinel": { type: "boolean", default: false },
    serve: { type: "boolean", default: false },
    "with-consumer": { type: "boolean", default: false },
    "state-dir": { type: "string" },
    "inspector-port": { type: "string" },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const smoke = args.smoke;
const KEYS = smoke ? 200 : Number(args.keys);
const DURATION = Number(args.duration ?? (smoke ? 1 : 10));
const LATENCY_DURATION = Number(args["latency-duration"] ?? (smoke ? 1 : 5));
const CONNECTIONS = Number(args.connections ?? (smoke ? 4 : 50));
const OUT = args.out ?? (smoke ? mkdtempSync(path.join(tmpdir(), "bench-smoke-")) : path.join(ROOT, "bench"));
const only = args.only ? new Set(args.only.split(",")) : null;
const ADMIN_KEY = "bench-admin-key";
const SENTINEL_HOST_SUFFIX = ".localhost";

const cleanups = [];
async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  cleanups.length = 0;
}
process.on("SIGINT", async () => (await cleanup(), process.exit(130)));

function log(...a) {
  console.error(...a);
}

async function post(url, body, token, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: /** @type {any} */ (await res.json().catch(() => null)) };
}

// The scenario travels in a file: 10,000 request bodies on the command line exceed the
// kernel's per-argument limit (spawn fails with E2BIG, the old "load generator failed").
let loadSeq = 0;
function runLoad(scenario) {
  const file = path.join(work, `scenario-${loadSeq++}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/bench/load.mjs"), file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  rmSync(file, { force: true });
  if (r.status !== 0) throw new Error(`load generator failed (${r.status ?? r.signal ?? r.error}): ${r.stderr ?? ""}`);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------- bundles, state and seed
// State on tmpfs: on this VM's shared disk every Durable Object write waits for an fsync whose
// latency depends on the neighbours' I/O (BENCHMARKS.md → Settings).
const stateRoot = args["state-dir"] ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const work = mkdtempSync(path.join(stateRoot, "bench-"));
cleanups.push(async () => rmSync(work, { recursive: true, force: true }));
process.on("exit", () => rmSync(work, { recursive: true, force: true })); // also when this script fails
const persistTo = path.join(work, "state");

const withSentinel = !args["no-sentinel"] && existsSync(path.join(ROOT, "wrangler.sentinel.toml")) && existsSync(path.join(ROOT, "workers/sentinel/index.ts"));
log("bundling the Workers (wrangler deploy --dry-run)…");
// the local runner's bundles and bindings (scripts/lib/runner.mjs)
const preparedDir = path.join(work, "bundle");
const prepared = await prepare({ outDir: preparedDir, configs: withSentinel ? [API_CONFIG, SENTINEL_CONFIG] : [API_CONFIG] });

log(`seeding ${KEYS.toLocaleString("en")} keys…`);
await migrateState(prepared, persistTo);
const t0 = Date.now();
const seeded = seed(findD1File(persistTo), { keys: KEYS, sampleSize: Math.min(1000, Math.ceil(KEYS / 4)) });
log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// ---------------------------------------------------------------- the server: one workerd process
/**
 * Every Worker in one Miniflare/workerd process: the API (default route), the same API bundle
 * with CACHE_MODE=keys-off for cold verification (Host cold.bench), the Sentinel (Host *.localhost)
 * with its service binding to the API's ApiEntrypoint, and a trivial upstream app (Host
 * upstream.bench) the Sentinel forwards to.
 */
async function startStack() {
  const readyFile = path.join(work, `ready-${Date.now()}.json`);
  const logFile = path.join(work, "server.log");
  /** @type {Record<string, any>[]} the runner's workers spec (scripts/lib/runner.mjs) */
  const workers = [
    { worker: 0, vars: { ADMIN_KEY }, noQueueConsumers: !args["with-consumer"] },
    { worker: 0, name: "keyforge-api-cold", vars: { ADMIN_KEY, CACHE_MODE: "keys-off" }, routes: ["cold.bench/*"], noQueueConsumers: true },
  ];
  if (withSentinel) {
    workers.push({
      worker: 1,
      routes: [`*${SENTINEL_HOST_SUFFIX}/*`],
      services: { UPSTREAM: { name: "bench-upstream" } },
      vars: { APP_WORKER_BINDINGS: JSON.stringify(["UPSTREAM"]) },
    });
    workers.push({ name: "bench-upstream", scriptPath: "scripts/bench/upstream-worker.js", compatibilityDate: "2026-11-01", routes: ["upstream.bench/*"] });
  }
  const fd = openSync(logFile, "a");
  // Every Durable Object keeps its own SQLite database open (a few file descriptors each), so
  // 10,000 identifiers need more than a usual open-files limit: raise it for workerd, as far as
  // we may (beyond it SQLite answers SQLITE_CANTOPEN and the limiter fails with a 500).
  const raise = 'ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';
  const stackArgs = [
    path.join(ROOT, "scripts/bench/stack.mjs"),
    JSON.stringify({ persistTo, preparedDir, readyFile, workers, inspectorPort: args["inspector-port"] ? Number(args["inspector-port"]) : undefined }),
  ];
  const proc = spawn("sh", ["-c", raise, process.execPath, ...stackArgs], { cwd: ROOT, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  let exited = false;
  proc.on("exit", () => (exited = true));
  process.on("exit", () => exited || proc.kill("SIGTERM")); // also when this script fails
  const deadline = Date.now() + 120_000;
  while (!existsSync(readyFile)) {
    if (exited || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the benchmark server did not start:\n${readFileSync(logFile, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const { url } = JSON.parse(readFileSync(readyFile, "utf8"));
  return {
    url,
    logs: () => readFileSync(logFile, "utf8"),
    stop: () =>
      /** @type {Promise<void>} */ (
        new Promise((resolve) => {
          if (exited) return resolve();
          proc.once("exit", () => resolve());
          proc.kill("SIGTERM");
          setTimeout(() => proc.kill("SIGKILL"), 5000).unref();
        })
      ),
  };
}

const stack = await startStack();
cleanups.push(() => stack.stop());
const routes = new Set(Object.keys(/** @type {any} */ (await (await fetch(`${stack.url}/openapi.json`)).json()).paths));
const has = (op) => routes.has(`/v2/${op}`);
const auth = { authorization: `Bearer ${seeded.rootKey}`, "content-type": "application/json" };

const results = [];
const skipped = [];
function want(name) {
  return !only || only.has(name);
}

/** Checks one request answers as expected, warms caches for a second, then measures. */
const EDGE_HEADERS = { "cf-ray": "8f0e7a6b5c4d3e2f-BENCH", "cf-connecting-ip": "198.51.100.7" };

async function scenario(name, o) {
  if (!want(name)) return;
  if (o.requires && !o.requires.every(has)) {
    skipped.push({ name, reason: `not implemented: ${o.requires.filter((r) => !has(r)).join(", ")}` });
    return;
  }
  const url = o.url;
  // what Cloudflare's edge adds to every request (the Workers read the colo from CF-Ray); the peer gets none
  const headers = o.target === "peer" ? (o.headers ?? auth) : { ...EDGE_HEADERS, ...(o.headers ?? auth) };
  if (o.check) {
    const body = o.bodies ? o.bodies[0] : o.body;
    const probe = await probeOnce(url, o.method ?? "POST", headers, body);
    const problem = o.check(probe.status, probe.json);
    if (problem) throw new Error(`${name}: sanity check failed: ${problem}: ${probe.text.slice(0, 500)}`);
  }
  const mode = o.mode ?? "throughput";
  const connections = mode === "latency" ? 1 : CONNECTIONS;
  const duration = mode === "latency" ? LATENCY_DURATION : DURATION;
  const base = { url, method: o.method ?? "POST", headers, connections, bodies: o.bodies, body: o.body, mode };
  if (o.warm !== false && !smoke) runLoad({ ...base, duration: 1 });
  log(`running ${name} (${duration}s, ${connections} connection${connections > 1 ? "s" : ""})…`);
  const r = runLoad({ ...base, duration });
  results.push({ name, mode, target: o.target ?? "api", note: o.note ?? "", connections, duration, ...r });
  log(`  ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.errors + r.non2xx ? `, ${r.errors} errors, ${r.non2xx} non-2xx` : ""}`);
}

/** One request via node:http (fetch cannot set Host, which routes between the Workers). */
async function probeOnce(url, method, headers, body) {
  const http = await import("node:http");
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    // agent: false — a pooled keep-alive socket the server has meanwhile closed answers "socket hang up"
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const api = stack.url;
const verifyUrl = `${api}/v2/keys.verifyKey`;
const verifyBodies = (keys, extra = {}) => keys.map((key) => JSON.stringify({ key, ...extra }));
const validCheck = (s, j) => (s !== 200 ? `status ${s}` : j?.data?.valid !== true ? `not valid (${j?.data?.code})` : null);
const okCheck = (s, j) => (s !== 200 ? `status ${s}` : j?.data?.success === false ? "denied" : null);
const plain = seeded.samples.plain;

if (args.serve) {
  const sentinel = withSentinel ? await setUpSentinel() : null;
  writeFileSync(path.join(work, "serve.json"), JSON.stringify({ url: stack.url, sentinelHost: sentinel, ...seeded }));
  console.log(JSON.stringify({ url: stack.url, rootKey: seeded.rootKey, apiId: seeded.apiId, sentinelHost: sentinel, samples: path.join(work, "serve.json") }));
  await new Promise((r) => process.once("SIGTERM", r));
  await cleanup();
  process.exit(0);
}

await scenario("liveness", {
  url: `${api}/v2/liveness`,
  method: "GET",
  headers: {},
  check: (s) => (s === 200 ? null : `status ${s}`),
  note: "ceiling: a route that does nothing",
});
await scenario("verifyKey warm", {
  url: verifyUrl,
  requires: ["keys.verifyKey"],
  bodies: verifyBodies(plain.slice(0, 100)),
  check: validCheck,
  note: "100 keys, caches hot",
});
await scenario("verifyKey cold", {
  url: verifyUrl,
  headers: { ...auth, host: "cold.bench" },
  requires: ["keys.verifyKey"],
  bodies: verifyBodies(plain),
  check: validCheck,
  warm: false,
  note: `CACHE_MODE=keys-off: the key from D1 every time, the root key from isolate memory (${plain.length} keys)`,
});
await scenario("verifyKey credits", {
  url: verifyUrl,
  requires: ["keys.verifyKey"],
  bodies: verifyBodies(seeded.samples.credits.slice(0, 100)),
  check: validCheck,
  note: "1 credit per call (UsageLimiter DO)",
});
await scenario("verifyKey ratelimit", {
  url: verifyUrl,
  requires: ["keys.verifyKey"],
  bodies: verifyBodies(seeded.samples.ratelimited.slice(0, 100)),
  check: validCheck,
  note: "auto-applied key limit (RateLimiter DO)",
});
await scenario("verifyKey permissions", {
  url: verifyUrl,
  requires: ["keys.verifyKey"],
  bodies: verifyBodies(seeded.samples.permissioned.slice(0, 100), { permissions: "documents.read OR admin" }),
  check: validCheck,
  note: "permission query",
});

const rlUrl = `${api}/v2/ratelimit.limit`;
const rlBody = (identifier) => JSON.stringify({ namespace: "bench", identifier, limit: 1_000_000_000, duration: 60_000 });
const ids10k = Array.from({ length: 10_000 }, (_, i) => `user_${i}`);
await scenario("ratelimit.limit 1 id", {
  url: rlUrl,
  requires: ["ratelimit.limit"],
  body: rlBody("user_hot"),
  check: okCheck,
  note: "one identifier (one shard DO)",
});
await scenario("ratelimit.limit 10k ids", {
  url: rlUrl,
  requires: ["ratelimit.limit"],
  bodies: ids10k.map(rlBody),
  check: okCheck,
  note: "10,000 identifiers: 64 shard DOs",
});
// its own namespace, so every identifier is new to its shard (100,000 bodies; a 10 s run reaches the first ~20,000–30,000)
const rlBody100k = (identifier) => JSON.stringify({ namespace: "bench_100k", identifier, limit: 1_000_000_000, duration: 60_000 });
await scenario("ratelimit.limit 100k ids", {
  url: rlUrl,
  requires: ["ratelimit.limit"],
  bodies: Array.from({ length: 100_000 }, (_, i) => rlBody100k(`user_${i}`)),
  check: okCheck,
  note: "100,000 identifiers: 64 shard DOs",
});
await scenario("ratelimit.multiLimit 3", {
  url: `${api}/v2/ratelimit.multiLimit`,
  requires: ["ratelimit.multiLimit"],
  // 1,000 identifiers × 3 namespaces = 3,000 objects (each costs ~200 KB of workerd memory here)
  bodies: ids10k
    .slice(0, 1000)
    .map((id) => JSON.stringify(["a", "b", "c"].map((ns) => ({ namespace: `bench_${ns}`, identifier: id, limit: 1_000_000_000, duration: 60_000 })))),
  check: (s, j) => (s !== 200 ? `status ${s}` : j?.data?.passed === false ? "denied" : null),
  note: "3 limits of 1,000 ids: 3 DOs, reserve + commit",
});

// ---------------------------------------------------------------- the Sentinel
let sentinelHost = null;
if (withSentinel && (want("sentinel keyauth") || want("upstream direct") || want("sentinel keyauth (latency)") || want("upstream direct (latency)"))) {
  sentinelHost = await setUpSentinel().catch((e) => {
    skipped.push({ name: "sentinel", reason: `setup failed: ${e.message}` });
    return null;
  });
}
if (sentinelHost) {
  const keyHeaders = { host: sentinelHost, authorization: `Bearer ${plain[0]}` };
  const direct = {
    url: `${api}/`,
    method: "GET",
    headers: { host: "upstream.bench", authorization: `Bearer ${plain[0]}` },
    check: (s) => (s === 200 ? null : `status ${s}`),
    target: "upstream",
  };
  const through = { url: `${api}/`, method: "GET", headers: keyHeaders, check: (s) => (s === 200 ? null : `status ${s}`), target: "sentinel" };
  await scenario("upstream direct", { ...direct, note: "the Sentinel's upstream Worker, no Sentinel" });
  await scenario("sentinel keyauth", { ...through, note: "Sentinel → keyauth (ApiEntrypoint, in-process) → upstream" });
  await scenario("upstream direct (latency)", { ...direct, mode: "latency", note: "1 connection, sequential" });
  await scenario("sentinel keyauth (latency)", { ...through, mode: "latency", note: "1 connection, sequential" });
} else if (!withSentinel) {
  skipped.push({ name: "sentinel", reason: args["no-sentinel"] ? "--no-sentinel" : "workers/sentinel not present" });
}
// sequential latency of the core paths, for the per-request cost without queueing
await scenario("liveness (latency)", { url: `${api}/v2/liveness`, method: "GET", headers: {}, mode: "latency", note: "1 connection, sequential" });
await scenario("verifyKey warm (latency)", {
  url: verifyUrl,
  requires: ["keys.verifyKey"],
  bodies: verifyBodies(plain.slice(0, 100)),
  mode: "latency",
  note: "1 connection, sequential",
});
await scenario("verifyKey cold (latency)", {
  url: verifyUrl,
  headers: { ...auth, host: "cold.bench" },
  requires: ["keys.verifyKey"],
  bodies: verifyBodies(plain),
  mode: "latency",
  note: "1 connection, sequential, CACHE_MODE=keys-off",
});
await scenario("ratelimit.limit (latency)", {
  url: rlUrl,
  requires: ["ratelimit.limit"],
  bodies: ids10k.map(rlBody),
  mode: "latency",
  note: "1 connection, sequential",
});

async function setUpSentinel() {
  const r = async (op, body) => {
    const res = await post(`${api}/v2/${op}`, body, seeded.rootKey);
    if (res.status >= 300) throw new Error(`${op}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  await r("projects.createProject", { name: "bench", slug: "bench" });
  await r("apps.createApp", { project: "bench", name: "web", slug: "web" });
  await r("gateway.setPolicies", {
    project: "bench",
    app: "web",
    environment: "production",
    policies: [{ name: "keys", enabled: true, keyauth: { keyspaces: [seeded.apiId] } }],
  });
  await r("deployments.createDeployment", { project: "bench", app: "web", environment: "production", upstream: { worker: "UPSTREAM" } });
  const env = await r("environments.getEnvironment", { project: "bench", app: "web", environment: "production" });
  const host = env.hostnames.find((h) => h.endsWith(SENTINEL_HOST_SUFFIX)) ?? env.hostnames[0];
  if (!host) throw new Error("the environment has no hostname");
  return host;
}

await stack.stop();

// ---------------------------------------------------------------- the Redis peer
if (!smoke && !args["no-peer"] && (want("peer liveness") || want("peer 1 id") || want("peer 10k ids"))) {
  let redisBin = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
  if (!redisBin && process.getuid?.() === 0) {
    log("installing redis-server…");
    execFileSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server"], { stdio: "inherit" });
    redisBin = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
  }
  if (!redisBin) {
    skipped.push({ name: "peer", reason: "redis-server not installed (run as root to install it)" });
  } else {
    const redisPort = await freePort();
    const redis = spawn(redisBin, ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    cleanups.push(async () => redis.kill());
    process.on("exit", () => redis.kill()); // also when this script fails
    const peerPort = await freePort();
    const peer = spawn(process.execPath, [path.join(ROOT, "scripts/bench/peer.mjs"), String(peerPort), String(redisPort)], { stdio: "ignore" });
    cleanups.push(async () => peer.kill());
    process.on("exit", () => peer.kill());
    const peerUrl = `http://127.0.0.1:${peerPort}/v2/ratelimit.limit`;
    for (let i = 0; i < 50; i++) {
      try {
        if ((await fetch(peerUrl, { method: "POST", body: rlBody("probe") })).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
    const peerHeaders = { "content-type": "application/json" };
    await scenario("peer liveness", {
      url: peerUrl.replace("ratelimit.limit", "liveness"),
      method: "GET",
      headers: {},
      target: "peer",
      note: "the peer's own ceiling: a Node route that does nothing",
    });
    await scenario("peer 1 id", {
      url: peerUrl,
      headers: peerHeaders,
      body: rlBody("user_hot"),
      check: okCheck,
      target: "peer",
      note: "rate-limiter-flexible + Redis",
    });
    await scenario("peer 10k ids", {
      url: peerUrl,
      headers: peerHeaders,
      bodies: ids10k.map(rlBody),
      check: okCheck,
      target: "peer",
      note: "rate-limiter-flexible + Redis",
    });
    await scenario("peer limit (latency)", {
      url: peerUrl,
      headers: peerHeaders,
      bodies: ids10k.map(rlBody),
      mode: "latency",
      target: "peer",
      note: "1 connection, sequential",
    });
  }
}
await cleanup();

// ---------------------------------------------------------------- report
const live = results.find((r) => r.name === "liveness");
for (const r of results) r.ratio = live && r.mode !== "latency" ? +(r.rps / live.rps).toFixed(2) : null;
const by = (n) => results.find((r) => r.name === n);
const derived = {};
if (by("ratelimit.limit 1 id") && by("peer 1 id")) derived.ratelimitVsPeer1 = +(by("ratelimit.limit 1 id").rps / by("peer 1 id").rps).toFixed(2);
if (by("ratelimit.limit 10k ids") && by("peer 10k ids")) derived.ratelimitVsPeer10k = +(by("ratelimit.limit 10k ids").rps / by("peer 10k ids").rps).toFixed(2);
if (by("peer 1 id") && by("peer liveness")) derived.peerLimitVsPeerLiveness = +(by("peer 1 id").rps / by("peer liveness").rps).toFixed(2);
if (by("ratelimit.limit 1 id") && live) derived.ratelimitVsLiveness = +(by("ratelimit.limit 1 id").rps / live.rps).toFixed(2);
if (by("sentinel keyauth (latency)") && by("upstream direct (latency)")) {
  derived.sentinelOverheadP50Ms = +(by("sentinel keyauth (latency)").p50 - by("upstream direct (latency)").p50).toFixed(3);
  derived.sentinelOverheadP99Ms = +(by("sentinel keyauth (latency)").p99 - by("upstream direct (latency)").p99).toFixed(3);
}
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memGiB: +(totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  loadavg1: +loadavg()[0].toFixed(2),
};
const run = {
  date: new Date().toISOString(),
  keys: KEYS,
  stateDir: stateRoot,
  analyticsConsumer: args["with-consumer"] ? "in the measured process" : "off (events stay queued)",
  duration: DURATION,
  latencyDuration: LATENCY_DURATION,
  connections: CONNECTIONS,
  server: "miniflare (bundled Workers, one workerd process)",
  machine,
  results,
  derived,
  skipped,
};

console.log(`\n${renderRun(run)}\n`);

mkdirSync(OUT, { recursive: true });
const resultsFile = path.join(OUT, "results.json");
const all = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : { runs: {} };
all.runs[String(KEYS)] = run;
writeFileSync(resultsFile, JSON.stringify(all, null, 2) + "\n");
writeFileSync(path.join(OUT, "BENCHMARKS.table.md"), renderTables(all));
console.log(`results: ${resultsFile}`);
// a run into the repository's bench/ also refreshes the tables in BENCHMARKS.md (between markers)
const doc = path.join(ROOT, "BENCHMARKS.md");
if (path.resolve(OUT) === path.join(ROOT, "bench") && existsSync(doc)) {
  const text = readFileSync(doc, "utf8");
  const a = text.indexOf("<!-- bench:tables -->");
  const b = text.indexOf("<!-- /bench:tables -->");
  if (a >= 0 && b > a) {
    writeFileSync(doc, `${text.slice(0, a)}<!-- bench:tables -->\n\n${renderTables(all)}\n${text.slice(b)}`);
    console.log(`tables refreshed in ${doc}`);
  }
}

function renderRun(r) {
  const fmt = (v) => (v === null || v === undefined ? "–" : typeof v === "number" ? String(v) : v);
  const tp = r.results.filter((x) => x.mode !== "latency");
  const lat = r.results.filter((x) => x.mode === "latency");
  const lines = [
    `### ${r.keys.toLocaleString("en")} keys — ${r.date.slice(0, 16).replace("T", " ")} UTC, ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, load average ${r.machine.loadavg1 ?? "?"} at the end`,
    "",
    `Throughput: ${r.duration}s per scenario at ${r.connections} connections, autocannon in a separate process. State in ${r.stateDir ?? "?"}; analytics Queue consumer ${r.analyticsConsumer ?? "?"}.`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | × liveness | errors | note |",
    "|---|---:|---:|---:|---:|---:|---|",
    ...tp.map(
      (x) => `| ${x.name} | ${Math.round(x.rps).toLocaleString("en")} | ${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.ratio)} | ${x.errors + x.non2xx} | ${x.note} |`,
    ),
  ];
  if (lat.length) {
    lines.push(
      "",
      `Latency: one connection, requests back to back for ${r.latencyDuration ?? "?"}s, µs timer.`,
      "",
      "| scenario | req/s | p50 ms | p99 ms | errors |",
      "|---|---:|---:|---:|---:|",
      ...lat.map(
        (x) => `| ${x.name.replace(" (latency)", "")} | ${Math.round(x.rps).toLocaleString("en")} | ${fmt(x.p50)} | ${fmt(x.p99)} | ${x.errors + x.non2xx} |`,
      ),
    );
  }
  const d = r.derived ?? {};
  const notes = [];
  if (d.ratelimitVsPeer1 !== undefined)
    notes.push(`ratelimit.limit vs the Redis peer: ${d.ratelimitVsPeer1}× (1 id), ${d.ratelimitVsPeer10k ?? "–"}× (10k ids)`);
  if (d.peerLimitVsPeerLiveness !== undefined)
    notes.push(
      `each against its own ceiling: ratelimit.limit ${d.ratelimitVsLiveness ?? "–"}× our liveness, the peer's limit ${d.peerLimitVsPeerLiveness}× the peer's liveness`,
    );
  if (d.sentinelOverheadP50Ms !== undefined)
    notes.push(
      `Sentinel keyauth overhead: ${d.sentinelOverheadP50Ms} ms at p50, ${d.sentinelOverheadP99Ms} ms at p99 (latency table, sentinel − upstream direct)`,
    );
  if (notes.length) lines.push("", ...notes.map((n) => `- ${n}`));
  if (r.skipped?.length) lines.push("", `Skipped: ${r.skipped.map((s) => `${s.name} (${s.reason})`).join("; ")}`);
  return lines.join("\n");
}

function renderTables(all) {
  return (
    Object.values(all.runs)
      .sort((a, b) => a.keys - b.keys)
      .map(renderRun)
      .join("\n\n") + "\n"
  );
}
