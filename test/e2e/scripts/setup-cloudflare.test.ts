// `npm run setup:cloudflare --dry-run`: lists every command it would run for what the wrangler
// configs declare, and changes nothing. (The real run needs a Cloudflare account.)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script
import { jsonArray, setIdInToml } from "../../../scripts/setup-cloudflare.mjs";

const ROOT = path.resolve(__dirname, "../../..");
const SCRIPT = path.join(ROOT, "scripts/setup-cloudflare.mjs");

function dryRun(...args: string[]) {
  // no credentials: a dry run must not need any, nor reach the network
  const env = { ...process.env, CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "", ADMIN_KEY: "", ENCRYPTION_KEYS: "" };
  return spawnSync(process.execPath, [SCRIPT, "--dry-run", ...args], { cwd: ROOT, encoding: "utf8", env, timeout: 30_000 });
}

describe("npm run setup:cloudflare -- --dry-run", () => {
  it("prints the create command of every resource both configs declare, the secrets and migrations, and changes no file", () => {
    const files = ["wrangler.toml", "wrangler.sentinel.toml"].map((f) => path.join(ROOT, f));
    const before = files.map((f) => readFileSync(f, "utf8"));
    const r = dryRun();
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain("$ wrangler d1 list --json");
    expect(out).toContain("$ wrangler d1 create keyforge");
    expect(out).toContain('would edit wrangler.toml: database_id of D1 database "keyforge"');
    expect(out).toContain('would edit wrangler.sentinel.toml: database_id of D1 database "keyforge"');
    expect(out).toContain("$ wrangler queues create keyforge-analytics\n");
    expect(out).toContain("$ wrangler queues create keyforge-analytics-dlq\n");
    expect(out).toContain("$ wrangler secret put ADMIN_KEY -c wrangler.toml");
    expect(out).toContain("$ wrangler secret put ENCRYPTION_KEYS -c wrangler.toml");
    expect(out).toContain("$ wrangler d1 migrations apply keyforge --remote -c wrangler.toml");
    // every queue and D1 database of the configs, whatever other changes add to them
    const toml = before.join("\n");
    for (const [, q] of toml.matchAll(/^\s*(?:queue|dead_letter_queue)\s*=\s*"([^"]+)"/gm)) expect(out).toContain(`$ wrangler queues create ${q}\n`);
    for (const [, d] of toml.matchAll(/^\s*database_name\s*=\s*"([^"]+)"/gm)) expect(out).toContain(`$ wrangler d1 create ${d} `);
    for (const [, b] of toml.matchAll(/^\s*bucket_name\s*=\s*"([^"]+)"/gm)) expect(out).toContain(`$ wrangler r2 bucket create ${b} `);
    expect(files.map((f) => readFileSync(f, "utf8"))).toEqual(before);
  });

  it("picks up any D1 database, queue, R2 bucket and KV namespace a config declares", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "setup-cf-"));
    const api = path.join(dir, "api.toml");
    const edge = path.join(dir, "edge.toml");
    writeFileSync(
      api,
      `name = "my-api"
[[d1_databases]]
binding = "DB"
database_name = "main-db"
database_id = "00000000-0000-0000-0000-000000000000"
migrations_dir = "schema/migrations"

[[d1_databases]]
binding = "ANALYTICS_DB"
database_name = "analytics-db"
database_id = "00000000-0000-0000-0000-000000000000"

[[queues.producers]]
binding = "Q"
queue = "events"

[[queues.consumers]]
queue = "events"
dead_letter_queue = "events-dlq"

[[r2_buckets]]
binding = "ASSETS"
bucket_name = "my-assets"

[[kv_namespaces]]
binding = "CACHE_KV"
id = "00000000000000000000000000000000"
`,
    );
    writeFileSync(
      edge,
      `name = "my-edge"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "main-db"\ndatabase_id = ""\n\n[[queues.producers]]\nbinding = "LOGS"\nqueue = "edge-logs"\n`,
    );
    const before = [readFileSync(api, "utf8"), readFileSync(edge, "utf8")];
    const r = dryRun("--config", api, "--config", edge);
    expect(r.status, r.stderr).toBe(0);
    for (const cmd of [
      "wrangler d1 create main-db",
      "wrangler d1 create analytics-db",
      "wrangler queues create events\n",
      "wrangler queues create events-dlq\n",
      "wrangler queues create edge-logs\n",
      "wrangler r2 bucket create my-assets",
      "wrangler kv namespace create CACHE_KV",
      `wrangler secret put ADMIN_KEY -c ${api}`,
      `wrangler d1 migrations apply main-db --remote -c ${api}`,
    ]) {
      expect(r.stdout).toContain(`$ ${cmd}`);
    }
    // one create per database even though both configs declare main-db; both files get its id
    expect(r.stdout.match(/wrangler d1 create main-db/g)).toHaveLength(1);
    expect(r.stdout).toContain(`would edit ${edge}: database_id of D1 database "main-db"`);
    expect(r.stdout).not.toContain(`would edit ${edge}: database_id of D1 database "analytics-db"`);
    expect(r.stdout).not.toContain("migrations apply analytics-db");
    expect([readFileSync(api, "utf8"), readFileSync(edge, "utf8")]).toEqual(before);
  });

  it("writes an id into the right block only, keeping comments and other lines", () => {
    const text = [
      "# top comment",
      "[[d1_databases]]",
      'binding = "DB"',
      'database_name = "keyforge"',
      'database_id = "00000000-0000-0000-0000-000000000000" # replaced by setup',
      "",
      "[[d1_databases]]",
      'binding = "ANALYTICS_DB"',
      'database_name = "analytics"',
      "",
      "[vars]",
      'database_name = "keyforge"',
      "",
    ].join("\n");
    const id = "0f0e0d0c-1111-2222-3333-444455556666";
    const a = setIdInToml(text, { table: "d1_databases", matchKey: "database_name", matchValue: "keyforge", idKey: "database_id", id });
    expect(a).toBe(text.replace('"00000000-0000-0000-0000-000000000000" # replaced', `"${id}" # replaced`));
    const b = setIdInToml(text, { table: "d1_databases", matchKey: "database_name", matchValue: "analytics", idKey: "database_id", id });
    expect(b).toBe(text.replace('database_name = "analytics"\n', `database_name = "analytics"\ndatabase_id = "${id}"\n`));
  });

  it("reads wrangler's JSON lists past its banner and warnings", () => {
    const out = ' ⛅️ wrangler 4.164.0\n▲ [WARNING] something [odd]\n[\n  { "uuid": "u-1", "name": "keyforge" }\n]\n';
    expect(jsonArray(out)).toEqual([{ uuid: "u-1", name: "keyforge" }]);
    expect(() => jsonArray("no list here")).toThrow(/expected a JSON list/);
  });

  it("refuses an unknown flag", () => {
    const r = spawnSync(process.execPath, [SCRIPT, "--dryrun"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown argument --dryrun");
  });
});
