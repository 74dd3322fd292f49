// The runner's D1 migrations (scripts/lib/runner.mjs): every database with a migrations_dir,
// in file order, once, with wrangler's own bookkeeping so `wrangler d1 migrations apply` agrees.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helpers shared with the scripts
import { migrateState } from "../../../scripts/lib/runner.mjs";
// @ts-expect-error plain ESM helpers shared with the scripts
import { ROOT, wranglerSync } from "../../../scripts/lib/wrangler.mjs";

const root = mkdtempSync(path.join(tmpdir(), "keyforge-migrations-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sqliteFiles(stateDir: string): string[] {
  const dir = path.join(stateDir, "v3", "d1", "miniflare-D1DatabaseObject");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")
    .map((f) => path.join(dir, f));
}

function tablesOf(file: string): string[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe("D1 migrations", () => {
  it("applies each database's own migrations once, and new files later", async () => {
    const a = path.join(root, "a");
    const b = path.join(root, "b");
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(
      path.join(a, "0000_init.sql"),
      "CREATE TABLE `alpha` (\n  `id` text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE INDEX `alpha_id` ON `alpha` (`id`);\n",
    );
    writeFileSync(path.join(b, "0000_init.sql"), "CREATE TABLE beta (id TEXT);\nINSERT INTO beta VALUES ('x; not a separator');\n");
    const prepared = {
      workers: [
        {
          name: "w",
          d1: [
            { binding: "DB", id: "db-one", migrationsDir: a, migrationsTable: "d1_migrations" },
            { binding: "ANALYTICS_DB", id: "db-two", migrationsDir: b, migrationsTable: "d1_migrations" },
          ],
        },
      ],
    };
    const state = path.join(root, "state");
    await migrateState(prepared, state);
    await migrateState(prepared, state); // idempotent
    const byTables = sqliteFiles(state).map(tablesOf);
    expect(byTables).toHaveLength(2);
    expect(byTables).toContainEqual(expect.arrayContaining(["alpha", "d1_migrations"]));
    expect(byTables).toContainEqual(expect.arrayContaining(["beta", "d1_migrations"]));
    expect(byTables.find((t) => t.includes("alpha"))).not.toContain("beta");

    writeFileSync(path.join(b, "0001_more.sql"), "ALTER TABLE beta ADD COLUMN n INTEGER;\n");
    await migrateState(prepared, state);
    const betaFile = sqliteFiles(state).find((f) => tablesOf(f).includes("beta"))!;
    const db = new DatabaseSync(betaFile, { readOnly: true });
    const rows = db.prepare("SELECT name FROM d1_migrations ORDER BY id").all();
    const cols = db.prepare("SELECT name FROM pragma_table_info('beta')").all();
    const values = db.prepare("SELECT id FROM beta").all();
    db.close();
    expect(rows).toEqual([{ name: "0000_init.sql" }, { name: "0001_more.sql" }]);
    expect(cols).toEqual([{ name: "id" }, { name: "n" }]);
    expect(values).toEqual([{ id: "x; not a separator" }]);
  });

  it("keeps wrangler's bookkeeping: `wrangler d1 migrations apply` finds nothing left to apply", async () => {
    const state = path.join(root, "wrangler-compat");
    const db = {
      binding: "DB",
      id: "00000000-0000-0000-0000-000000000000",
      migrationsDir: path.join(ROOT, "schema/migrations"),
      migrationsTable: "d1_migrations",
    };
    await migrateState({ workers: [{ name: "keyforge-api", d1: [db] }] }, state);
    const r = wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml"], {
      env: { CI: "true", WRANGLER_LOG: "log" },
    });
    expect(r.stdout + r.stderr).toContain("No migrations to apply");
  }, 60_000);
});
