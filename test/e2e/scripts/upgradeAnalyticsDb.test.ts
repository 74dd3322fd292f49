import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the scripts
import { applyLocalMigrations, ROOT, wranglerSync } from "../../../scripts/lib/wrangler.mjs";

/**
 * An installation from before the analytics database: its local state has the analytics rows in
 * DB. Starting the new version (applyLocalMigrations, as `npm start` and the e2e helpers do)
 * moves them to ANALYTICS_DB and only then lets the DB migrations drop the old tables; applying
 * the DB migrations alone refuses while rows are left.
 */
describe("upgrade to the analytics database", () => {
  const persistTo = mkdtempSync(path.join(tmpdir(), "upgrade-analytics-"));
  const exec = (config: string, binding: string, sql: string) =>
    wranglerSync(["d1", "execute", binding, "--local", "--persist-to", persistTo, "-c", config, "--yes", "--json", "--command", sql], {
      env: { CI: "true", WRANGLER_LOG: "log" },
    });
  /** Reads a local database file directly (each wrangler call costs seconds): DB has `keys`. */
  const rows = (binding: "DB" | "ANALYTICS_DB", sql: string) => {
    const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".sqlite") && x !== "metadata.sqlite")) {
      const db = new DatabaseSync(path.join(dir, f), { readOnly: true });
      try {
        const isMain = !!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'keys'").get();
        if (isMain === (binding === "DB"))
          return db
            .prepare(sql)
            .all()
            .map((r) => ({ ...r }));
      } finally {
        db.close();
      }
    }
    throw new Error(`no local file for ${binding}`);
  };

  /** A wrangler config whose DB knows only the first (released) migration, as before the move. */
  function oldInstallation() {
    const dir = mkdtempSync(path.join(tmpdir(), "old-config-"));
    mkdirSync(path.join(dir, "migrations"));
    copyFileSync(path.join(ROOT, "schema/migrations/0000_init.sql"), path.join(dir, "migrations/0000_init.sql"));
    const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")
      .replace('main = "workers/api/index.ts"', `main = "${path.join(ROOT, "workers/api/index.ts")}"`)
      .replace('migrations_dir = "schema/migrations"', `migrations_dir = "${path.join(dir, "migrations")}"`);
    const config = path.join(dir, "wrangler.toml");
    writeFileSync(config, toml);
    wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo, "-c", config], { env: { CI: "true" } });
    return config;
  }

  it("moves raw and rollup rows, merges a bucket that exists on both sides, then drops the old tables", () => {
    const old = oldInstallation();
    const t = 1_700_000_000_000;
    exec(
      old,
      "DB",
      `INSERT INTO key_verifications_v1 (event_id, batch_id, request_id, time, workspace_id, key_space_id, key_id, outcome) VALUES ` +
        `('e1', 'b', 'r1', ${t}, 'ws_up', 'ks', 'k1', 'VALID'), ('e2', 'b', 'r2', ${t + 1}, 'ws_up', 'ks', 'k1', 'RATE_LIMITED'); ` +
        `INSERT INTO key_verifications_per_day_v1 (time, workspace_id, key_space_id, identity_id, external_id, key_id, outcome, source, app_id, tags, count, spent_credits) ` +
        `VALUES (${t}, 'ws_up', 'ks', '', '', 'k1', 'VALID', 'api', '', '[]', 2, 0); ` +
        `INSERT INTO ratelimits_v1 (event_id, batch_id, request_id, time, workspace_id, namespace_id, identifier, passed) VALUES ('e3', 'b', 'r3', ${t}, 'ws_up', 'ns', 'id''1', 1);`,
    );
    // the DB migrations alone refuse: rows would be lost
    expect(() => wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { env: { CI: "true" } })).toThrow(
      /analytics_rows_still_in_DB_run_npm_run_upgrade_analytics_db_first/,
    );
    // the new version already wrote into the same day bucket of ANALYTICS_DB
    wranglerSync(["d1", "migrations", "apply", "ANALYTICS_DB", "--local", "--persist-to", persistTo], { env: { CI: "true" } });
    exec(
      "wrangler.toml",
      "ANALYTICS_DB",
      `INSERT INTO key_verifications_per_day_v1 (time, workspace_id, key_space_id, identity_id, external_id, key_id, outcome, source, app_id, tags, count, spent_credits) ` +
        `VALUES (${t}, 'ws_up', 'ks', '', '', 'k1', 'VALID', 'api', '', '[]', 3, 0)`,
    );

    applyLocalMigrations({ persistTo });

    expect(rows("ANALYTICS_DB", "SELECT event_id, outcome FROM key_verifications_v1 ORDER BY event_id")).toEqual([
      { event_id: "e1", outcome: "VALID" },
      { event_id: "e2", outcome: "RATE_LIMITED" },
    ]);
    expect(rows("ANALYTICS_DB", "SELECT count FROM key_verifications_per_day_v1")).toEqual([{ count: 5 }]);
    expect(rows("ANALYTICS_DB", "SELECT identifier FROM ratelimits_v1")).toEqual([{ identifier: "id'1" }]);
    const left = rows("DB", "SELECT name FROM sqlite_master WHERE name LIKE 'key_verifications%' OR name LIKE 'ratelimits_v1%'");
    expect(left).toEqual([]);
    // and again: nothing to do, nothing duplicated
    applyLocalMigrations({ persistTo });
    expect(rows("ANALYTICS_DB", "SELECT COUNT(*) AS n FROM key_verifications_v1")).toEqual([{ n: 2 }]);
  }, 600_000);
});
