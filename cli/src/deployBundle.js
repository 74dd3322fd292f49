// What `unkey deploy <path>` uploads (docs/deploy.md): the user's Worker bundled by wrangler's own
// bundler (`wrangler deploy --dry-run --outdir`), read back as a bundle object, plus the [vars]
// and compatibility settings of their wrangler config. Bindings the platform cannot provide are
// refused, by name.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { CliError } from "./errors.js";

const CONFIG_NAMES = ["wrangler.toml", "wrangler.jsonc", "wrangler.json"];
/** For an entry file without a config: the date the platform's own Workers use (today's may be newer than the runtime). */
export const DEFAULT_COMPATIBILITY_DATE = "2026-11-01";

/** Config keys naming bindings a code deployment cannot have (it gets variables only). */
const UNSUPPORTED = {
  kv_namespaces: "KV namespaces",
  d1_databases: "D1 databases",
  r2_buckets: "R2 buckets",
  durable_objects: "Durable Objects",
  queues: "queues",
  services: "service bindings",
  analytics_engine_datasets: "Analytics Engine datasets",
  vectorize: "Vectorize indexes",
  hyperdrive: "Hyperdrive configs",
  ai: "Workers AI",
  browser: "Browser Rendering",
  images: "Images",
  workflows: "Workflows",
  send_email: "Email",
  dispatch_namespaces: "dispatch namespaces",
  mtls_certificates: "mTLS certificates",
  secrets_store_secrets: "Secrets Store secrets",
  worker_loaders: "Worker Loaders",
  version_metadata: "version metadata",
  assets: "static assets",
  tail_consumers: "tail consumers",
  pipelines: "Pipelines",
  unsafe: "unsafe bindings",
};

/** Strips // and /* *\/ comments and trailing commas of JSONC, leaving strings alone. */
export function parseJsonc(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2);
      if (i < 0) break;
      i++;
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

/** KEY=VALUE lines; `#` comments, optional `export `, single or double quotes. */
export function parseEnvFile(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new CliError(`--env-file: cannot read the line "${line.slice(0, 60)}" (expected KEY=VALUE)`);
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1);
      if (m[2].startsWith('"')) v = v.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else v = v.replace(/\s+#.*$/, "");
    out[m[1]] = v;
  }
  return out;
}

function readConfig(file) {
  const text = readFileSync(file, "utf8");
  try {
    return file.endsWith(".toml") ? parseToml(text) : parseJsonc(text);
  } catch (/** @type {any} */ err) {
    throw new CliError(`cannot read ${file}: ${err.message.split("\n")[0]}`);
  }
}

/** The config's bindings we cannot provide, named ("KV namespaces (kv_namespaces)"). */
export function unsupportedBindings(config) {
  const found = [];
  for (const [key, label] of Object.entries(UNSUPPORTED)) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (key === "durable_objects" && !(v.bindings?.length > 0)) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    const names = Array.isArray(v)
      ? v.map((b) => b.binding ?? b.name).filter(Boolean)
      : key === "durable_objects"
        ? v.bindings.map((b) => b.name)
        : v.binding
          ? [v.binding]
          : [];
    found.push(`${label} (${key}${names.length ? `: ${names.join(", ")}` : ""})`);
  }
  return found;
}

function varsOf(config) {
  const out = {};
  for (const [k, v] of Object.entries(config.vars ?? {})) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

/** Node 22 for wrangler: this process if it is one, else the project's pinned copy (npm package node@22). */
export function node22() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const require = createRequire(import.meta.url);
  try {
    const pinned = path.join(path.dirname(require.resolve("node/package.json")), "bin", "node");
    if (existsSync(pinned)) return pinned;
  } catch {
    /* not installed */
  }
  throw new CliError("wrangler needs Node 22 or newer: run the CLI under Node 22 (npx unkey … in this project uses the pinned node@22)");
}

function wranglerBin() {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
  } catch {
    throw new CliError("wrangler is not installed next to the CLI (npm install wrangler)");
  }
}

const TYPES = { ".js": "esm", ".mjs": "esm", ".wasm": "wasm", ".json": "json", ".txt": "text", ".html": "text", ".sql": "text", ".bin": "data" };

function walk(dir, base = dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, base));
    else out.push(path.relative(base, p).split(path.sep).join("/"));
  }
  return out;
}

