#!/usr/bin/env node
// `npm run setup:cloudflare [-- --dry-run]`: creates on your Cloudflare account everything the
// wrangler configs declare, so `npm run deploy` and `npm run deploy:sentinel` work on a fresh
// account. Generic over the configs (read with smol-toml): every D1 database, Queue (producers,
// consumers, dead-letter queues), R2 bucket and KV namespace declared in any of them is created
// once, whatever its name; a resource a later change adds to a config is picked up without editing
// this script. Then:
//   - the ids Cloudflare gives D1 databases and KV namespaces are written into every config that
//     declares them (the toml text is edited line by line, so comments and layout stay);
//   - the secrets ADMIN_KEY and ENCRYPTION_KEYS are put on the first config's Worker (the API
//     Worker), from the environment when set, else generated and printed once;
//   - remote D1 migrations are applied for every database with a migrations_dir.
// Every step is idempotent: existing resources are looked up first (or "already exists" counts as
// done) and existing secrets are left alone unless given in the environment. `--dry-run` prints
// every command and file edit and runs nothing (no account needed).
//
// Flags: --dry-run, --config <file> (repeatable; default wrangler.toml then wrangler.sentinel.toml).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "smol-toml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const PLACEHOLDER_ID = /^(|0{8}-0{4}-0{4}-0{4}-0{12}|<.*>|0+)$/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const HEX32 = /\b[0-9a-f]{32}\b/i;

/** Secrets of the API Worker, with a generator each (formats: README → Deploy). */
const SECRETS = {
  ADMIN_KEY: () => `admin_${randomBytes(24).toString("base64url")}`,
  // "id:base64(32 random bytes)"; more entries, comma-separated, for rotation (first is current)
  ENCRYPTION_KEYS: () => `kek1:${randomBytes(32).toString("base64")}`,
};

