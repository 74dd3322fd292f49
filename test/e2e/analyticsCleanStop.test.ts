import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the scripts
import { applyLocalMigrations, startWrangler } from "../../scripts/lib/wrangler.mjs";
import { E2E_ADMIN_KEY, E2E_ENCRYPTION_KEYS } from "./helpers/server";
import { startRunnerInstance } from "./helpers/runner";

/**
 * Miniflare keeps Queue messages in memory: a stop right after the last answers used to drop
 * the events still queued (docs/analytics.md → What a crash or a stop can lose). The stop path
 * drains first, so a clean stop loses none.
 */
type Started = { url: string; stop(): Promise<void> };
const starts: [string, (persistTo: string) => Promise<Started>][] = [
  // what npm start runs: SIGTERM to the runner (scripts/lib/runner.mjs stop drains first)
  ["the local runner", (stateDir) => startRunnerInstance({ stateDir })],
  [
    "wrangler dev of the API alone",
    async (persistTo) => {
      applyLocalMigrations({ persistTo });
      return startWrangler({ persistTo, vars: { ADMIN_KEY: E2E_ADMIN_KEY, ENCRYPTION_KEYS: E2E_ENCRYPTION_KEYS } });
    },
  ],
];

describe.each(starts)("a clean stop of %s loses no analytics events", (_name, start) => {
  it("every verification answered before stop() is in key_verifications_v1 afterwards", async () => {
    const persistTo = mkdtempSync(path.join(tmpdir(), "keyforge-stop-"));
    try {
      const server = await start(persistTo);
      const post = async (op: string, body: unknown, token: string) => {
        const res = await fetch(`${server.url}/v2/${op}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const ws = (await post("workspaces.createWorkspace", { name: "stop" }, E2E_ADMIN_KEY)).body.data;
      const api = (await post("apis.createApi", { name: "stop" }, ws.rootKey)).body.data;
      const key = (await post("keys.createKey", { apiId: api.apiId }, ws.rootKey)).body.data.key;
      let answered = 0;
      for (let round = 0; round < 10; round++) {
        const res = await Promise.all(Array.from({ length: 20 }, () => post("keys.verifyKey", { key }, ws.rootKey)));
        answered += res.filter((r) => r.status === 200 && r.body.data.valid).length;
      }
      expect(answered).toBe(200);
      await server.stop(); // right after the last answer

      const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
      let stored = -1;
      for (const f of readdirSync(dir).filter((x) => x.endsWith(".sqlite") && x !== "metadata.sqlite")) {
        const db = new DatabaseSync(path.join(dir, f), { readOnly: true });
        try {
          if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'key_verifications_v1'").get()) {
            stored = Number((db.prepare("SELECT COUNT(*) AS n FROM key_verifications_v1 WHERE workspace_id = ?").get(ws.workspaceId) as { n: number }).n);
          }
        } finally {
          db.close();
        }
      }
      expect(stored).toBe(200);
    } finally {
      rmSync(persistTo, { recursive: true, force: true });
    }
  }, 300_000);
});