/** The files wrangler wrote, as bundle modules (source maps and its README left out). */
function modulesOf(outdir) {
  return walk(outdir)
    .filter((n) => !n.endsWith(".map") && n !== "README.md")
    .map((name) => {
      const type = TYPES[path.extname(name).toLowerCase()] ?? "data";
      const buf = readFileSync(path.join(outdir, name));
      return { name, type, content: type === "wasm" || type === "data" ? buf.toString("base64") : buf.toString("utf8") };
    });
}

/**
 * Resolves `<path>` (a directory with a wrangler config, or one .js/.ts entry file) to a bundle
 * and the variables to set. `log` prints progress lines.
 */
export function buildBundle(target, log) {
  const abs = path.resolve(target);
  if (!existsSync(abs)) throw new CliError(`${target} does not exist (give a directory with a wrangler config, a .js/.ts file, or an http(s) URL)`);
  let configFile;
  let config = {};
  let entry;
  const work = mkdtempSync(path.join(tmpdir(), "unkey-deploy-"));
  try {
    if (statSync(abs).isDirectory()) {
      const name = CONFIG_NAMES.find((n) => existsSync(path.join(abs, n)));
      if (!name) throw new CliError(`${target} has no ${CONFIG_NAMES.join(" or ")}`);
      configFile = path.join(abs, name);
      config = readConfig(configFile);
      if (!config.main) throw new CliError(`${configFile} has no \`main\` (the entry module)`);
      entry = path.resolve(abs, config.main);
    } else {
      if (!/\.(m?js|ts|mts)$/.test(abs)) throw new CliError(`${target} is not a .js or .ts file`);
      entry = abs;
      // a config of our own, so wrangler never picks up a wrangler.toml of a parent directory
      configFile = path.join(work, "wrangler.json");
      writeFileSync(configFile, JSON.stringify({ name: "app", main: entry, compatibility_date: DEFAULT_COMPATIBILITY_DATE }));
      config = {};
    }
    const refused = unsupportedBindings(config);
    if (refused.length) {
      throw new CliError(`cannot deploy: the platform cannot provide these bindings: ${refused.join("; ")}`, {
        lines: ["Cannot deploy: code deployments get variables only; remove these bindings from " + configFile + ":", ...refused.map((r) => "  - " + r)],
      });
    }
    const outdir = path.join(work, "out");
    log(`Bundling ${path.relative(process.cwd(), entry) || entry} with wrangler…`);
    const run = spawnSync(node22(), [wranglerBin(), "deploy", "--dry-run", "--outdir", outdir, "--config", configFile], {
      cwd: path.dirname(configFile),
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    });
    if (run.status !== 0) {
      const out = `${run.stdout ?? ""}\n${run.stderr ?? ""}`.trim().split("\n").slice(-15);
      throw new CliError("wrangler could not bundle the Worker", { lines: ["wrangler could not bundle the Worker:", ...out] });
    }
    const modules = modulesOf(outdir);
    const mainName = path.basename(entry).replace(/\.(m?js|ts|mts)$/, ".js");
    const main = modules.find((m) => m.name === mainName) ?? modules.find((m) => m.type === "esm" && !m.name.includes("/"));
    if (!main) throw new CliError("wrangler wrote no JavaScript module");
    // the main module first, the way the platform lists it
    modules.sort((a, b) => (a === main ? -1 : b === main ? 1 : a.name.localeCompare(b.name)));
    const bundle = {
      mainModule: main.name,
      modules,
      compatibilityDate: config.compatibility_date ?? DEFAULT_COMPATIBILITY_DATE,
      compatibilityFlags: config.compatibility_flags ?? [],
    };
    return { bundle, vars: varsOf(config), configFile: statSync(abs).isDirectory() ? configFile : null };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The SHA-256 the platform stores the bundle under: over its canonical JSON (lib/deploy/bundle.ts). */
export function bundleSha256(b) {
  const canonical = JSON.stringify({
    mainModule: b.mainModule,
    modules: b.modules.map((m) => ({ name: m.name, type: m.type, content: m.content })),
    compatibilityDate: b.compatibilityDate,
    compatibilityFlags: b.compatibilityFlags ?? [],
  });
  return { sha256: createHash("sha256").update(canonical).digest("hex"), bytes: Buffer.byteLength(canonical) };
}

export const CLI_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
