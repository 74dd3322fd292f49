#!/usr/bin/env node
// Static assets of the API Worker (wrangler.toml [assets], directory .assets/, gitignored):
// the OpenAPI renderer of /reference, copied from its npm package so nothing is committed and
// nothing loads from a CDN. Run by `npm install` (postinstall), `npm start`, `npm test`,
// `npm run deploy` and the vitest configs; idempotent and fast (copies only when changed).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ASSETS_DIR = path.join(ROOT, ".assets");

/** The files to serve: [source in node_modules, path under .assets/ = URL path]. */
function files() {
  // the package's exports hide package.json and dist/browser; its entry point sits in dist/
  const entry = createRequire(path.join(ROOT, "package.json")).resolve("@scalar/api-reference");
  const scalar = path.resolve(path.dirname(entry), "..");
  return [[path.join(scalar, "dist/browser/standalone.js"), "reference/assets/scalar-api-reference.js"]];
}

export function buildAssets() {
  for (const [from, to] of files()) {
    const target = path.join(ASSETS_DIR, to);
    if (existsSync(target) && statSync(target).size === statSync(from).size && readFileSync(target).equals(readFileSync(from))) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(from, target);
  }
  // the directory must exist even when a file is unchanged (wrangler refuses a missing one)
  mkdirSync(ASSETS_DIR, { recursive: true });
  writeFileSync(path.join(ASSETS_DIR, ".assetsignore"), ".assetsignore\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAssets();
  console.log(`Static assets ready in ${path.relative(process.cwd(), ASSETS_DIR) || "."}/`);
}
