#!/usr/bin/env node
// `npm run bootstrap [name]`: creates a workspace on the running local server and prints its root key.
// Finds the server `npm start` started through .wrangler/runner.json (checked to be that very
// instance); UNKEY_API_BASE_URL or PORT override it.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ensureDevVars } from "./lib/devvars.mjs";
import { PROBE } from "./lib/front.mjs";
import { RUNNER_FILE } from "./lib/runnerFile.mjs";

const shown = (p) => (p.startsWith(process.cwd() + path.sep) ? path.relative(process.cwd(), p) : p);

/** The runner file's instance when it still answers with its token, else null (and why). */
async function runningInstance() {
  if (!existsSync(RUNNER_FILE)) return { why: `no ${shown(RUNNER_FILE)} (is \`npm start\` running?)` };
  let info;
  try {
    info = JSON.parse(readFileSync(RUNNER_FILE, "utf8"));
    const res = await fetch(`${info.api}/v2/liveness`, { headers: { [PROBE]: "1" } });
    if (res.headers.get("x-keyforge-runner") === info.token) return { url: info.api, info };
    return { why: `${info.api} is answered by another server than the one in ${shown(RUNNER_FILE)}` };
  } catch {
    return { why: `the server in ${shown(RUNNER_FILE)}${info ? ` (${info.api})` : ""} is not running` };
  }
}

let url;
if (process.env.UNKEY_API_BASE_URL) {
  url = process.env.UNKEY_API_BASE_URL;
  console.error(`Using ${url} (UNKEY_API_BASE_URL)`);
} else if (process.env.PORT) {
  url = `http://127.0.0.1:${process.env.PORT}`;
  console.error(`Using ${url} (PORT)`);
} else {
  const found = await runningInstance();
  if (!found.url) {
    console.error(`Could not find the local server: ${found.why}. Start it with \`npm start\`, or set UNKEY_API_BASE_URL.`);
    process.exit(1);
  }
  url = found.url;
  console.error(`Using ${url} (the server npm start started, pid ${found.info.pid}, from ${shown(RUNNER_FILE)})`);
}
const name = process.argv[2] ?? "default";
const { values } = ensureDevVars();

let res;
try {
  res = await fetch(`${url}/v2/workspaces.createWorkspace`, {
    method: "POST",
    headers: { authorization: `Bearer ${values.ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
} catch (/** @type {any} */ err) {
  console.error(`Could not reach ${url} (${err.cause?.code ?? err.message}). Is \`npm start\` running?`);
  process.exit(1);
}
const body = /** @type {any} */ (await res.json());
if (!res.ok) {
  console.error(`createWorkspace failed (${res.status}): ${body.error?.detail ?? JSON.stringify(body)}`);
  process.exit(1);
}
const { workspaceId, rootKey, rootKeyId } = body.data;
console.log(`workspace  ${workspaceId}
root key   ${rootKey}   (id ${rootKeyId}; full access; shown once)

export UNKEY_ROOT_KEY=${rootKey}
export UNKEY_API_BASE_URL=${url}`);
