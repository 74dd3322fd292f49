#!/usr/bin/env node
// `npm run bootstrap [name]`: creates a workspace on the running local server and prints its root key.
import { ensureDevVars } from "./lib/devvars.mjs";

const url = process.env.UNKEY_API_BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
const name = process.argv[2] ?? "default";
const { values } = ensureDevVars();

let res;
try {
  res = await fetch(`${url}/v2/workspaces.createWorkspace`, {
    method: "POST",
    headers: { authorization: `Bearer ${values.ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
} catch (err) {
  console.error(`Could not reach ${url} (${err.cause?.code ?? err.message}). Is \`npm start\` running?`);
  process.exit(1);
}
const body = await res.json();
if (!res.ok) {
  console.error(`createWorkspace failed (${res.status}): ${body.error?.detail ?? JSON.stringify(body)}`);
  process.exit(1);
}
const { workspaceId, rootKey, rootKeyId } = body.data;
console.log(`workspace  ${workspaceId}
root key   ${rootKey}   (id ${rootKeyId}; full access; shown once)

export UNKEY_ROOT_KEY=${rootKey}
export UNKEY_API_BASE_URL=${url}`);
