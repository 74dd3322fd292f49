// The local runner: the API Worker and the Sentinel in ONE Miniflare/workerd process, their
// bindings (service binding Sentinel → ApiEntrypoint, the Sentinel's RATE_LIMITER in the API's
// Durable Objects, D1, Queues…) resolved inside it, so two checkouts never see each other (no
// dev registry). Used by `npm start` / `npm run dev` (scripts/runner.mjs), the e2e tests
// (test/e2e/helpers) and the benchmark (scripts/bench/stack.mjs).
//
// - Bundles: `wrangler deploy --dry-run --outdir` per config, i.e. what `wrangler deploy` uploads.
// - Bindings: wrangler's own mapping of the same wrangler.toml / wrangler.sentinel.toml
//   (unstable_getMiniflareWorkerOptions): whatever a config declares is served locally.
// - Ports: a Node front per public port (scripts/lib/front.mjs) sets CF-Connecting-IP from the
//   socket; the Sentinel's workerd socket is its own (`unsafeDirectSockets`).
// - Outbound: every global fetch() of both Workers leaves through a workerd network service that
//   allows public addresses only (+ loopback with allowLocalDestinations).
// - No inspector unless asked (inspectorPort).
import { buildAssets } from "../build-assets.mjs";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Miniflare, Log, LogLevel, convertV4MiniflareOptions } from "miniflare";
import { parse } from "smol-toml";
import { startFront } from "./front.mjs";
import { ROOT, WRANGLER, offlineEnv } from "./wrangler.mjs";

export const API_CONFIG = "wrangler.toml";
export const SENTINEL_CONFIG = "wrangler.sentinel.toml";
export const EGRESS_WORKER = "keyforge-runner-egress";
export const DEFAULT_STATE_DIR = path.join(ROOT, ".wrangler/state");

/** Loopback only: the opt-in never opens private ranges. */
const LOOPBACK = ["127.0.0.0/8", "::1/128"];
// workerd's "public" already excludes these; listed again so the intent is explicit.
const NEVER = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "0.0.0.0/8", "fc00::/7", "fe80::/10"];

export class RunnerError extends Error {}

/** Miniflare's log without its "Ready on <internal port>" line (the public ports are the fronts'). */
class RunnerLog extends Log {
  info(message) {
    if (!String(message).startsWith("Ready on")) super.info(message);
  }
}

function spawnAsync(script, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: offlineEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new RunnerError(`${path.basename(script)} ${args.join(" ")} failed (${code}):\n${out}${err}`))));
  });
}

/**
 * Bundles each config with `wrangler deploy --dry-run` into outDir/<worker name>/ and records
 * the Miniflare options wrangler derives from it. Returns (and writes outDir/prepared.json)
 * { workers: [{ config, name, bundleDir, options, d1: [{ binding, id, migrationsDir }] }] }.
 * @param {{ outDir: string; configs?: string[] }} opts
 */
export async function prepare({ outDir, configs = [API_CONFIG, SENTINEL_CONFIG] }) {
  mkdirSync(outDir, { recursive: true });
  buildAssets(); // wrangler.toml [assets]: the /reference renderer, copied from node_modules
  const tomls = configs.map((c) => /** @type {Record<string, any>} */ (parse(readFileSync(path.resolve(ROOT, c), "utf8"))));
  const [options] = await Promise.all([
    spawnAsync(path.join(ROOT, "scripts/lib/wranglerOptions.mjs"), configs).then((out) => JSON.parse(out)),
    ...configs.map((c, i) => spawnAsync(WRANGLER, ["deploy", "--dry-run", "--outdir", path.join(outDir, tomls[i].name), "-c", c])),
  ]);
  const workers = configs.map((config, i) => {
    const toml = tomls[i];
    const workerOptions = options[i];
    const d1 = (toml.d1_databases ?? []).map((d) => ({
      binding: d.binding,
      id: d.preview_database_id ?? d.database_id ?? d.binding,
      migrationsDir: d.migrations_dir ? path.resolve(ROOT, path.dirname(config), d.migrations_dir) : null,
      migrationsTable: d.migrations_table ?? "d1_migrations",
    }));
    // wrangler reads .dev.vars into `bindings` whatever envFiles says: keep only the config's
    // [vars] (secrets are the caller's, never written to prepared.json); the bundle needs no
    // module rules (wrangler resolved them while bundling).
    const { modulesRules, bindings, ...rest } = workerOptions;
    return { config, name: toml.name, bundleDir: path.join(outDir, toml.name), options: { ...rest, bindings: { ...(toml.vars ?? {}) }, rootPath: ROOT }, d1 };
  });
  const prepared = { workers };
  writeFileSync(path.join(outDir, "prepared.json"), JSON.stringify(prepared, null, 1));
  return prepared;
}

export function readPrepared(outDir) {
  return JSON.parse(readFileSync(path.join(outDir, "prepared.json"), "utf8"));
}

