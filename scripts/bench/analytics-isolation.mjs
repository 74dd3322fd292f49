#!/usr/bin/env node
// How much one workspace's heaviest allowed analytics query delays another workspace
// (BENCHMARKS.md → Analytics isolation): p50/p99 of keys.verifyKey (cold: CACHE_MODE=off, root
// key and key read from D1 every call) and audit.listLogs of workspace A, alone and while
// workspace B runs analytics queries back to back. Everything runs in the one workerd process
// of scripts/bench/stack.mjs, as locally every Worker shares one thread.
//
//   node scripts/bench/analytics-isolation.mjs [--rows 12000] [--seconds 10] [--connections 4]
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, applyLocalMigrations, wranglerSync } from "../lib/wrangler.mjs";
import { findD1File, seed } from "./seed.mjs";

const { values: args } = parseArgs({
  options: { rows: { type: "string", default: "12000" }, seconds: { type: "string", default: "10" }, connections: { type: "string", default: "4" } },
});
const ROWS = Number(args.rows);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const log = (...a) => console.error(...a);

const work = mkdtempSync(path.join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "bench-analytics-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const persistTo = path.join(work, "state");
const bundle = path.join(work, "api");
log("bundling the API Worker…");
wranglerSync(["deploy", "--dry-run", "--outdir", bundle, "-c", "wrangler.toml"]);
applyLocalMigrations({ persistTo });
const victim = seed(findD1File(persistTo), { keys: 2000, sampleSize: 500 });
const attacker = seed(findD1File(persistTo), { keys: 4, sampleSize: 1 });

log(`writing ${ROWS.toLocaleString("en")} verification rows for the attacking workspace…`);
{
  const db = new DatabaseSync(findD1File(persistTo, "key_verifications_v1"));
  const now = Date.now();
  const ins = db.prepare(
    "INSERT INTO key_verifications_v1 (event_id, batch_id, request_id, time, workspace_id, key_space_id, key_id, outcome, tags) VALUES (?, 'b', ?, ?, ?, 'ks', ?, ?, '[\"path=/a\"]')",
  );
  db.exec("BEGIN");
  const outcomes = ["VALID", "RATE_LIMITED", "EXPIRED", "DISABLED"];
  // one row every 500 ms going back from now (12,000 rows ≈ 100 minutes)
  for (let i = 0; i < ROWS; i++) ins.run(`e${i}`, `r${i}`, now - ((i * 500) % 86_400_000), attacker.workspaceId, `key_${i % 1000}`, outcomes[i % 4]);
  db.exec("COMMIT");
  db.close();
}

// ---- the stack
const readyFile = path.join(work, "ready.json");
const fd = openSync(path.join(work, "server.log"), "a");
const workers = [
  { config: "wrangler.toml", bundleDir: bundle, vars: { ADMIN_KEY: "bench-admin-key" }, noQueueConsumers: true },
  {
    config: "wrangler.toml",
    bundleDir: bundle,
    name: "keyforge-api-cold",
    vars: { ADMIN_KEY: "bench-admin-key", CACHE_MODE: "off" },
    routes: ["cold.bench/*"],
    noQueueConsumers: true,
  },
];
const proc = spawn(process.execPath, [path.join(ROOT, "scripts/bench/stack.mjs"), JSON.stringify({ persistTo, readyFile, workers })], {
  cwd: ROOT,
  stdio: ["ignore", fd, fd],
});
closeSync(fd);
process.on("exit", () => proc.kill("SIGTERM"));
const deadline = Date.now() + 120_000;
while (!existsSync(readyFile)) {
  if (Date.now() > deadline) throw new Error(readFileSync(path.join(work, "server.log"), "utf8"));
  await new Promise((r) => setTimeout(r, 100));
}
const { url } = JSON.parse(readFileSync(readyFile, "utf8"));

async function post(op, body, token, host) {
  const started = performance.now();
  const res = await fetch(`${url}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(host ? { host } : {}) },
    body: JSON.stringify(body),
  });
  const json = /** @type {any} */ (await res.json().catch(() => null));
  return { status: res.status, body: json, ms: performance.now() - started };
}

/** `connections` loops of one operation for `seconds`; latency percentiles. */
async function measure(op, bodyOf, token, host) {
  const lat = [];
  let errors = 0;
  const until = performance.now() + SECONDS * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const r = await post(op, bodyOf(i++), token, host);
        if (r.status !== 200) errors++;
        lat.push(r.ms);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  return { n: lat.length, errors, p50: p(0.5), p99: p(0.99), max: lat[lat.length - 1] };
}

const verify = () => measure("keys.verifyKey", (i) => ({ key: victim.samples.plain[i % victim.samples.plain.length] }), victim.rootKey, "cold.bench");
const audit = () => measure("audit.listLogs", () => ({ limit: 10 }), victim.rootKey);

// the heaviest queries the bounds allow, of different shapes
const tags = Array.from({ length: 30 }, (_, i) => `startsWith(key_id, 'key_${i}')`).join(" OR ");
const QUERIES = {
  "full scan, GROUP BY (12,000 rows)":
    "SELECT key_id, outcome, COUNT(*) AS n, SUM(latency) AS l FROM key_verifications_v1 GROUP BY key_id, outcome ORDER BY n DESC",
  "large expression per row": `SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE time >= now() - INTERVAL 50 MINUTE AND (${tags})`,
  "join product at the bound (10⁴ tuples)": "WITH t AS (SELECT arrayJoin([0,1,2,3,4,5,6,7,8,9]) AS x) SELECT count() AS n FROM t a, t b, t c, t d",
};

const results = [];
for (const [name, q] of Object.entries(QUERIES)) {
  const probe = await post("analytics.getVerifications", { query: q }, attacker.rootKey);
  log(`${name}: ${probe.status} in ${probe.ms.toFixed(0)} ms ${probe.status !== 200 ? JSON.stringify(probe.body?.error?.detail) : ""}`);
}

log("baseline…");
results.push({ load: "alone", verify: await verify(), audit: await audit() });
for (const [name, q] of Object.entries(QUERIES)) {
  let stop = false;
  let ran = 0;
  let worst = 0;
  let status = 0;
  const durations = [];
  const attack = (async () => {
    while (!stop) {
      const r = await post("analytics.getVerifications", { query: q }, attacker.rootKey);
      status = r.status;
      ran++;
      worst = Math.max(worst, r.ms);
      durations.push(r.ms);
    }
  })();
  log(`under: ${name}…`);
  const v = await verify();
  const a = await audit();
  stop = true;
  await attack;
  durations.sort((x, y) => x - y);
  results.push({ load: name, status, queries: ran, queryP50Ms: durations[Math.floor(durations.length / 2)] ?? 0, queryMaxMs: worst, verify: v, audit: a });
}
// the machine is shared: a second baseline shows how much the figures move without B
results.push({ load: "alone (again, at the end)", verify: await verify(), audit: await audit() });

const f = (x) => x.toFixed(1);
console.log("| load on workspace B | B's query (status, runs, p50 / slowest) | verifyKey cold p50 / p99 (ms) | audit.listLogs p50 / p99 (ms) |");
console.log("|---|---|---|---|");
for (const r of results) {
  const q = r.queries === undefined ? "—" : `${r.status}, ${r.queries}, ${r.queryP50Ms.toFixed(0)} / ${r.queryMaxMs.toFixed(0)} ms`;
  console.log(`| ${r.load} | ${q} | ${f(r.verify.p50)} / ${f(r.verify.p99)} | ${f(r.audit.p50)} / ${f(r.audit.p99)} |`);
}
console.error(JSON.stringify(results, null, 2));
proc.kill("SIGTERM");
process.exit(0);
