// Local secrets: each comes from the environment when set, else from .dev.vars; missing ones are
// generated into .dev.vars (existing lines are kept as they are).
import { existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { ROOT } from "./wrangler.mjs";

export const DEV_VARS = path.join(ROOT, ".dev.vars");

/** Secrets the Workers need, with a generator for each. */
export const SECRETS = {
  ADMIN_KEY: () => `admin_${randomBytes(24).toString("base64url")}`,
  // "id:base64(32 bytes)": the key-encryption key for recoverable keys (first entry is current)
  ENCRYPTION_KEYS: () => `kek1:${randomBytes(32).toString("base64")}`,
};

export function parseDevVars(text) {
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/);
    if (!m) continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/**
 * Returns { values, fromEnv, generated }: the effective value of every secret, which came from
 * the environment, and which were newly written to .dev.vars.
 */
export function ensureDevVars() {
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  const existing = parseDevVars(text);
  const values = {};
  const fromEnv = [];
  const generated = [];
  const append = [];
  for (const [name, make] of Object.entries(SECRETS)) {
    if (process.env[name]) {
      values[name] = process.env[name];
      fromEnv.push(name);
    } else if (existing[name]) {
      values[name] = existing[name];
    } else {
      values[name] = make();
      append.push(`${name}=${values[name]}`);
      generated.push(name);
    }
  }
  if (append.length > 0) {
    const sep = text === "" || text.endsWith("\n") ? "" : "\n";
    writeFileSync(DEV_VARS, text + sep + append.join("\n") + "\n");
    chmodSync(DEV_VARS, 0o600);
  }
  return { values, fromEnv, generated };
}