/** The egress network's allow/deny lists (exported for the docs and tests). */
export function outboundNetwork(allowLocalDestinations) {
  return { allow: ["public", ...(allowLocalDestinations ? LOOPBACK : [])], deny: NEVER, tlsOptions: { trustBrowserCas: true } };
}

/**
 * v4-shaped Miniflare options of one prepared Worker: its bundle as the script, plus extra vars,
 * service bindings and the outbound service.
 * @param {{ options: Record<string, any>; name: string; bundleDir: string }} w a prepared Worker
 * @param {{ vars?: Record<string, string>; services?: Record<string, unknown>; routes?: string[]; name?: string; noQueueConsumers?: boolean; outbound?: boolean; directSocket?: boolean }} [extra]
 */
export function workerOptions(w, { vars = {}, services = {}, routes, name, noQueueConsumers = false, outbound = true, directSocket = false } = {}) {
  const o = structuredClone(w.options);
  o.name = name ?? w.name;
  o.modules = true;
  o.scriptPath = path.join(w.bundleDir, "index.js");
  o.modulesRoot = w.bundleDir;
  o.bindings = { ...(o.bindings ?? {}), ...vars };
  o.serviceBindings = { ...(o.serviceBindings ?? {}), ...services };
  if (routes) o.routes = routes;
  if (noQueueConsumers) o.queueConsumers = {};
  // crons run on Cloudflare's schedule; locally (as under wrangler dev) they are not fired
  delete o.cronTriggers;
  if (outbound) o.outboundService = EGRESS_WORKER;
  if (directSocket) o.unsafeDirectSockets = [{ host: "127.0.0.1", port: 0 }];
  return o;
}

export function egressWorker(allowLocalDestinations) {
  return {
    name: EGRESS_WORKER,
    modules: true,
    scriptPath: path.join(ROOT, "scripts/lib/egress-worker.js"),
    compatibilityDate: "2026-11-01",
    serviceBindings: { NET: { network: outboundNetwork(allowLocalDestinations) } },
  };
}

/** Applies the unapplied .sql files of a migrations dir, in name order, as `wrangler d1 migrations apply` does (same bookkeeping table). */
export async function applyMigrations(db, { migrationsDir, migrationsTable = "d1_migrations" }) {
  if (!migrationsDir || !existsSync(migrationsDir)) return [];
  const table = `"${migrationsTable.replace(/"/g, '""')}"`;
  await db
    .prepare(`CREATE TABLE IF NOT EXISTS ${table}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`)
    .run();
  const applied = new Set((await db.prepare(`SELECT name FROM ${table}`).all()).results.map((r) => r.name));
  const files = readdirSync(migrationsDir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const done = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = readFileSync(path.join(migrationsDir, file), "utf8");
    // one transaction: the migration and its bookkeeping row land together or not at all
    await db.batch([db.prepare(sql), db.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(file)]);
    done.push(file);
  }
  return done;
}

/** Every D1 database with a migrations_dir, once per database id (the Workers share DB). */
export async function migrateAll(mf, prepared, onMigrations) {
  const seen = new Set();
  for (const w of prepared.workers) {
    for (const d of w.d1) {
      if (seen.has(d.id) || !d.migrationsDir) continue;
      seen.add(d.id);
      const applied = await applyMigrations(await mf.getD1Database(d.binding, w.name), d);
      if (applied.length && onMigrations) onMigrations(d.binding, applied);
    }
  }
}

/** Applies the migrations to a state directory without serving anything (e.g. before seeding it). */
export async function migrateState(prepared, stateDir) {
  const d1 = prepared.workers.flatMap((w) => w.d1);
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      resourcePersistencePath: path.join(stateDir, "v3"),
      log: new Log(LogLevel.WARN),
      workers: [
        { name: prepared.workers[0].name, modules: true, script: "export default {}", d1Databases: Object.fromEntries(d1.map((d) => [d.binding, d.id])) },
      ],
    }),
  );
  try {
    await migrateAll(mf, { workers: [{ name: prepared.workers[0].name, d1 }] });
  } finally {
    await mf.dispose();
  }
}

function portInUse(which, port, envName) {
  return new RunnerError(
    `${which} port ${port} is already in use (another \`npm start\`, or another program?). Stop it, or choose another port: ${envName}=<port>.`,
  );
}

/**
 * Starts the runner. Options:
 *   prepared | bundleDir (prepare() into it when `prepared` is not given)
 *   stateDir (default .wrangler/state; D1/DO/Queue state under <stateDir>/v3, as wrangler keeps it)
 *   host, port (0 = free), sentinelPort (0 = free; null = no Sentinel front)
 *   vars, sentinelVars (extra bindings), allowLocalDestinations, inspectorPort (undefined = none)
 *   token (echoed to probes, see front.mjs), extraWorkers (v4 worker options), sentinelServices ({BINDING: {name}}), onRequest(which, req, status, ms)
 * Returns { url, sentinelUrl, internal: { api, sentinel }, mf, reload(prepared), stop() }.
 */
