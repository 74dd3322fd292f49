#!/usr/bin/env node
// The benchmark server: the Workers as `wrangler deploy` would upload them (bundled with
// `wrangler deploy --dry-run --outdir`), run by Miniflare directly in ONE workerd process, with
// the bindings read from the same wrangler.*.toml files. No wrangler dev proxy or inspector in
// front (see BENCHMARKS.md → Settings for why and what that changes).
//
// Run as a child process of scripts/bench/run.mjs (the orchestrator blocks while a load
// generator runs; this process must keep its event loop free). argv[2]: JSON
//   { persistTo, readyFile, workers: [{ config?, bundleDir?, scriptPath?, vars?, routes?, name?,
//     services?: {BINDING: {name, entrypoint?}}, noQueueConsumers? }] }
// The first worker receives every request no route matches. Writes { url } to readyFile once
// serving; logs go to stderr (point it at a file).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { ROOT } from "../lib/wrangler.mjs";

const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import(
  path.join(ROOT, "node_modules/wrangler/node_modules/miniflare/dist/src/index.js")
);

const spec = JSON.parse(process.argv[2]);

/** Miniflare (v4-shaped) options of one Worker from its wrangler.toml. */
function workerOptions(w) {
  const toml = w.config ? parse(readFileSync(path.resolve(ROOT, w.config), "utf8")) : { compatibility_date: w.compatibilityDate };
  const scriptPath = w.scriptPath ? path.resolve(ROOT, w.scriptPath) : path.join(w.bundleDir, "index.js");
  const o = {
    name: w.name ?? toml.name,
    modules: true,
    modulesRoot: path.dirname(scriptPath),
    scriptPath,
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags: toml.compatibility_flags ?? [],
    bindings: { ...(toml.vars ?? {}), ...(w.vars ?? {}) },
    routes: w.routes,
  };
  const d1 = toml.d1_databases ?? [];
  if (d1.length) o.d1Databases = Object.fromEntries(d1.map((d) => [d.binding, d.preview_database_id ?? d.database_id ?? d.binding]));
  const dos = toml.durable_objects?.bindings ?? [];
  const sqliteClasses = new Set((toml.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  if (dos.length) {
    o.durableObjects = Object.fromEntries(
      dos.map((d) => [d.name, { className: d.class_name, scriptName: d.script_name, useSQLite: d.script_name ? true : sqliteClasses.has(d.class_name) }]),
    );
  }
  const producers = toml.queues?.producers ?? [];
  if (producers.length) o.queueProducers = Object.fromEntries(producers.map((p) => [p.binding, { queueName: p.queue }]));
  const consumers = w.noQueueConsumers ? [] : (toml.queues?.consumers ?? []);
  if (consumers.length) {
    o.queueConsumers = Object.fromEntries(
      consumers.map((c) => [c.queue, { maxBatchSize: c.max_batch_size, maxBatchTimeout: c.max_batch_timeout, maxRetries: c.max_retries, deadLetterQueue: c.dead_letter_queue }]),
    );
  }
  const ae = toml.analytics_engine_datasets ?? [];
  if (ae.length) o.analyticsEngineDatasets = Object.fromEntries(ae.map((a) => [a.binding, { dataset: a.dataset }]));
  const services = Object.fromEntries((toml.services ?? []).map((s) => [s.binding, s.entrypoint ? { name: s.service, entrypoint: s.entrypoint } : { name: s.service }]));
  Object.assign(services, w.services ?? {});
  if (Object.keys(services).length) o.serviceBindings = services;
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
    workers: spec.workers.map(workerOptions),
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
