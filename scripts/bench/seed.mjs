// Seeds a benchmark workspace straight into the local D1 file (node:sqlite), which is how a
// million keys load in seconds: a full-access root key, one API and N keys, of which some carry
// credits, a rate limit or permissions. Returns the plaintexts the scenarios need.
import { DatabaseSync } from "node:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";

const hash = (s) => createHash("sha256").update(s).digest("base64");
const rid = (p) => `${p}_${randomBytes(12).toString("hex")}`;

/** The local D1 file holding `table` (DB has `keys`; ANALYTICS_DB has `key_verifications_v1`). */
export function findD1File(persistTo, table = "keys") {
  const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  const hits = files.filter((f) => {
    const db = new DatabaseSync(path.join(dir, f), { readOnly: true });
    try {
      return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
    } finally {
      db.close();
    }
  });
  if (hits.length !== 1) throw new Error(`expected one D1 sqlite file with table ${table} in ${dir}, found ${hits.length}`);
  return path.join(dir, hits[0]);
}

/** Inserts the workspace and `keys` keys; returns { rootKey, apiId, samples } */
export function seed(dbFile, { keys = 10_000, sampleSize = 1000 } = {}) {
  const db = new DatabaseSync(dbFile);
  const now = Date.now();
  const ws = rid("ws");
  const rootKey = `unkey_bench${randomBytes(12).toString("hex")}`;
  const apiId = rid("api");
  const ks = rid("ks");
  db.exec("BEGIN");
  db.prepare(
    "INSERT INTO workspaces (id, name, enabled, analytics_enabled, analytics_retention_days, audit_retention_days, created_at) VALUES (?, 'bench', 1, 1, 30, 90, ?)",
  ).run(ws, now);
  db.prepare(
    "INSERT INTO root_keys (id, workspace_id, hash, start, name, permissions, full_access, enabled, created_at) VALUES (?, ?, ?, 'unkey_bnch', 'bench', '[]', 1, 1, ?)",
  ).run(rid("key"), ws, hash(rootKey), now);
  db.prepare("INSERT INTO keyspaces (id, workspace_id, store_encrypted_keys, created_at) VALUES (?, ?, 0, ?)").run(ks, ws, now);
  db.prepare("INSERT INTO apis (id, workspace_id, keyspace_id, name, delete_protection, created_at) VALUES (?, ?, ?, 'bench', 0, ?)").run(apiId, ws, ks, now);
  const perm = rid("perm");
  db.prepare("INSERT INTO permissions (id, workspace_id, name, slug, created_at) VALUES (?, ?, 'documents.read', 'documents.read', ?)").run(perm, ws, now);

  const insertKey = db.prepare("INSERT INTO keys (id, workspace_id, keyspace_id, hash, start, enabled, remaining, created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)");
  const insertRl = db.prepare(
    "INSERT INTO ratelimits (id, workspace_id, key_id, name, \"limit\", duration, auto_apply, created_at) VALUES (?, ?, ?, 'requests', 1000000000, 60000, 1, ?)",
  );
  const insertPerm = db.prepare("INSERT INTO keys_permissions (key_id, permission_id, workspace_id, created_at) VALUES (?, ?, ?, ?)");
  const samples = { plain: [], credits: [], ratelimited: [], permissioned: [] };
  // four kinds of key, interleaved; only the first `sampleSize` of each kind are remembered
  for (let i = 0; i < keys; i++) {
    const kind = ["plain", "credits", "ratelimited", "permissioned"][i % 4];
    const secret = `bk_${randomBytes(16).toString("hex")}`;
    const id = rid("key");
    insertKey.run(id, ws, ks, hash(secret), secret.slice(0, 7), kind === "credits" ? 1_000_000_000 : null, now);
    if (kind === "ratelimited") insertRl.run(rid("rl"), ws, id, now);
    if (kind === "permissioned") insertPerm.run(id, perm, ws, now);
    if (samples[kind].length < sampleSize) samples[kind].push(secret);
  }
  db.exec("COMMIT");
  db.close();
  return { workspaceId: ws, rootKey, apiId, samples };
}
