// Moves analytics rows written before the analytics tables got their own database (binding
// ANALYTICS_DB) out of the main database (DB), then lets the DB migrations drop the old tables
// (docs/analytics.md → Upgrading to the analytics database). Works on local state and, with
// `remote: true`, on Cloudflare, through wrangler only.
//
// Per table, in rowid order and batches: read rows from DB, insert them into ANALYTICS_DB
// (raw rows: ignored when already there, by event/request id; rollup rows: added to an
// existing bucket), then delete the copied rows from DB. Interrupted, it resumes where it
// stopped; only a crash between the insert and the delete of one rollup batch would count that
// batch twice.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import os from "node:os";
import path from "node:path";
import { ROOT, wranglerSync } from "./wrangler.mjs";

const GRAINS = ["minute", "hour", "day", "month"];
const VERIFICATION_DIMS = ["workspace_id", "time", "key_space_id", "identity_id", "external_id", "key_id", "outcome", "source", "app_id", "tags"];
const RATELIMIT_DIMS = ["workspace_id", "time", "namespace_id", "identifier"];

/**
 * Every moved table: `key` = conflict target, `add` = measures summed on conflict (rollups).
 * @type {{ name: string; key: string[]; add?: string[] }[]}
 */
export const MOVED_TABLES = [
  { name: "key_verifications_v1", key: ["event_id"] },
  ...GRAINS.map((g) => ({ name: `key_verifications_per_${g}_v1`, key: VERIFICATION_DIMS, add: ["count", "spent_credits"] })),
  { name: "ratelimits_v1", key: ["event_id"] },
  ...GRAINS.map((g) => ({ name: `ratelimits_per_${g}_v1`, key: RATELIMIT_DIMS, add: ["passed", "total"] })),
  { name: "gateway_requests_v1", key: ["request_id"] },
];

const sqlValue = (v) => {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NULL";
  if (typeof v === "boolean") return v ? "1" : "0";
  return `'${String(v).replaceAll("'", "''")}'`;
};

/**
 * Local state only: whether the main database's file (the one with `keys`) still holds
 * analytics rows. Read directly, so a start that has nothing to move costs no wrangler call.
 */
export function localNeedsUpgrade(persistTo) {
  const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  if (!existsSync(dir)) return false;
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".sqlite") && x !== "metadata.sqlite")) {
    const db = new DatabaseSync(path.join(dir, f), { readOnly: true });
    try {
      const has = (t) => !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t);
      if (!has("keys")) continue;
      if (MOVED_TABLES.some((t) => has(t.name) && db.prepare(`SELECT 1 FROM "${t.name}" LIMIT 1`).get())) return true;
    } finally {
      db.close();
    }
  }
  return false;
}

/** @param {{ config?: string; persistTo?: string; remote?: boolean; batchSize?: number; log?: (line: string) => void }} [opts] */
export function upgradeAnalyticsDb({ config = "wrangler.toml", persistTo, remote = false, batchSize = 2000, log = console.log } = {}) {
  if (!remote && !localNeedsUpgrade(persistTo ?? path.join(ROOT, ".wrangler", "state"))) return { moved: 0 };
  const where = remote ? ["--remote"] : ["--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
  // --json output goes through wrangler's logger, which the offline env quiets to warnings
  const exec = (binding, args) =>
    wranglerSync(["d1", "execute", binding, ...where, "-c", config, "--yes", ...args], { env: { CI: "true", WRANGLER_LOG: "log" } });
  const query = (binding, sql) => {
    const out = exec(binding, ["--json", "--command", sql]).stdout;
    const parsed = JSON.parse(out.slice(out.indexOf("[")));
    return parsed[0]?.results ?? [];
  };
  const names = MOVED_TABLES.map((t) => `'${t.name}'`).join(", ");
  const present = new Set(query("DB", `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${names})`).map((r) => r.name));
  if (present.size === 0) return { moved: 0 };
  const tmp = mkdtempSync(path.join(os.tmpdir(), "keyforge-upgrade-"));
  let moved = 0;
  try {
    for (const t of MOVED_TABLES) {
      if (!present.has(t.name)) continue;
      for (;;) {
        const rows = query("DB", `SELECT rowid AS __rowid, * FROM "${t.name}" ORDER BY rowid LIMIT ${batchSize}`);
        if (rows.length === 0) break;
        const cols = Object.keys(rows[0]).filter((c) => c !== "__rowid");
        const onConflict = t.add
          ? `ON CONFLICT (${t.key.join(", ")}) DO UPDATE SET ${t.add.map((m) => `${m} = ${m} + excluded.${m}`).join(", ")}`
          : `ON CONFLICT (${t.key.join(", ")}) DO NOTHING`;
        const stmts = rows.map((r) => `INSERT INTO "${t.name}" (${cols.join(", ")}) VALUES (${cols.map((c) => sqlValue(r[c])).join(", ")}) ${onConflict};`);
        const file = path.join(tmp, `${t.name}.sql`);
        writeFileSync(file, stmts.join("\n") + "\n");
        exec("ANALYTICS_DB", ["--file", file]);
        const last = rows[rows.length - 1].__rowid;
        exec("DB", ["--command", `DELETE FROM "${t.name}" WHERE rowid <= ${Number(last)}`]);
        moved += rows.length;
        log(`analytics upgrade: ${t.name}: moved ${rows.length} rows`);
        if (rows.length < batchSize) break;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { moved };
}
