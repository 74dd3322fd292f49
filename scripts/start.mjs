#!/usr/bin/env node
// `npm start`: secrets into .dev.vars, D1 migrations applied to local state, then the API Worker
// (and the Sentinel) under wrangler dev on embedded storage, offline.
import { ensureDevVars } from "./lib/devvars.mjs";
import { applyLocalMigrations, startWrangler } from "./lib/wrangler.mjs";

const PORT = Number(process.env.PORT ?? 8787);

const { values, fromEnv, generated } = ensureDevVars();
if (generated.length) console.log(`Generated ${generated.join(", ")} into .dev.vars`);

console.log("Applying D1 migrations to local state…");
applyLocalMigrations();

// Secrets given in the environment win over .dev.vars (wrangler itself only reads the file).
const vars = Object.fromEntries(fromEnv.map((k) => [k, values[k]]));
const api = await startWrangler({ port: PORT, vars, stdio: "inherit", timeoutMs: 120_000 });
const servers = [api];

console.log(`
API       ${api.url}   (reference: ${api.url}/reference, OpenAPI: ${api.url}/openapi.json)
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
