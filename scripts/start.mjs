#!/usr/bin/env node
// `npm start`: secrets into .dev.vars, D1 migrations applied to local state, then the API Worker
// (and the Sentinel) under wrangler dev on embedded storage, offline.
import { ensureDevVars } from "./lib/devvars.mjs";
import { applyLocalMigrations, startWrangler } from "./lib/wrangler.mjs";
import { buildAssets } from "./build-assets.mjs";

const PORT = Number(process.env.PORT ?? 8787);

const { values, fromEnv, generated } = ensureDevVars();
if (generated.length) console.log(`Generated ${generated.join(", ")} into .dev.vars`);

buildAssets(); // the /reference renderer into .assets/ (wrangler.toml [assets])
console.log("Applying D1 migrations to local state…");
applyLocalMigrations();

// Secrets given in the environment win over .dev.vars (wrangler itself only reads the file).
const vars = Object.fromEntries(fromEnv.map((k) => [k, values[k]]));
// local development: without PORTAL_BASE_URL / API_BASE_URL the portal uses the loopback origin it is reached on
vars.LOCAL_DEV = "1";
for (const k of ["PORTAL_BASE_URL", "API_BASE_URL"]) if (process.env[k]) vars[k] = process.env[k];
// generated Sentinel hostnames end in SENTINEL_BASE_DOMAIN: the API reports them, the Sentinel routes them
if (process.env.SENTINEL_BASE_DOMAIN) vars.SENTINEL_BASE_DOMAIN = process.env.SENTINEL_BASE_DOMAIN;
// the destination policy's local opt-in and the DoH resolver of domain verification (docs/sentinel.md)
const passed = Object.fromEntries(["ALLOW_LOCAL_DESTINATIONS", "DNS_RESOLVER_URL"].filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
Object.assign(vars, passed);
const api = await startWrangler({ port: PORT, vars, stdio: "inherit", timeoutMs: 120_000 });
const servers = [api];

// The Sentinel (docs/sentinel.md): same local state, wired to the API by service binding.
const SENTINEL_PORT = Number(process.env.SENTINEL_PORT ?? 8788);
const sentinelVars = { ...(process.env.SENTINEL_BASE_DOMAIN ? { SENTINEL_BASE_DOMAIN: process.env.SENTINEL_BASE_DOMAIN } : {}), ...passed };
if (process.env.APP_WORKER_BINDINGS) sentinelVars.APP_WORKER_BINDINGS = process.env.APP_WORKER_BINDINGS;
const sentinel = await startWrangler({ configs: ["wrangler.sentinel.toml"], port: SENTINEL_PORT, vars: sentinelVars, readyPath: "/", stdio: "inherit", timeoutMs: 120_000 });
servers.push(sentinel);

console.log(`
API       ${api.url}   (reference: ${api.url}/reference, OpenAPI: ${api.url}/openapi.json)
Sentinel  ${sentinel.url}   (route by Host: curl -H "Host: <project>-<app>-<workspace>.${process.env.SENTINEL_BASE_DOMAIN || "localhost"}" ${sentinel.url}/ — docs/sentinel.md)
ADMIN_KEY ${values.ADMIN_KEY}${fromEnv.includes("ADMIN_KEY") ? "   (from the environment)" : "   (from .dev.vars)"}

Get a root key:
  npm run bootstrap
or
  curl -s ${api.url}/v2/workspaces.createWorkspace \\
    -H "Authorization: Bearer ${values.ADMIN_KEY}" -H "Content-Type: application/json" \\
    -d '{"name":"my workspace"}'
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await Promise.all(servers.map((s) => s.stop()));
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const s of servers) s.proc.on("exit", (code) => { if (!stopping) { console.error(`wrangler exited (${code})`); stop(); } });