export async function startRunner(opts = {}) {
  const host = opts.host ?? "127.0.0.1";
  /** @typedef {{ host: string; port: number; headers?: Record<string, string> }} Target */
  /** @type {{ api: Target | null; sentinel: Target | null }} where the fronts forward (set once Miniflare is ready) */
  let targets = { api: null, sentinel: null };
  const fronts = [];
  const closeFronts = (o) => Promise.all(fronts.map((f) => f.close(o)));
  // The public ports first: a busy port fails now, before any work, and nobody else can take it.
  const listen = async (which, port, envName) => {
    try {
      const f = await startFront({
        host,
        port,
        token: opts.token,
        target: () => targets[which],
        onRequest: opts.onRequest && ((req, s, ms) => opts.onRequest(which, req, s, ms)),
      });
      fronts.push(f);
      return f;
    } catch (/** @type {any} */ err) {
      await closeFronts();
      if (err.code === "EADDRINUSE") throw portInUse(which === "api" ? "API" : "Sentinel", port, envName);
      throw err;
    }
  };
  const apiFront = await listen("api", opts.port ?? 0, "PORT");
  const sentinelFront = opts.sentinelPort === null ? null : await listen("sentinel", opts.sentinelPort ?? 0, "SENTINEL_PORT");

  let prepared = opts.prepared;
  let mf;
  try {
    prepared ??= await prepare({ outDir: opts.bundleDir ?? path.join(ROOT, ".wrangler/runner/bundle") });
    const stateDir = path.resolve(opts.stateDir ?? DEFAULT_STATE_DIR);
    const local = opts.allowLocalDestinations ? { ALLOW_LOCAL_DESTINATIONS: "1" } : {};

    const build = (p) => {
      const [api, sentinel] = p.workers;
      // Miniflare v4 options as wrangler derived them (prepared.json): plain JSON, not typed
      /** @type {any[]} */
      const workers = [workerOptions(api, { vars: { ...local, ...opts.vars } })];
      if (sentinel) workers.push(workerOptions(sentinel, { vars: { ...local, ...opts.sentinelVars }, services: opts.sentinelServices, directSocket: true }));
      workers.push(...(opts.extraWorkers ?? []), egressWorker(!!opts.allowLocalDestinations));
      return convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        cf: false, // a fixed placeholder Request.cf, nothing fetched
        resourcePersistencePath: path.join(stateDir, "v3"),
        log: new RunnerLog(opts.logLevel ?? LogLevel.INFO),
        logRequests: false, // the fronts log requests (onRequest)
        ...(opts.inspectorPort !== undefined ? { inspectorPort: opts.inspectorPort } : {}),
        workers,
      });
    };

    const ready = async (p) => {
      const entry = await mf.ready;
      await migrateAll(mf, p, opts.onMigrations);
      /** @type {{ api: string; sentinel: string | null }} */
      const internal = { api: entry.href.replace(/\/$/, ""), sentinel: null };
      /** @type {{ api: Target; sentinel: Target | null }} */
      const next = { api: { host: entry.hostname, port: Number(entry.port) }, sentinel: null };
      if (p.workers[1]) {
        const direct = await mf.unsafeGetDirectURL(p.workers[1].name);
        internal.sentinel = direct.href.replace(/\/$/, "");
        // the direct socket has no entry Worker to supply the placeholder Request.cf
        next.sentinel = { host: direct.hostname, port: Number(direct.port), headers: { "MF-CF-Blob": JSON.stringify(await mf.getCf()) } };
      }
      targets = next;
      return internal;
    };

    mf = new Miniflare(build(prepared));
    let internal = await ready(prepared);
    return {
      url: apiFront.url,
      port: apiFront.port,
      sentinelUrl: sentinelFront?.url ?? null,
      sentinelPort: sentinelFront?.port ?? null,
      stateDir,
      get internal() {
        return internal;
      },
      mf,
      /** New bundles (after a source change): restart workerd with them; state is kept. */
      async reload(p) {
        targets = { api: null, sentinel: null }; // 503 "starting" meanwhile
        try {
          await mf.setOptions(build(p));
          internal = await ready(p);
          prepared = p;
        } catch (err) {
          // back to the last good build, so the ports keep answering
          await mf
            .setOptions(build(prepared))
            .then(() => ready(prepared).then((i) => (internal = i)))
            .catch(() => {});
          throw err;
        }
      },
      /**
       * A clean stop loses nothing: no new requests, those in flight finish (up to 2 s), then the
       * local Queue's last batch is delivered (max_batch_timeout is 1 s; Miniflare keeps queued
       * messages in memory only, docs/analytics.md) before workerd goes.
       */
      async stop({ drainMs = 1500 } = {}) {
        await closeFronts({ graceMs: 2000 });
        targets = { api: null, sentinel: null };
        if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
        await mf.dispose().catch(() => {});
      },
    };
  } catch (err) {
    await closeFronts();
    await mf?.dispose().catch(() => {});
    throw err;
  }
}
