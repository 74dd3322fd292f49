#!/usr/bin/env node
// The benchmark server: the Workers as `wrangler deploy` would upload them (bundled with
// `wrangler deploy --dry-run --outdir`), run by Miniflare directly in ONE workerd process, with
// the bindings read from the same wrangler.*.toml files. No wrangler dev proxy or inspector in
// front (see BENCHMARKS.md → Settings for why and what that changes).
//
// The Workers' options come from the local runner (scripts/lib/runner.mjs: the same bundles and
// bindings as `npm start`), without its Node fronts: the load generator talks to workerd's
// socket directly, so the figures are the Workers' own.
//
// Run as a child process of scripts/bench/run.mjs (the orchestrator blocks while a load
// generator runs; this process must keep its event loop free). argv[2]: JSON
//   { persistTo, preparedDir, readyFile, workers: [{ worker?: index in prepared.json, scriptPath?,
//     compatibilityDate?, vars?, routes?, name?, services?: {BINDING: {name, entrypoint?}},
//     noQueueConsumers? }] }
// The first worker receives every request no route matches. Writes { url } to readyFile once
// serving; logs go to stderr (point it at a file).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Miniflare, Log, LogLevel, convertV4MiniflareOptions } from "miniflare";
import { egressWorker, readPrepared, workerOptions } from "../lib/runner.mjs";
import { ROOT } from "../lib/wrangler.mjs";

const spec = JSON.parse(process.argv[2]);
const prepared = readPrepared(spec.preparedDir);

function options(w) {
  if (w.worker === undefined) {
    return {
      name: w.name,
      modules: true,
      scriptPath: path.resolve(ROOT, w.scriptPath),
      compatibilityDate: w.compatibilityDate,
      routes: w.routes,
      bindings: w.vars ?? {},
    };
  }
  const o = workerOptions(prepared.workers[w.worker], {
    vars: w.vars,
    services: w.services,
    routes: w.routes,
    name: w.name,
    noQueueConsumers: w.noQueueConsumers,
  });
  // Locally Miniflare puts a JavaScript asset-router Worker in front of a Worker with [assets],
  // even with run_worker_first (on Cloudflare the Worker is invoked directly): it took more CPU
  // than the API itself and halved `liveness`. No scenario requests an asset, so the measured
  // Workers run without it (BENCHMARKS.md → Settings).
  delete o.assets;
  return o;
}

const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    cf: false, // a fixed placeholder Request.cf, nothing fetched
    resourcePersistencePath: path.join(spec.persistTo, "v3"), // where `wrangler --persist-to` keeps it
    log: new Log(LogLevel.WARN),
    // for profiling only (scripts/bench/profile.mjs); never during a measured run
    ...(spec.inspectorPort ? { inspectorPort: spec.inspectorPort } : {}),
    workers: [...spec.workers.map(options), egressWorker(false)],
  }),
);
const url = await mf.ready;
writeFileSync(spec.readyFile, JSON.stringify({ url: url.href.replace(/\/$/, "") }));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await mf.dispose().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// the orchestrator died without stopping us: do not outlive it
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 1000).unref();
