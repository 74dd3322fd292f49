import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
// @ts-expect-error plain ESM helper shared with the scripts
import { applyLocalMigrations, startWrangler } from "../../../scripts/lib/wrangler.mjs";

export const E2E_ADMIN_KEY = "e2e-admin-key-0123456789";
// test-only key-encryption key, so tests never depend on a developer's .dev.vars
export const E2E_ENCRYPTION_KEYS = "e2e1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

export interface TestServer {
  url: string;
  adminKey: string;
  /** the wrangler --persist-to directory (D1 and Durable Object SQLite files live here) */
  persistTo: string;
  /** a workspace created for this server, with a full-access root key */
  newWorkspace(name?: string): Promise<{ workspaceId: string; rootKey: string; rootKeyId: string }>;
  stop(): Promise<void>;
  logs(): string;
}

/**
 * Starts the API Worker with `wrangler dev` on a free port and fresh local state (its own
 * persist directory), migrations applied. Each test file gets its own server.
 */
export async function startApi(opts: { vars?: Record<string, string> } = {}): Promise<TestServer> {
  const persistTo = mkdtempSync(path.join(tmpdir(), "keyforge-e2e-"));
  applyLocalMigrations({ persistTo });
  // LOCAL_DEV: local development (the portal may use a loopback request's own origin, lib/portal/origin.ts)
  const server = await startWrangler({ persistTo, vars: { ADMIN_KEY: E2E_ADMIN_KEY, ENCRYPTION_KEYS: E2E_ENCRYPTION_KEYS, LOCAL_DEV: "1", ...opts.vars } });
  return {
    url: server.url,
    adminKey: E2E_ADMIN_KEY,
    persistTo,
    logs: server.logs,
    async newWorkspace(name = "e2e") {
      const res = await fetch(`${server.url}/v2/workspaces.createWorkspace`, {
        method: "POST",
        headers: { authorization: `Bearer ${E2E_ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const body = (await res.json()) as { data: { workspaceId: string; rootKey: string; rootKeyId: string } };
      if (res.status !== 200) throw new Error(`createWorkspace: ${res.status} ${JSON.stringify(body)}`);
      return body.data;
    },
    async stop() {
      await server.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}