/** The JSON array in wrangler's output, which may carry a banner or warnings (`▲ [WARNING]`) before it. */
export function jsonArray(out) {
  const start = out.search(/^\[/m);
  if (start < 0) throw new Error(`expected a JSON list from wrangler, got:\n${out.slice(0, 500)}`);
  return JSON.parse(out.slice(start, out.lastIndexOf("]") + 1));
}

function parseArgs(argv) {
  /** @type {{ dryRun: boolean; configs: string[]; help?: boolean }} */
  const out = { dryRun: false, configs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--dry-run" || a === "-n") out.dryRun = true;
    else if (a === "--config" || a === "-c") out.configs.push(argv[++i]);
    else if (a.startsWith("--config=")) out.configs.push(a.slice("--config=".length));
    else if (a === "--help" || a === "-h") out.help = true;
    else throw new Error(`unknown argument ${a} (use --dry-run, --config <file>)`);
  }
  if (out.configs.length === 0) out.configs = ["wrangler.toml", "wrangler.sentinel.toml"];
  return out;
}

/** Everything the configs declare, each resource once, with the configs that use it. */
export function collectResources(configs) {
  const d1 = new Map();
  const queues = new Map();
  const r2 = new Map();
  const kv = new Map();
  const add = (map, key, value, file) => {
    const entry = map.get(key) ?? { ...value, files: [] };
    if (!entry.files.includes(file)) entry.files.push(file);
    map.set(key, entry);
  };
  for (const { file, toml } of configs) {
    for (const db of toml.d1_databases ?? []) {
      if (!db.database_name) continue;
      const entry = d1.get(db.database_name);
      add(
        d1,
        db.database_name,
        { name: db.database_name, binding: db.binding, migrationsDir: db.migrations_dir, migrationsConfig: file, id: db.database_id },
        file,
      );
      // migrations are applied through the first config that names a migrations_dir
      if (entry && !entry.migrationsDir && db.migrations_dir)
        Object.assign(d1.get(db.database_name), { migrationsDir: db.migrations_dir, migrationsConfig: file, binding: db.binding });
    }
    for (const p of toml.queues?.producers ?? []) if (p.queue) add(queues, p.queue, { name: p.queue }, file);
    for (const c of toml.queues?.consumers ?? []) {
      if (c.queue) add(queues, c.queue, { name: c.queue }, file);
      if (c.dead_letter_queue) add(queues, c.dead_letter_queue, { name: c.dead_letter_queue }, file);
    }
    for (const b of toml.r2_buckets ?? []) {
      for (const name of [b.bucket_name, b.preview_bucket_name]) if (name) add(r2, name, { name, jurisdiction: b.jurisdiction }, file);
    }
    for (const n of toml.kv_namespaces ?? []) if (n.binding) add(kv, n.binding, { binding: n.binding, id: n.id }, file);
  }
  return { d1: [...d1.values()], queues: [...queues.values()], r2: [...r2.values()], kv: [...kv.values()] };
}

/**
 * Sets `idKey = "<id>"` in every `[[table]]` block of the toml text whose `matchKey` equals
 * `matchValue`, keeping every other line (comments included) as it is. The id line is added
 * after the match line when the block has none. Returns the new text.
 */
export function setIdInToml(text, { table, matchKey, matchValue, idKey, id }) {
  const lines = text.split("\n");
  const header = new RegExp(`^\\s*\\[\\[\\s*${table.replace(/\./g, "\\.")}\\s*\\]\\]\\s*(#.*)?$`);
  const anyHeader = /^\s*\[/;
  const keyLine = (key) => new RegExp(`^(\\s*)${key}\\s*=\\s*(["'])(.*?)\\2\\s*(#.*)?$`);
  const out = [];
  /** @type {{ matches: boolean; matchIdx: number; idIdx?: number } | null} */
  let block = null;
  const flush = () => {
    if (!block || !block.matches) return;
    const idLine = `${idKey} = "${id}"`;
    if (block.idIdx !== undefined) {
      const m = out[block.idIdx].match(/^(\s*)/);
      const comment = out[block.idIdx].match(/\s(#.*)$/);
      out[block.idIdx] = `${m[1]}${idLine}${comment ? ` ${comment[1]}` : ""}`;
    } else out.splice(block.matchIdx + 1, 0, idLine);
  };
  for (const line of lines) {
    if (anyHeader.test(line)) {
      flush();
      block = header.test(line) ? { matches: false, matchIdx: -1 } : null;
      out.push(line);
      continue;
    }
    if (block) {
      const mm = line.match(keyLine(matchKey));
      if (mm && mm[3] === matchValue) Object.assign(block, { matches: true, matchIdx: out.length });
      if (keyLine(idKey).test(line)) block.idIdx = out.length;
    }
    out.push(line);
  }
  flush();
  return out.join("\n");
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log("usage: npm run setup:cloudflare [-- --dry-run] [-- --config wrangler.toml --config wrangler.sentinel.toml]");
    return;
  }
  const configs = args.configs.map((file) => {
    const abs = path.resolve(ROOT, file);
    const text = readFileSync(abs, "utf8");
    return { file, abs, text, toml: parse(text) };
  });
  const res = collectResources(configs);
  const api = configs[0];
  const dry = args.dryRun;
  const generated = {};
  const log = (s = "") => process.stdout.write(s + "\n");

  /** Runs (or, dry, prints) one wrangler command; returns { ok, out }. */
  /** @param {string[]} argv @param {{ input?: string; config?: string; okIf?: RegExp }} [opts] */
  const wrangler = (argv, { input, config, okIf } = {}) => {
    const full = config ? [...argv, "-c", config] : argv;
    log(`$ wrangler ${full.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ")}`);
    if (dry) return { ok: true, out: "", dry: true };
    const r = spawnSync(process.execPath, [WRANGLER, ...full], {
      cwd: ROOT,
      input,
      encoding: "utf8",
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    if (r.status === 0) return { ok: true, out };
    if (okIf && okIf.test(out)) return { ok: true, out, existed: true };
    process.stderr.write(out);
    throw new Error(`wrangler ${full.join(" ")} failed (exit ${r.status})`);
  };
  const editFiles = (what, entry, edit) => {
    for (const c of configs.filter((x) => entry.files.includes(x.file))) {
      const next = edit(c.text);
      if (next === c.text) {
        log(`  ${c.file}: ${what} already set`);
        continue;
      }
      log(`${dry ? "would edit" : "edit"} ${c.file}: ${what}`);
      if (!dry) {
        writeFileSync(c.abs, next);
        c.text = next;
      }
    }
  };
  const existsRe = /already exists|already taken|already in use|\[code: (10004|11009|10026|10014)\]/i;

  log(dry ? "Dry run: every command and file edit is printed; nothing is run or changed.\n" : "Setting up Cloudflare resources.\n");
  log(`Configs: ${configs.map((c) => c.file).join(", ")} (secrets go to the Worker "${api.toml.name}" of ${api.file})`);
  log(
    `Declared: ${res.d1.length} D1 database(s) [${res.d1.map((d) => d.name).join(", ")}], ${res.queues.length} queue(s) [${res.queues.map((q) => q.name).join(", ")}], ` +
      `${res.r2.length} R2 bucket(s) [${res.r2.map((b) => b.name).join(", ")}], ${res.kv.length} KV namespace(s) [${res.kv.map((k) => k.binding).join(", ")}]\n`,
  );

  // D1: look the names up once, create the missing ones, write every id into its configs
  if (res.d1.length) {
    log("# D1 databases");
    const listed = wrangler(["d1", "list", "--json"]);
    const known = new Map();
    if (!listed.dry) {
      for (const db of jsonArray(listed.out)) known.set(db.name, db.uuid);
    }
    for (const db of res.d1) {
      let id = known.get(db.name);
      if (id) log(`  ${db.name} exists (${id})`);
      else {
        if (dry) log(`  (only when "${db.name}" is not in the list above)`);
        const created = wrangler(["d1", "create", db.name, "--update-config=false"], { okIf: existsRe });
        id = dry ? `<id of ${db.name}>` : created.out.match(UUID)?.[0];
        if (!id && !dry) {
          const again = wrangler(["d1", "list", "--json"]);
          id = jsonArray(again.out).find((x) => x.name === db.name)?.uuid;
        }
        if (!id) throw new Error(`could not find the id of D1 database ${db.name}`);
      }
      editFiles(`database_id of D1 database "${db.name}" = ${id}`, db, (text) =>
        setIdInToml(text, { table: "d1_databases", matchKey: "database_name", matchValue: db.name, idKey: "database_id", id }),
      );
    }
    log();
  }

  if (res.queues.length) {
    log("# Queues (an existing queue counts as created)");
    for (const q of res.queues) {
      const r = wrangler(["queues", "create", q.name], { okIf: existsRe });
      if (r.existed) log(`  ${q.name} exists`);
    }
    log();
  }

  if (res.r2.length) {
    log("# R2 buckets (an existing bucket counts as created)");
    for (const b of res.r2) {
      const r = wrangler(["r2", "bucket", "create", b.name, ...(b.jurisdiction ? ["-J", b.jurisdiction] : []), "--update-config=false"], { okIf: existsRe });
      if (r.existed) log(`  ${b.name} exists`);
    }
    log();
  }

  if (res.kv.length) {
    log("# KV namespaces (titled by binding; ids written into the configs)");
    const listed = wrangler(["kv", "namespace", "list"]);
    const known = new Map();
    if (!listed.dry) for (const n of jsonArray(listed.out)) known.set(n.title, n.id);
    for (const n of res.kv) {
      let id = !PLACEHOLDER_ID.test(n.id ?? "") ? n.id : known.get(n.binding);
      if (!id) {
        const created = wrangler(["kv", "namespace", "create", n.binding, "--update-config=false"], { okIf: existsRe });
        id = dry ? `<id of ${n.binding}>` : created.out.match(HEX32)?.[0];
        if (!id) throw new Error(`could not find the id of KV namespace ${n.binding}`);
      }
      editFiles(`id of KV namespace "${n.binding}" = ${id}`, n, (text) =>
        setIdInToml(text, { table: "kv_namespaces", matchKey: "binding", matchValue: n.binding, idKey: "id", id }),
      );
    }
    log();
  }

  log(`# Secrets of ${api.toml.name} (from the environment when set, else generated; existing ones are kept)`);
  const existing = new Set();
  const listed = wrangler(["secret", "list", "--format", "json"], { config: api.file, okIf: /not found|does not exist|10007/i });
  if (!listed.dry && !listed.existed) {
    try {
      for (const s of jsonArray(listed.out)) existing.add(s.name);
    } catch {
      // an unparsable list means we cannot tell: put the secrets
    }
  }
  for (const [name, make] of Object.entries(SECRETS)) {
    const fromEnv = process.env[name];
    if (!fromEnv && existing.has(name)) {
      log(`  ${name} is set already (kept; set ${name} in the environment to replace it)`);
      continue;
    }
    const value = fromEnv || make();
    if (!fromEnv) generated[name] = value;
    if (dry) log(`  (value: ${fromEnv ? `$${name} from the environment` : "generated"}, on standard input)`);
    wrangler(["secret", "put", name], { config: api.file, input: value + "\n" });
  }
  log();

  const migrated = res.d1.filter((d) => d.migrationsDir);
  if (migrated.length) {
    log("# Remote D1 migrations");
    for (const db of migrated) wrangler(["d1", "migrations", "apply", db.name, "--remote"], { config: db.migrationsConfig });
    log();
  }

  if (!dry && Object.keys(generated).length) {
    log("Generated secrets (shown only now; keep them somewhere safe):");
    for (const [k, v] of Object.entries(generated)) log(`  ${k}=${v}`);
    log();
  }
  log(
    dry
      ? "Dry run done. Run without --dry-run to do it (needs `npx wrangler login` or CLOUDFLARE_API_TOKEN)."
      : "Done. Next: npm run deploy && npm run deploy:sentinel (Durable Objects and Analytics Engine datasets need no setup).",
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (/** @type {any} */ err) {
    process.stderr.write(`setup:cloudflare: ${err.message}\n`);
    process.exitCode = 1;
  }
}
