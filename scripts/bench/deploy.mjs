// Code-deployment figures for BENCHMARKS.md, in one run (docs/deploy.md):
//   - time from `unkey deploy examples/hello-worker` to the first request it serves
//   - latency p50/p99 of Sentinel → code deployment, Sentinel → Worker binding upstream, and
//     the upstream Worker direct, each as sequential requests over one local stack.
// Usage: node scripts/bench/deploy.mjs [--requests 300]  (under the pinned Node 22: npm run bench:deploy)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { applyLocalMigrations, ROOT, startWrangler } from "../lib/wrangler.mjs";

const { values: args } = parseArgs({ options: { requests: { type: "string", default: "300" } } });
const N = Number(args.requests);
const ADMIN_KEY = "bench-admin-key-0123456789";
const ENCRYPTION_KEYS = "bench1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

const persistTo = mkdtempSync(path.join(tmpdir(), "keyforge-bench-deploy-"));
process.env.WRANGLER_REGISTRY_PATH = mkdtempSync(path.join(tmpdir(), "keyforge-bench-registry-"));
applyLocalMigrations({ persistTo });
const config = path.join(ROOT, "test/fixtures", `.bench-deploy-${process.pid}.toml`);
const base = readFileSync(path.join(ROOT, "wrangler.sentinel.toml"), "utf8")
  .replace('main = "workers/sentinel/index.ts"', 'main = "../../workers/sentinel/index.ts"')
  .replace('migrations_dir = "schema/migrations"', 'migrations_dir = "../../schema/migrations"');
writeFileSync(config, `${base}\n[[services]]\nbinding = "ECHO"\nservice = "keyforge-test-upstream"\n`);
const started = [];
try {
  const upstream = await startWrangler({ configs: ["test/fixtures/wrangler.upstream.toml"], readyPath: "/" });
  started.push(upstream);
  const api = await startWrangler({ persistTo, vars: { ADMIN_KEY, ENCRYPTION_KEYS } });
  started.push(api);
  const sentinel = await startWrangler({ configs: [config], persistTo, readyPath: "/" });
  started.push(sentinel);

  const call = async (op, body, token) => {
    const res = await fetch(`${api.url}/v2/${op}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = /** @type {any} */ (await res.json());
    if (res.status >= 300) throw new Error(`${op}: ${res.status} ${JSON.stringify(json)}`);
    return json.data;
  };
  const { rootKey } = await call("workspaces.createWorkspace", { name: "bench" }, ADMIN_KEY);
  const get = (host, p = "/") =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = httpRequest(
        { host: "127.0.0.1", port: new URL(host.url ?? sentinel.url).port, path: p, headers: host.host ? { host: host.host } : {} },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
        },
      );
      req.on("error", reject);
      req.end();
    });

  // 1. unkey deploy → first served request
  const t0 = performance.now();
  const out = await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "cli/bin/unkey.js"), "deploy", "examples/hello-worker", "--project", "bench", "--env", "production"],
      {
        cwd: ROOT,
        env: { ...process.env, UNKEY_ROOT_KEY: rootKey, UNKEY_API_BASE_URL: api.url },
      },
    );
    let s = "";
    child.stdout.on("data", (d) => (s += d));
    child.on("exit", (code) => (code === 0 ? resolve(s) : reject(new Error(s))));
  });
  const codeHost = /** @type {RegExpExecArray} */ (/http:\/\/(\S+)/.exec(out))[1];
  let first;
  do first = await get({ host: codeHost });
  while (first.status !== 200);
  const deployToServeMs = performance.now() - t0;

  // 2. a Worker-binding upstream app next to it
  await call("projects.createProject", { name: "wbind", slug: "wbind" }, rootKey);
  await call("apps.createApp", { project: "wbind", name: "web", slug: "web" }, rootKey);
  await call("deployments.createDeployment", { project: "wbind", app: "web", environment: "production", upstream: { worker: "ECHO" } }, rootKey);
  const workerHost = (await call("environments.getEnvironment", { project: "wbind", app: "web", environment: "production" }, rootKey)).hostnames[0];

  const measure = async (target) => {
    for (let i = 0; i < 20; i++) await get(target); // warm-up
    const ms = [];
    for (let i = 0; i < N; i++) {
      const r = await get(target);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      ms.push(r.ms);
    }
    ms.sort((a, b) => a - b);
    const q = (p) => ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)].toFixed(2);
    return { p50: q(0.5), p99: q(0.99) };
  };
  const rows = {
    "sentinel → code deployment": await measure({ host: codeHost }),
    "sentinel → worker binding upstream": await measure({ host: workerHost }),
    "upstream worker direct": await measure({ url: upstream.url }),
  };
  console.log(`\n${N} sequential requests each, one local stack (wrangler dev), ${new Date().toISOString()}`);
  console.log("| path | p50 ms | p99 ms |\n|---|---|---|");
  for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${v.p50} | ${v.p99} |`);
  console.log(`\nunkey deploy examples/hello-worker → first served request: ${(deployToServeMs / 1000).toFixed(1)} s (includes bundling with wrangler)`);
} finally {
  await Promise.all(started.map((s) => s.stop()));
  rmSync(config, { force: true });
  rmSync(persistTo, { recursive: true, force: true });
}
