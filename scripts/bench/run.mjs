#!/usr/bin/env node
// `npm run bench`: starts the API with wrangler dev on fresh local state, seeds a workspace with
// --keys keys (default 10,000), and drives each scenario with autocannon from a separate process
// at a fixed concurrency for a fixed time. Prints requests/s, p50, p99 and the ratio to
// `liveness` measured in the same run; writes bench/results.json and BENCHMARKS.md.
//
// Flags: --keys N  --duration S (10)  --connections C (50)  --smoke (seconds-long run, no Redis,
// writes to a temp dir)  --no-peer (skip the Redis peer)  --only a,b  --out DIR
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, applyLocalMigrations, freePort, startWrangler } from "../lib/wrangler.mjs";
import { findD1File, seed } from "./seed.mjs";

const { values: args } = parseArgs({
  options: {
    keys: { type: "string", default: "10000" },
    duration: { type: "string" },
    connections: { type: "string" },
    smoke: { type: "boolean", default: false },
    "no-peer": { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const smoke = args.smoke;
const KEYS = smoke ? 200 : Number(args.keys);
const DURATION = Number(args.duration ?? (smoke ? 1 : 10));
const CONNECTIONS = Number(args.connections ?? (smoke ? 4 : 50));
const OUT = args.out ?? (smoke ? mkdtempSync(path.join(tmpdir(), "bench-smoke-")) : path.join(ROOT, "bench"));
const only = args.only ? new Set(args.only.split(",")) : null;
const ADMIN_KEY = "bench-admin-key";

const cleanups = [];
async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
}
process.on("SIGINT", async () => (await cleanup(), process.exit(130)));

function log(...a) {
  console.error(...a);
}

async function post(url, body, token) {
  const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

function runLoad(scenario) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/bench/load.mjs"), JSON.stringify(scenario)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`load generator failed (${r.status ?? r.signal ?? r.error}): ${r.stderr ?? ""}`);
  return JSON.parse(r.stdout);
}

async function startApi(persistTo, vars = {}) {
  return startWrangler({ persistTo, vars: { ADMIN_KEY, ...vars } });
}

// ---------------------------------------------------------------- state and seed
const persistTo = mkdtempSync(path.join(tmpdir(), "bench-state-"));
cleanups.push(async () => rmSync(persistTo, { recursive: true, force: true }));
log(`seeding ${KEYS.toLocaleString()} keys…`);
applyLocalMigrations({ persistTo });
const t0 = Date.now();
const seeded = seed(findD1File(persistTo), { keys: KEYS, sampleSize: Math.min(1000, Math.ceil(KEYS / 4)) });
log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

let api = await startApi(persistTo);
cleanups.push(() => api.stop());
const routes = new Set(Object.keys((await (await fetch(`${api.url}/openapi.json`)).json()).paths));
const has = (op) => routes.has(`/v2/${op}`);
const auth = { authorization: `Bearer ${seeded.rootKey}`, "content-type": "application/json" };

const results = [];
const skipped = [];
function want(name) {
  return !only || only.has(name);
}

/** Checks one request answers as expected, warms caches for `warm` seconds, then measures. */
async function scenario(name, o) {
  if (!want(name)) return;
  if (o.requires && !o.requires.every(has)) {
    skipped.push({ name, reason: `not implemented: ${o.requires.filter((r) => !has(r)).join(", ")}` });
    return;
  }
  const url = o.url;
  if (o.check) {
    const body = o.bodies ? o.bodies[0] : o.body;
    const res = await fetch(url, { method: o.method ?? "POST", headers: o.headers ?? auth, body });
    const json = await res.json().catch(() => null);
    const problem = o.check(res.status, json);
    if (problem) throw new Error(`${name}: sanity check failed: ${problem}: ${JSON.stringify(json)}`);
  }
  const base = { url, method: o.method ?? "POST", headers: o.headers ?? auth, connections: CONNECTIONS, bodies: o.bodies, body: o.body };
  if (o.warm !== false) runLoad({ ...base, duration: 1 });
  log(`running ${name} (${DURATION}s, ${CONNECTIONS} connections)…`);
  const r = runLoad({ ...base, duration: DURATION });
  results.push({ name, target: o.target ?? "api", note: o.note ?? "", ...r });
}

const verifyUrl = `${api.url}/v2/keys.verifyKey`;
const verifyBodies = (keys, extra = {}) => keys.map((key) => JSON.stringify({ key, ...extra }));
const validCheck = (s, j) => (s !== 200 ? `status ${s}` : j?.data?.valid !== true ? `not valid (${j?.data?.code})` : null);
const okCheck = (s, j) => (s !== 200 ? `status ${s}` : j?.data?.success === false ? "denied" : null);

await scenario("liveness", { url: `${api.url}/v2/liveness`, method: "GET", headers: {}, check: (s) => (s === 200 ? null : `status ${s}`), note: "ceiling: a route that does nothing" });
await scenario("verifyKey warm", { url: verifyUrl, requires: ["keys.verifyKey"], bodies: verifyBodies(seeded.samples.plain.slice(0, 100)), check: validCheck, note: "100 keys, caches hot" });
await scenario("verifyKey credits", { url: verifyUrl, requires: ["keys.verifyKey"], bodies: verifyBodies(seeded.samples.credits.slice(0, 100)), check: validCheck, note: "1 credit per call (UsageLimiter DO)" });
await scenario("verifyKey ratelimit", { url: verifyUrl, requires: ["keys.verifyKey"], bodies: verifyBodies(seeded.samples.ratelimited.slice(0, 100)), check: validCheck, note: "auto-applied key limit (RateLimiter DO)" });
await scenario("verifyKey permissions", { url: verifyUrl, requires: ["keys.verifyKey"], bodies: verifyBodies(seeded.samples.permissioned.slice(0, 100), { permissions: "documents.read OR admin" }), check: validCheck, note: "permission query" });

const rlUrl = `${api.url}/v2/ratelimit.limit`;
const rlBody = (identifier) => JSON.stringify({ namespace: "bench", identifier, limit: 1_000_000_000, duration: 60_000 });
const ids10k = Array.from({ length: 10_000 }, (_, i) => `user_${i}`);
await scenario("ratelimit.limit 1 id", { url: rlUrl, requires: ["ratelimit.limit"], body: rlBody("user_hot"), check: okCheck });
await scenario("ratelimit.limit 10k ids", { url: rlUrl, requires: ["ratelimit.limit"], bodies: ids10k.map(rlBody), check: okCheck });
await scenario("ratelimit.multiLimit 3", {
  url: `${api.url}/v2/ratelimit.multiLimit`,
  requires: ["ratelimit.multiLimit"],
  bodies: ids10k.map((id) =>
    JSON.stringify(["a", "b", "c"].map((ns) => ({ namespace: `bench_${ns}`, identifier: id, limit: 1_000_000_000, duration: 60_000 }))),
  ),
  check: (s, j) => (s !== 200 ? `status ${s}` : j?.data?.passed === false ? "denied" : null),
});

// cold verification: the same server with both cache tiers switched off
if (want("verifyKey cold") && has("keys.verifyKey")) {
  await api.stop();
  api = await startApi(persistTo, { CACHE_MODE: "off" });
  await scenario("verifyKey cold", { url: `${api.url}/v2/keys.verifyKey`, bodies: verifyBodies(seeded.samples.plain), check: validCheck, warm: false, note: "cache off: root key and key from D1 every time" });
}
await api.stop();

// ---------------------------------------------------------------- the Redis peer
if (!smoke && !args["no-peer"] && (want("peer 1 id") || want("peer 10k ids"))) {
  let redisBin = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
  if (!redisBin && process.getuid?.() === 0) {
    log("installing redis-server…");
    execFileSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server"], { stdio: "inherit" });
    redisBin = "redis-server";
  }
  if (!redisBin) {
    skipped.push({ name: "peer", reason: "redis-server not installed (run as root to install it)" });
  } else {
    const redisPort = await freePort();
    const redis = spawn(redisBin, ["--port", String(redisPort), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    cleanups.push(async () => redis.kill());
    const peerPort = await freePort();
    const peer = spawn(process.execPath, [path.join(ROOT, "scripts/bench/peer.mjs"), String(peerPort), String(redisPort)], { stdio: "ignore" });
    cleanups.push(async () => peer.kill());
    const peerUrl = `http://127.0.0.1:${peerPort}/v2/ratelimit.limit`;
    for (let i = 0; i < 50; i++) {
      try {
        if ((await fetch(peerUrl, { method: "POST", body: rlBody("probe") })).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
    await scenario("peer 1 id", { url: peerUrl, headers: { "content-type": "application/json" }, body: rlBody("user_hot"), check: okCheck, target: "peer", note: "rate-limiter-flexible + Redis" });
    await scenario("peer 10k ids", { url: peerUrl, headers: { "content-type": "application/json" }, bodies: ids10k.map(rlBody), check: okCheck, target: "peer", note: "rate-limiter-flexible + Redis" });
  }
}
await cleanup();

// ---------------------------------------------------------------- report
const live = results.find((r) => r.name === "liveness");
for (const r of results) r.ratio = live ? +(r.rps / live.rps).toFixed(2) : null;
const peer1 = results.find((r) => r.name === "peer 1 id");
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version };
const run = { date: new Date().toISOString(), keys: KEYS, duration: DURATION, connections: CONNECTIONS, machine, results, skipped };

const table = [
  "| scenario | req/s | p50 ms | p99 ms | × liveness | errors | note |",
  "|---|---:|---:|---:|---:|---:|---|",
  ...results.map((r) => `| ${r.name} | ${Math.round(r.rps).toLocaleString("en")} | ${r.p50} | ${r.p99} | ${r.ratio ?? "–"} | ${r.errors + r.non2xx} | ${r.note} |`),
].join("\n");
console.log(`\n${KEYS.toLocaleString("en")} keys, ${DURATION}s per scenario, ${CONNECTIONS} connections\n\n${table}\n`);
if (peer1) {
  const rl = results.find((r) => r.name === "ratelimit.limit 1 id");
  if (rl) console.log(`ratelimit.limit vs Redis peer: ${(rl.rps / peer1.rps).toFixed(2)}×`);
}
for (const s of skipped) console.log(`skipped ${s.name}: ${s.reason}`);

mkdirSync(OUT, { recursive: true });
const resultsFile = path.join(OUT, "results.json");
const all = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : { runs: {} };
all.runs[String(KEYS)] = run;
writeFileSync(resultsFile, JSON.stringify(all, null, 2) + "\n");
writeFileSync(path.join(OUT, "BENCHMARKS.table.md"), renderTables(all));
console.log(`results: ${resultsFile}`);

function renderTables(all) {
  return Object.values(all.runs)
    .sort((a, b) => a.keys - b.keys)
    .map(
      (r) =>
        `### ${r.keys.toLocaleString("en")} keys — ${r.date.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memGiB} GiB, Node ${r.machine.node}\n\n` +
        `${r.duration}s per scenario, ${r.connections} connections, load from a separate process (autocannon).\n\n` +
        [
          "| scenario | req/s | p50 ms | p99 ms | × liveness | errors | note |",
          "|---|---:|---:|---:|---:|---:|---|",
          ...r.results.map((x) => `| ${x.name} | ${Math.round(x.rps).toLocaleString("en")} | ${x.p50} | ${x.p99} | ${x.ratio ?? "–"} | ${x.errors + x.non2xx} | ${x.note} |`),
        ].join("\n") +
        (r.skipped.length ? `\n\nSkipped: ${r.skipped.map((s) => `${s.name} (${s.reason})`).join("; ")}` : ""),
    )
    .join("\n\n") + "\n";
}
